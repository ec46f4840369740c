"""The code policy: an allow-list of what generated TSX may contain, read from its syntax
tree (tree-sitter: quotes, comments and escapes cannot hide anything).

A component renders markup from its props. The policy proves that and nothing more:
every node type, import, global name, member, JSX element and attribute, URL and spread
must be one the allow-lists (policy_names.py) name; anything it cannot prove allowed is a
finding. Identifiers are normalised by refusal: an escape (`\\u0065val`) or a non-ASCII
letter in a name is a finding, so every name is read as the engine reads it. Computed
keys are folded (policy_values.py) and read as names; keys that do not fold are allowed
only on the file's own values, never chained or called. Each finding's rule is a short,
stable label of `code_policy_violations_total{rule}`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from tree_sitter import Node

from config.settings import get_settings
from workers.chain.quality import policy_names as names
from workers.chain.quality.checks import _tsx_parser
from workers.chain.quality.policy_scopes import Scopes, text
from workers.chain.quality.policy_values import Folder, css_squeezed, url_refused

_IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_ATTRIBUTE = re.compile(r"[A-Za-z_$][A-Za-z0-9_$-]*")  # JSX attribute names: aria-label
_NAME_NODES = frozenset(
    {"identifier", "property_identifier", "shorthand_property_identifier",
     "shorthand_property_identifier_pattern", "statement_identifier"}
)  # fmt: skip
_SCRIPT_SCHEMES = ("javascript:", "vbscript:", "data:text/html", "livescript:")
_CSS_LOADERS = ("url(", "image-set(", "@import", "expression(", "-moz-binding", "behavior:")
_FORBIDDEN_WORDS = re.compile(r"\b(?:constructor|__proto__|prototype)\b")
# A bare package name and subpath, or ./component: no `..`, no URL, no absolute path.
_MODULE = re.compile(
    r"(?:\./|@[a-z0-9][a-z0-9._~-]*/)?[a-z0-9][a-z0-9._~-]*(?:/[a-z0-9_~-][a-z0-9._~-]*)*"
)
_PROP_FORMS = ("identifier", "member_expression", "subscript_expression",
               "shorthand_property_identifier")  # fmt: skip
_OWN_FILES = frozenset({"./component", "./component.tsx", "./stories", "./stories.tsx"})
_STORY_IMPORTS = frozenset({"@storybook/react", "@storybook/test"})
_BASE_IMPORTS = frozenset({"react", "react/jsx-runtime"})


@dataclass(frozen=True)
class Finding:
    rule: str
    file: str
    line: int  # 1-based
    column: int  # 1-based
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Allowances:
    """What a tenant may widen: packages beyond react (exact names or `@scope/*`) and
    https hosts URLs may point at (exact or `*.example.com`)."""

    packages: frozenset[str] = field(default_factory=frozenset)
    hosts: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def default(cls) -> Allowances:
        settings = get_settings()
        return cls(_listed(settings.code_allowed_packages), _listed(settings.code_url_hosts))

    @classmethod
    def of(cls, packages: list[str] | None, hosts: list[str] | None) -> Allowances:
        """A tenant's lists; None: the deployment's default for that list."""
        default = cls.default()
        return cls(
            default.packages if packages is None else frozenset(p.lower() for p in packages),
            default.hosts if hosts is None else frozenset(h.lower() for h in hosts),
        )

    def package_allowed(self, module: str) -> bool:
        """`clsx`, its subpaths (`lucide-react/icons`), or a scope's packages (`@radix-ui/*`)."""
        for allowed in self.packages:
            if allowed.endswith("/*") and module.startswith(allowed[:-1]):
                return True
            if module == allowed or module.startswith(allowed + "/"):
                return True
        return False


def _listed(value: str) -> frozenset[str]:
    return frozenset(item.strip().lower() for item in value.split(",") if item.strip())


