"""Which declaration a name in generated TSX refers to, for the code policy: a local or a
global, a function the file wrote, a `const` string, the component's own props.

Resolution follows the language's scopes (blocks, functions, parameters, catch clauses,
loops), so a name shadowed in an inner scope is never read as the outer one. A name the
policy cannot resolve is treated as a global, which the policy refuses unless listed.
"""

from __future__ import annotations

from tree_sitter import Node

_SCOPES = frozenset(
    {"program", "statement_block", "arrow_function", "function_expression",
     "function_declaration", "method_definition", "for_statement", "for_in_statement",
     "catch_clause", "switch_case", "switch_default"}
)  # fmt: skip
FUNCTIONS = frozenset(
    {"arrow_function", "function_expression", "function_declaration", "method_definition"}
)
_PATTERNS = frozenset(
    {"object_pattern", "array_pattern", "pair_pattern", "rest_pattern", "assignment_pattern",
     "object_assignment_pattern"}
)  # fmt: skip
_PARAMETERS = frozenset({"required_parameter", "optional_parameter"})
_ARRAY_METHODS = frozenset({"map", "forEach", "filter", "find", "some", "every", "flatMap"})


def text(node: Node | None) -> str:
    return (node.text or b"").decode(errors="replace") if node is not None else ""


class Scopes:
    """Name resolution over one file's tree."""

    def __init__(self, root: Node) -> None:
        self._root = root
        self._declared: dict[int, dict[str, Node]] = {}

    # --- resolution ----------------------------------------------------------------------

    def declaration(self, node: Node, name: str) -> Node | None:
        """The node that declares `name` as seen from `node`: a variable declarator, a
        function declaration, a parameter, an import, ...; None for a global."""
        scope = node.parent
        while scope is not None:
            if scope.type in _SCOPES:
                found = self._names_of(scope).get(name)
                if found is not None:
                    return found
            scope = scope.parent
        return None

    def is_local(self, node: Node, name: str) -> bool:
        return self.declaration(node, name) is not None

    def const_value(self, node: Node) -> Node | None:
        """The initialiser of the `const` an identifier refers to (for folding)."""
        declarator = self.declaration(node, text(node))
        if declarator is None or declarator.type != "variable_declarator":
            return None
        name = declarator.child_by_field_name("name")
        kind = declarator.parent.children[0].type if declarator.parent is not None else ""
        if kind != "const" or name is None or name.type != "identifier":
            return None
        return declarator.child_by_field_name("value")

    # --- what a name is ------------------------------------------------------------------

    def is_function(self, node: Node) -> bool:
        """A function the file wrote: a function expression, or a name bound to one (a
        function declaration, a `const` arrow, a useCallback)."""
        if node.type in ("arrow_function", "function_expression"):
            return True
        if node.type != "identifier":
            return False
        declaration = self.declaration(node, text(node))
        if declaration is None:
            return False
        if declaration.type == "function_declaration":
            return True
        value = self.const_value(node)
        if value is None:
            return False
        if value.type in ("arrow_function", "function_expression"):
            return True
        callee = value.child_by_field_name("function") if value.type == "call_expression" else None
        return text(callee) in ("useCallback", "React.useCallback")

    def is_prop(self, node: Node, depth: int = 0) -> bool:
        """A value straight from a component's props: a name its props parameter binds, a
        member or element of one (`props.href`, `items[i]`), a `const` holding one, or
        the item a callback gets from a prop array (`items.map((item) => item.href)`)."""
        if depth > 20:
            return False
        if node.type in ("member_expression", "subscript_expression"):
            target = node.child_by_field_name("object")
            return target is not None and self.is_prop(target, depth + 1)
        if node.type not in ("identifier", "shorthand_property_identifier"):
            return False
        if self._props_parameter(node) is not None:
            return True
        declaration = self.declaration(node, text(node))
        if declaration is None:
            return False
        if declaration.type == "variable_declarator":
            value = self.const_value(node) if node.type == "identifier" else None
            return value is not None and self.is_prop(value, depth + 1)
        return self._is_prop_item(declaration, depth)

    def _is_prop_item(self, declaration: Node, depth: int) -> bool:
        """A callback parameter fed from a prop array by an array method."""
        function = declaration.parent
        if declaration.type in _PARAMETERS and function is not None:
            function = function.parent
        if function is None or function.type not in ("arrow_function", "function_expression"):
            return False
        call = function.parent.parent if function.parent is not None else None
        callee = call.child_by_field_name("function") if call is not None else None
        if callee is None or callee.type != "member_expression":
            return False
        method = text(callee.child_by_field_name("property"))
        target = callee.child_by_field_name("object")
        return method in _ARRAY_METHODS and target is not None and self.is_prop(target, depth + 1)

    def is_own_props(self, node: Node) -> bool:
        """The props object itself or the rest of its destructuring: what a component
        may spread onto its element."""
        if node.type != "identifier":
            return False
        parameter = self._props_parameter(node)
        if parameter is not None:
            binding = self._binding_node(parameter, text(node))
            return (
                binding is not None
                and binding.parent is not None
                and (binding.parent.id == parameter.id or binding.parent.type == "rest_pattern")
            )
        # `const { a, ...rest } = props;` in the component's body.
        declarator = self.declaration(node, text(node))
        if declarator is None or declarator.type != "variable_declarator":
            return False
        value = declarator.child_by_field_name("value")
        binding = self._binding_node(declarator, text(node))
        return (
            value is not None
            and binding is not None
            and binding.parent is not None
            and binding.parent.type == "rest_pattern"
            and self.is_own_props(value)
        )

    def function_depth(self, node: Node) -> int:
        depth, parent = 0, node.parent
        while parent is not None:
            depth += parent.type in FUNCTIONS
            parent = parent.parent
        return depth

    def is_binding(self, node: Node) -> bool:
        """Whether an identifier declares a name (rather than refers to one)."""
        parent = node.parent
        if parent is None:
            return False
        if parent.type in ("function_declaration", "function_expression", "enum_declaration"):
            return parent.child_by_field_name("name") == node
        if parent.type in ("import_specifier", "import_clause", "namespace_import"):
            return True
        if parent.type == "export_specifier":
            return parent.child_by_field_name("alias") == node
        child = node
        while parent is not None and parent.type in _PATTERNS:
            if parent.type in ("assignment_pattern", "object_assignment_pattern") and (
                parent.child_by_field_name("right") == child
            ):
                return False  # a default value refers to names
            child, parent = parent, parent.parent
        if parent is None:
            return False
        field = {
            "variable_declarator": "name", "required_parameter": "pattern",
            "optional_parameter": "pattern", "arrow_function": "parameter",
            "catch_clause": "parameter",
        }.get(parent.type)  # fmt: skip
        if field is not None:
            return parent.child_by_field_name(field) == child
        if parent.type == "for_in_statement":
            declared = parent.child_by_field_name("kind") is not None
            return declared and parent.child_by_field_name("left") == child
        return False

    # --- internals -----------------------------------------------------------------------

    def _props_parameter(self, node: Node) -> Node | None:
        """The parameter node that binds `node`'s name, when it is the first parameter of
        a function at the top of the file (a component, a forwardRef render, a story's
        render)."""
        declaration = self.declaration(node, text(node))
        if declaration is None:
            return None
        function = declaration.parent
        if declaration.type in _PARAMETERS and function is not None:
            function = function.parent  # formal_parameters -> the function
            parameters = declaration.parent
            first = parameters.named_children[0] if parameters is not None else None
            if first is None or first.id != declaration.id:
                return None
        elif not (declaration.type == "identifier" and function is not None
                  and function.type == "arrow_function"):  # fmt: skip
            return None
        if function is None or function.type not in FUNCTIONS:
            return None
        return declaration if self.function_depth(function) == 0 else None

    def _binding_node(self, holder: Node, name: str) -> Node | None:
        """The identifier in `holder`'s pattern (a parameter or a declarator) that binds
        `name`."""
        stack = [holder.child_by_field_name("pattern") or holder.child_by_field_name("name")]
        while stack:
            node = stack.pop()
            if node is None:
                continue
            if node.type in ("identifier", "shorthand_property_identifier_pattern"):
                if text(node) == name:
                    return node
            elif node.type in _PATTERNS:
                value = node.child_by_field_name("value") or node.child_by_field_name("left")
                stack.extend([value] if value is not None else node.named_children)
        return None

    def _names_of(self, scope: Node) -> dict[str, Node]:
        if scope.id not in self._declared:
            self._declared[scope.id] = _declared(scope)
        return self._declared[scope.id]