def check_files(files: dict[str, str], *, allow: Allowances | None = None) -> list[Finding]:
    """Findings in every file, in file then source order."""
    allow = allow or Allowances.default()
    return [f for name, source in files.items() for f in check_source(source, name, allow=allow)]


def check_source(source: str, file: str, *, allow: Allowances | None = None) -> list[Finding]:
    root = _tsx_parser().parse(source.encode()).root_node
    return _Walk(root, file, allow or Allowances.default()).findings()


class _Walk:
    """One pass over one file's tree."""

    def __init__(self, root: Node, file: str, allow: Allowances) -> None:
        self._root, self._file, self._allow = root, file, allow
        self._found: dict[tuple[str, int], Finding] = {}
        self._scopes = Scopes(root)
        self._fold = Folder(self._scopes.const_value)

    def findings(self) -> list[Finding]:
        for node in _walk(self._root):
            self._visit(node)
        return sorted(self._found.values(), key=lambda f: (f.line, f.column, f.rule))

    def _add(self, rule: str, node: Node, detail: str) -> None:
        line, column = node.start_point
        # One finding per rule and line keeps a report of `a + b + c` chains readable.
        self._found.setdefault(
            (rule, line), Finding(rule, self._file, line + 1, column + 1, detail)
        )

    def _visit(self, node: Node) -> None:
        if node.is_error or node.is_missing:
            self._add("syntax", node, "the code does not parse")
            return
        if not node.is_named:
            return
        if node.type not in names.ALLOWED_NODES:
            self._add("syntax", node, f"`{node.type.replace('_', ' ')}` is not allowed")
            return
        in_attribute = node.parent is not None and node.parent.type == "jsx_attribute"
        pattern = _ATTRIBUTE if in_attribute else _IDENTIFIER
        if node.type in _NAME_NODES and not pattern.fullmatch(text(node)):
            self._add("escaped-identifier", node, f"the name `{text(node)}` is escaped or "
                      "not plain ASCII")  # fmt: skip
            return
        handler = getattr(self, f"_on_{node.type}", None)
        if handler is not None:
            handler(node)

    # --- names ---------------------------------------------------------------------------

    def _on_identifier(self, node: Node) -> None:
        name = text(node)
        if name in names.FORBIDDEN_NAMES:
            self._add("prototype", node, f"`{name}` reaches functions' internals")
            return
        if self._scopes.is_binding(node) or _is_jsx_tag(node):
            return
        if self._scopes.is_local(node, name):
            return
        self._global(node, name)

    def _global(self, node: Node, name: str) -> None:
        parent = node.parent
        assert parent is not None
        if parent.type == "unary_expression" and text(parent).startswith("typeof"):
            return  # `typeof window` reads a type name, not the object
        if (
            parent.type == "binary_expression"
            and _operator(parent) == "instanceof"
            and parent.child_by_field_name("right") == node
        ):
            return
        is_object = (
            parent.type == "member_expression" and parent.child_by_field_name("object") == node
        )
        if name in names.GLOBAL_VALUES and not _is_written(node) and not is_object:
            return
        called = parent.type == "call_expression" and parent.child_by_field_name("function") == node
        if name in names.GLOBAL_FUNCTIONS and called:
            return
        if name in names.GLOBAL_CONSTRUCTORS and parent.type == "new_expression":
            return
        if name in names.GLOBAL_MEMBERS and self._global_member(node, name):
            return
        detail = f"the global `{name}` is not allowed"
        rule = names.LABEL_OF.get(name, "global")
        if name in names.GLOBAL_FUNCTIONS:
            detail = f"`{name}` may only be called directly, not used as a value"
        elif name in names.GLOBAL_MEMBERS:
            allowed = ", ".join(sorted(names.GLOBAL_MEMBERS[name]))
            detail = f"`{name}` may only be read for: {allowed}"
        if name == "document" and rule == "global":
            rule = "document"
        self._add(rule, node, detail)

    def _global_member(self, node: Node, name: str) -> bool:
        parent = node.parent
        if parent is None or parent.type != "member_expression":
            return False
        if parent.child_by_field_name("object") != node or _is_written(parent):
            return False
        member = text(parent.child_by_field_name("property"))
        if member not in names.GLOBAL_MEMBERS[name]:
            return False
        # The page's document only in an effect or handler, never while rendering.
        return name != "document" or self._scopes.function_depth(node) >= 2

    def _member_name(self, node: Node, name: str, how: str) -> None:
        if name in names.FORBIDDEN_NAMES:
            self._add("prototype", node, f"{how} `{name}`")
        elif (why := names.member_refused(name)) is not None:
            self._add(names.LABEL_OF.get(name, "member"), node, f"{how} {why}")

    def _on_member_expression(self, node: Node) -> None:
        target = node.child_by_field_name("object")
        name = text(node.child_by_field_name("property"))
        if (
            target is not None
            and target.type == "identifier"
            and text(target) in names.GLOBAL_MEMBERS
            and self._is_global(target)
        ):
            return  # an allowed global's members are checked with the global
        if target is not None and self._owns_members(target):
            if name in names.FORBIDDEN_NAMES:
                self._add("prototype", node, f"reads `{name}`")
        else:
            self._member_name(node, name, "reads")
        if _is_written(node) and name.lower() in names.URL_NAMES:
            self._add("url", node, f"`{name}` is set in code; URLs belong in JSX attributes")
        elif _is_written(node) and name in names.CSS_URL_PROPERTIES:
            self._css_value(_assigned_value(node), name)

    def _on_property_identifier(self, node: Node) -> None:
        parent = node.parent
        if (
            parent is not None
            and parent.type == "method_definition"
            and (text(node) in names.FORBIDDEN_NAMES)
        ):
            self._add("prototype", node, f"defines `{text(node)}`")

    def _on_subscript_expression(self, node: Node) -> None:
        key, target = node.child_by_field_name("index"), node.child_by_field_name("object")
        if key is not None and key.type == "number":
            return
        folded = self._fold.fold(key)
        if folded is not None:
            self._member_name(node, folded, "reads")
            if _is_written(node) and folded.lower() in names.URL_NAMES:
                self._add("url", node, f"`{folded}` is set in code")
            return
        parent = node.parent
        if target is None or not self._is_own_value(target):
            self._add("computed-access", node, "a computed key that is not constant, on a "
                      "value the file does not own")  # fmt: skip
        elif (
            target.type == "subscript_expression"
            and self._fold.fold(target.child_by_field_name("index")) is None
        ):
            self._add("computed-access", node, "computed keys that are not constant, chained")
        elif (
            parent is not None
            and parent.type == "call_expression"
            and (parent.child_by_field_name("function") == node)
        ):
            self._add("computed-access", node, "a call through a key that is not constant")

    def _is_own_value(self, node: Node) -> bool:
        """Whether a member chain starts from a name the file declares."""
        while node.type in ("member_expression", "subscript_expression", "non_null_expression",
                            "parenthesized_expression"):  # fmt: skip
            inner = node.child_by_field_name("object") or (
                node.named_children[0] if node.named_children else None
            )
            if inner is None:
                return False
            node = inner
        return node.type == "identifier" and self._scopes.is_local(node, text(node))

    def _owns_members(self, node: Node) -> bool:
        """A value whose members the file named itself: an object literal it declared
        (`styles.root`, `styles.size.sm` through nested literals) or a component's props
        object. A literal's member holding anything else (an element) is not its own."""
        if node.type == "identifier" and self._scopes.is_own_props(node):
            return self._scopes.is_prop(node)
        return self._literal_of(node) is not None

    def _literal_of(self, node: Node | None) -> Node | None:
        if node is None:
            return None
        if node.type == "identifier":
            return _unwrapped_object(self._scopes.const_value(node))
        if node.type != "member_expression":
            return None
        outer = self._literal_of(node.child_by_field_name("object"))
        key = text(node.child_by_field_name("property"))
        for pair in outer.named_children if outer is not None else []:
            if pair.type == "pair" and text(pair.child_by_field_name("key")) == key:
                return _unwrapped_object(pair.child_by_field_name("value"))
        return None

    def _is_global(self, node: Node) -> bool:
        return not self._scopes.is_local(node, text(node))

    def _on_shorthand_property_identifier_pattern(self, node: Node) -> None:
        if not self._destructures_props(node):
            self._member_name(node, text(node), "destructures")

    def _on_pair_pattern(self, node: Node) -> None:
        key = node.child_by_field_name("key")
        name = text(key) if key is not None and key.type == "property_identifier" else (
            self._fold.fold(key))  # fmt: skip
        if name is None:
            self._add("computed-access", node, "destructures a key that is not constant")
        elif not self._destructures_props(node):
            self._member_name(node, name, "destructures")

    def _destructures_props(self, node: Node) -> bool:
        """A key of the pattern that takes a component's props apart: props, not members
        of a platform object."""
        pattern = node.parent
        if pattern is None or pattern.type != "object_pattern":
            return False
        holder = pattern.parent
        if holder is not None and holder.type in ("required_parameter", "optional_parameter"):
            function = holder.parent.parent if holder.parent is not None else None
            first = holder.parent.named_children[0] if holder.parent is not None else None
            return (
                function is not None
                and first is not None
                and first.id == holder.id
                and self._scopes.function_depth(function) == 0
            )
        if holder is not None and holder.type == "variable_declarator":
            value = holder.child_by_field_name("value")
            return value is not None and value.type == "identifier" and self._scopes.is_prop(value)
        return False

    def _on_pair(self, node: Node) -> None:
        key, value = node.child_by_field_name("key"), node.child_by_field_name("value")
        name = text(key) if key is not None and key.type == "property_identifier" else (
            self._fold.fold(key))  # fmt: skip
        if name in names.FORBIDDEN_NAMES:
            self._add("prototype", node, f"an object with the key `{name}`")
        elif name in names.FORBIDDEN_KEYS:
            self._add("html-injection", node, f"an object with the key `{name}`")
        elif name in names.URL_ATTRIBUTES:
            self._url_value(value, name)
        elif name in names.CSS_URL_PROPERTIES:
            self._css_value(value, name)

    def _css_value(self, value: Node | None, name: str) -> None:
        """A CSS property that can load a URL (background, mask, cursor, ...): its value
        must be a constant (whose text is checked as CSS) or a prop passed through, never
        text built at run time (`"ur" + "l(" + secret`)."""
        for leaf in self._leaves(value):
            if leaf.type in ("undefined", "null", "number"):
                continue
            if leaf.type in _PROP_FORMS and self._scopes.is_prop(leaf):
                continue
            if self._fold.fold(leaf) is None:
                self._add("css-resource", leaf, f"`{name}` built at run time may load a URL")
                return

    def _on_shorthand_property_identifier(self, node: Node) -> None:
        name = text(node)
        if name in names.FORBIDDEN_KEYS:
            self._add("html-injection", node, f"an object with the key `{name}`")
        elif name in names.URL_ATTRIBUTES:
            self._url_value(node, name)
        if not self._scopes.is_local(node, name):
            self._global(node, name)

    # --- calls, imports ------------------------------------------------------------------

    def _on_call_expression(self, node: Node) -> None:
        callee, args = node.child_by_field_name("function"), node.child_by_field_name("arguments")
        if callee is not None and callee.type == "import":
            self._add("dynamic-import", node, "import() loads code at run time")
            return
        is_method = callee is not None and callee.type == "member_expression"
        method = text(callee.child_by_field_name("property") if is_method else callee)
        if method in ("cloneElement", "setProperty") and args is not None:
            self._props_argument(node, method, args.named_children)
        if callee is None or callee.type != "identifier" or text(callee) not in names.TIMERS:
            return
        if self._scopes.is_local(callee, text(callee)):
            return
        first = args.named_children[0] if args is not None and args.named_children else None
        if first is None or not self._scopes.is_function(first):
            self._add("timer-string", node, f"{text(callee)} needs a function the file writes")

    def _props_argument(self, node: Node, method: str, args: list[Node]) -> None:
        """cloneElement's props are an element's attributes: an object literal with
        constant keys (then checked like JSX attributes) or the component's own props.
        style.setProperty's name must be constant, and its value too for URL properties."""
        second = args[1] if len(args) > 1 else None
        if method == "setProperty":
            name = self._fold.fold(args[0]) if args else None
            camel = re.sub(r"-([a-z])", lambda m: m.group(1).upper(), name or "")
            if name is None:
                self._add("css-resource", node, "setProperty of a name built at run time")
            elif camel in names.CSS_URL_PROPERTIES:
                self._css_value(second, name)
            return
        if second is None or second.type in ("null", "undefined"):
            return
        if second.type == "identifier" and self._scopes.is_own_props(second):
            return
        if second.type != "object":
            self._add("jsx-spread", node, "cloneElement with props that are not a literal")
            return
        for pair in second.named_children:
            key = pair.child_by_field_name("key") if pair.type == "pair" else None
            if pair.type == "spread_element":
                inner = pair.named_children[0] if pair.named_children else None
                if inner is None or not self._scopes.is_own_props(inner):
                    self._add("jsx-spread", pair, "only the component's own props may be spread")
            elif (
                key is not None
                and key.type == "computed_property_name"
                and (self._fold.fold(key) is None)
            ):
                self._add("computed-access", pair, "cloneElement with a key built at run time")

    def _on_new_expression(self, node: Node) -> None:
        constructor = node.child_by_field_name("constructor")
        if constructor is None or constructor.type not in ("identifier", "member_expression"):
            self._add("syntax", node, "`new` of an expression")

    def _on_import_statement(self, node: Node) -> None:
        self._module_source(node)

    def _on_export_statement(self, node: Node) -> None:
        self._module_source(node)

    def _module_source(self, node: Node) -> None:
        source = node.child_by_field_name("source")
        if source is None:
            return
        module = self._fold.fold(source) or ""
        allowed = _MODULE.fullmatch(module) is not None and (
            module in _BASE_IMPORTS
            or module in _OWN_FILES
            or (module in _STORY_IMPORTS and self._file.startswith("stories"))
            or self._allow.package_allowed(module)
        )
        if not allowed:
            self._add("import", source, f"imports {module!r}: only react, the component's "
                      "own files and the tenant's allowed packages may be imported")  # fmt: skip

    # --- strings -------------------------------------------------------------------------

    def _on_string(self, node: Node) -> None:
        parent = node.parent
        if parent is not None and parent.type in ("import_statement", "export_statement"):
            return
        self._text_value(node, self._fold.fold(node, loose=True) or "")

    _on_template_string = _on_string

    def _on_binary_expression(self, node: Node) -> None:
        parent = node.parent
        if parent is not None and parent.type == "binary_expression":
            return  # a `+` chain is read once, from its top
        if _operator(node) == "+":
            self._text_value(node, self._fold.fold(node, loose=True) or "")

    def _on_jsx_text(self, node: Node) -> None:
        if _element_name(node.parent) == "style":
            self._text_value(node, text(node))

    def _text_value(self, node: Node, value: str) -> None:
        forms = css_squeezed(value)
        if any(scheme in form for form in forms for scheme in _SCRIPT_SCHEMES):
            self._add("script-url", node, "a javascript:/vbscript:/data:text/html URL")
        loaders = [form.replace("url(#", "") for form in forms]  # SVG's url(#id) is local
        if any(loader in form for form in loaders for loader in _CSS_LOADERS):
            self._add("css-resource", node, "CSS that loads a resource (url(), @import, …)")
        if any(_FORBIDDEN_WORDS.search(form) for form in forms):
            self._add("prototype", node, "a string naming constructor/prototype/__proto__")

    # --- JSX -----------------------------------------------------------------------------

    def _on_jsx_opening_element(self, node: Node) -> None:
        tag = node.child_by_field_name("name")
        if tag is None:
            return  # a fragment
        name = text(tag)
        if tag.type == "identifier" and name[:1].islower():
            if name not in names.HTML_ELEMENTS | names.SVG_ELEMENTS:
                self._add("jsx-element", node, f"<{name}> is not an allowed element")
            elif name == "style":
                self._style_element(node)
        elif tag.type not in ("identifier", "member_expression", "nested_identifier"):
            self._add("jsx-element", node, f"<{name}> is not an allowed element")
        for attribute in node.named_children:
            if attribute.type == "jsx_attribute":
                self._attribute(attribute, intrinsic=tag.type == "identifier" and name.islower())
            elif attribute.type == "jsx_expression":
                self._spread(attribute)

    _on_jsx_self_closing_element = _on_jsx_opening_element

    def _attribute(self, node: Node, *, intrinsic: bool) -> None:
        key = node.named_children[0] if node.named_children else None
        value = node.named_children[1] if len(node.named_children) > 1 else None
        name = text(key)
        if key is None or key.type == "jsx_namespace_name":
            self._add("jsx-attribute", node, f"the attribute {name} is not allowed")
            return
        if not names.attribute_allowed(name, intrinsic=intrinsic):
            rule = "html-injection" if name in names.FORBIDDEN_KEYS else "jsx-attribute"
            self._add(rule, node, f"the attribute {name} is not allowed")
        elif name.startswith("on") and value is not None and self._is_text(value):
            self._add("jsx-attribute", node, f"{name} must be a function, not code in a string")
        elif name in names.URL_ATTRIBUTES:
            self._url_value(value, name)

    def _is_text(self, value: Node) -> bool:
        """A value that is (or folds to) a string: code, where a handler belongs."""
        inner = value.named_children[0] if value.type == "jsx_expression" else value
        while inner is not None and inner.type in ("as_expression", "parenthesized_expression",
                                                   "satisfies_expression"):  # fmt: skip
            inner = inner.named_children[0] if inner.named_children else None
        return inner is not None and (
            inner.type in ("string", "template_string") or self._fold.fold(inner) is not None
        )

    def _spread(self, node: Node) -> None:
        spread = node.named_children[0] if node.named_children else None
        inner = spread.named_children[0] if spread is not None and spread.named_children else None
        if inner is None or not self._scopes.is_own_props(inner):
            self._add("jsx-spread", node, "only the component's own props may be spread")

    def _style_element(self, node: Node) -> None:
        """<style> content must be a constant: CSS from input could load or hide things."""
        element = node.parent
        for child in element.named_children if element is not None else []:
            if child.type == "jsx_expression":
                inner = child.named_children[0] if child.named_children else None
                value = self._fold.fold(inner)
                if value is None:
                    self._add("css-resource", child, "<style> content that is not constant")
                else:
                    self._text_value(child, value)

    def _url_value(self, value: Node | None, attribute: str) -> None:
        """A URL attribute's value: a literal that passes the URL rule, or the
        component's own prop passed straight through (either side of ?:, ??, ||)."""
        for leaf in self._leaves(value):
            if leaf.type in ("undefined", "null"):
                continue
            if leaf.type in _PROP_FORMS and self._scopes.is_prop(leaf):
                continue
            folded = self._fold.fold(leaf)
            if folded is None and _relative_prefix(leaf):
                continue
            why = (
                url_refused(
                    folded,
                    loading=attribute in names.LOADING_ATTRIBUTES,
                    srcset=attribute.lower() in ("srcset", "imagesrcset"),
                    hosts=self._allow.hosts,
                )
                if folded is not None
                else "is built at run time; only a literal or the component's own prop"
            )
            if why is not None:
                loads = attribute in names.LOADING_ATTRIBUTES
                rule = "remote-resource" if loads else "url"
                if any(scheme in why for scheme in _SCRIPT_SCHEMES):
                    rule = "script-url"
                self._add(rule, leaf, f"{attribute} {why}")
                return

    def _leaves(self, node: Node | None) -> Iterable[Node]:
        if node is None:
            return
        if node.type in ("jsx_expression", "parenthesized_expression") and node.named_children:
            yield from self._leaves(node.named_children[0])
        elif node.type == "ternary_expression":
            yield from self._leaves(node.child_by_field_name("consequence"))
            yield from self._leaves(node.child_by_field_name("alternative"))
        elif node.type == "binary_expression" and _operator(node) in ("??", "||"):
            yield from self._leaves(node.child_by_field_name("left"))
            yield from self._leaves(node.child_by_field_name("right"))
        else:
            yield node


def _assigned_value(node: Node) -> Node | None:
    """The right side of the assignment `node` (a member chain) is the target of."""
    while node.parent is not None and node.parent.type in (
        "member_expression", "subscript_expression", "non_null_expression"
    ):  # fmt: skip
        node = node.parent
    parent = node.parent
    return parent.child_by_field_name("right") if parent is not None else None


def _relative_prefix(node: Node) -> bool:
    """A template literal whose fixed start is a path of this site (`/search?q=${q}`):
    what follows cannot change the scheme or the host."""
    if node.type != "template_string" or not node.children:
        return False
    prefix = ""
    for child in node.children[1:]:
        if child.type != "string_fragment":
            break
        prefix += text(child)
    return re.match(r"/[^/\\\s]", prefix) is not None or prefix.startswith(("#", "?"))


def _unwrapped_object(value: Node | None) -> Node | None:
    while value is not None and value.type in (
        "as_expression", "satisfies_expression", "parenthesized_expression"
    ):  # fmt: skip
        value = value.named_children[0] if value.named_children else None
    return value if value is not None and value.type == "object" else None


def _walk(root: Node) -> Iterable[Node]:
    """Every node that runs, in source order: type-only subtrees are skipped, and of
    `x as T` / `x satisfies T` only `x` is visited."""
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type in names.TYPE_ONLY:
            continue
        yield node
        children = node.children
        if node.type in ("as_expression", "satisfies_expression") and node.named_children:
            children = [node.named_children[0]]
        stack.extend(reversed(children))