def _bound(node: Node | None, declaration: Node, into: dict[str, Node]) -> None:
    """Names a binding pattern declares (defaults and keys are not bindings)."""
    if node is None:
        return
    if node.type in ("identifier", "shorthand_property_identifier_pattern"):
        into.setdefault(text(node), declaration)
    elif node.type == "pair_pattern":
        _bound(node.child_by_field_name("value"), declaration, into)
    elif node.type in ("assignment_pattern", "object_assignment_pattern"):
        _bound(node.child_by_field_name("left"), declaration, into)
    elif node.type in _PARAMETERS:
        _bound(node.child_by_field_name("pattern"), node, into)
    elif node.type in ("object_pattern", "array_pattern", "rest_pattern", "formal_parameters"):
        for child in node.named_children:
            _bound(child, declaration if node.type != "formal_parameters" else child, into)


def _declared(scope: Node) -> dict[str, Node]:
    """Names declared directly in `scope` (its statements, or a function's parameters),
    each with the node that declares it."""
    names: dict[str, Node] = {}
    parameters = scope.child_by_field_name("parameters")
    if parameters is not None:
        for parameter in parameters.named_children:
            _bound(parameter, parameter, names)
    if (single := scope.child_by_field_name("parameter")) is not None:
        _bound(single, single, names)
    if scope.type == "for_in_statement" and scope.child_by_field_name("kind") is not None:
        _bound(scope.child_by_field_name("left"), scope, names)
    if scope.type == "function_expression":
        _bound(scope.child_by_field_name("name"), scope, names)
    for child in scope.named_children:
        if child.type == "export_statement":
            child = child.child_by_field_name("declaration") or child
        if child.type in ("lexical_declaration", "variable_declaration"):
            for declarator in child.named_children:
                if declarator.type == "variable_declarator":
                    _bound(declarator.child_by_field_name("name"), declarator, names)
        elif child.type in ("function_declaration", "enum_declaration"):
            _bound(child.child_by_field_name("name"), child, names)
        elif child.type == "import_statement":
            _imported(child, names)
    return names


def _imported(statement: Node, into: dict[str, Node]) -> None:
    stack = [c for c in statement.named_children if c.type != "string"]
    while stack:
        node = stack.pop()
        if node.type == "import_specifier":
            local = node.child_by_field_name("alias") or node.child_by_field_name("name")
            into.setdefault(text(local), statement)
        elif node.type == "identifier":
            into.setdefault(text(node), statement)
        else:
            stack.extend(node.named_children)