def _operator(node: Node) -> str:
    operator = node.child_by_field_name("operator")
    return text(operator)


def _element_name(node: Node | None) -> str:
    opening = node.child_by_field_name("open_tag") if node is not None else None
    return text(opening.child_by_field_name("name")) if opening is not None else ""


def _is_jsx_tag(node: Node) -> bool:
    parent = node.parent
    if parent is None or parent.type not in (
        "jsx_opening_element", "jsx_closing_element", "jsx_self_closing_element"
    ):  # fmt: skip
        return False
    if parent.child_by_field_name("name") != node:
        return False
    # An intrinsic element (<div>) is no reference; a component (<Icon>) is one, checked
    # at its opening tag as a name the file must declare.
    return text(node)[:1].islower() or parent.type == "jsx_closing_element"


def _is_written(node: Node) -> bool:
    """Whether the member chain `node` belongs to is an assignment's target."""
    while node.parent is not None and node.parent.type in (
        "member_expression", "subscript_expression", "non_null_expression"
    ):  # fmt: skip
        node = node.parent
    parent = node.parent
    if parent is None:
        return False
    if parent.type in ("assignment_expression", "augmented_assignment_expression"):
        return parent.child_by_field_name("left") == node
    if parent.type == "update_expression":
        return True
    return parent.type == "unary_expression" and text(parent).startswith("delete")
