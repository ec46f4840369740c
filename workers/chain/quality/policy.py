"""The code policy: what generated TSX may not do, read from its syntax tree.

A component renders markup from its props; it has no business reaching the network,
cookies, storage, the page's location, globals, `eval` or prototypes, nor loading remote
resources. A model steered by text in its input may write such code, so every file a
provider returns is walked here (tree-sitter, not regexes: quotes, comments and escapes
cannot hide a call) and each finding is named by a short, stable rule, the label of
`code_policy_violations_total{rule}`. Names the file declares itself are its own (a local
`open` or `top` is not the browser's). The allow-lists are small on purpose: imports,
and what `document` may be asked (the templates focus a tab by id).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from tree_sitter import Node

from workers.chain.quality.checks import _tsx_parser
from workers.chain.quality.policy_values import Folder, css_squeezed, squeezed

ALLOWED_IMPORTS = frozenset(
    {"react", "react-dom", "@storybook/react", "@storybook/test", "./component"}
)
DOCUMENT_ALLOWED = frozenset({"getElementById", "activeElement"})

# Global names (when the file does not declare them), by the rule each breaks.
_GLOBAL_RULES = {
    "eval": "eval",
    "function-constructor": "Function",
    "network": "fetch XMLHttpRequest WebSocket EventSource Image Audio Worker SharedWorker "
    "RTCPeerConnection open importScripts postMessage",
    "require": "require",
    "navigator": "navigator",
    "storage": "localStorage sessionStorage indexedDB caches cookieStore",
    "global-object": "window globalThis self top parent frames opener",
    "navigation": "location",
    "decoder": "atob unescape",
}
# Property names, on whatever object, by the rule each breaks.
_PROPERTY_RULES = {
    "cookie": "cookie",
    "eval": "eval",
    "function-constructor": "constructor",
    "network": "fetch sendBeacon",
    "navigator": "navigator",
    "html-injection": "innerHTML outerHTML insertAdjacentHTML dangerouslySetInnerHTML srcdoc "
    "srcDoc createContextualFragment",
    "storage": "localStorage sessionStorage indexedDB caches cookieStore",
    "global-object": "window globalThis defaultView ownerDocument contentWindow "
    "contentDocument opener frames",
    "navigation": "location",
    "prototype": "__proto__ setPrototypeOf defineProperty defineProperties __defineGetter__ "
    "__defineSetter__",
    "decoder": "fromCharCode fromCodePoint",
}
_GLOBALS = {name: rule for rule, names in _GLOBAL_RULES.items() for name in names.split()}
_PROPERTIES = {name: rule for rule, names in _PROPERTY_RULES.items() for name in names.split()}
_DECODERS_IN_KEYS = frozenset({"decodeURI", "decodeURIComponent", "atob", "unescape"})
_TIMERS = frozenset({"setTimeout", "setInterval", "setImmediate"})
_DANGEROUS_ELEMENTS = frozenset(
    {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "meta",
     "link", "portal"}
)  # fmt: skip
_DANGEROUS_ATTRIBUTES = frozenset({"srcdoc", "formaction"})
_RESOURCE_ATTRIBUTES = frozenset(
    {"src", "href", "srcset", "poster", "action", "data", "xlinkhref", "xlink:href",
     "background", "cite", "codebase", "ping", "manifest", "lowsrc", "imagesrcset"}
)  # fmt: skip
_SCRIPT_URLS = ("javascript:", "vbscript:", "data:text/html")
_CSS_LOADERS = ("url(", "image-set(", "@import", "expression(", "-moz-binding")
_REMOTE = re.compile(r"^(?:(?:https?|ftp|wss?):|//)")
_SCOPES = frozenset(
    {"program", "statement_block", "arrow_function", "function_expression", "function",
     "function_declaration", "generator_function", "generator_function_declaration",
     "method_definition", "for_statement", "for_in_statement", "catch_clause", "class_body"}
)  # fmt: skip
_FUNCTIONS = frozenset({"arrow_function", "function_expression", "function"})
_JSX_NAMES = frozenset(
    {"jsx_opening_element", "jsx_closing_element", "jsx_self_closing_element",
     "jsx_namespace_name"}
)  # fmt: skip


@dataclass(frozen=True)
class Finding:
    rule: str
    file: str
    line: int  # 1-based
    column: int  # 1-based
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_files(files: dict[str, str]) -> list[Finding]:
    """Findings in every file, in file then source order."""
    return [finding for name, source in files.items() for finding in check_source(source, name)]


def check_source(source: str, file: str) -> list[Finding]:
    root = _tsx_parser().parse(source.encode()).root_node
    return _Walk(root, file).findings()


def _text(node: Node | None) -> str:
    return (node.text or b"").decode(errors="replace") if node is not None else ""


def _pattern_names(node: Node | None) -> set[str]:
    """Names a binding pattern declares (defaults and keys are not bindings)."""
    if node is None:
        return set()
    if node.type in ("identifier", "shorthand_property_identifier_pattern"):
        return {_text(node)}
    if node.type == "pair_pattern":
        return _pattern_names(node.child_by_field_name("value"))
    if node.type in ("assignment_pattern", "object_assignment_pattern"):
        return _pattern_names(node.child_by_field_name("left"))
    if node.type in ("required_parameter", "optional_parameter"):
        return _pattern_names(node.child_by_field_name("pattern"))
    if node.type in ("object_pattern", "array_pattern", "rest_pattern", "formal_parameters"):
        return set().union(*(_pattern_names(c) for c in node.named_children))
    return set()


def _declared(scope: Node) -> set[str]:
    """Names declared directly in `scope` (its statements, or a function's parameters)."""
    names: set[str] = set()
    for field in ("parameters", "parameter", "parameter_field"):
        names |= _pattern_names(scope.child_by_field_name(field))
    if scope.type == "catch_clause":
        names |= _pattern_names(scope.child_by_field_name("parameter"))
    if scope.type == "for_in_statement":
        names |= _pattern_names(scope.child_by_field_name("left"))
    if scope.type in ("function_expression", "function"):
        names |= _pattern_names(scope.child_by_field_name("name"))
    for child in scope.named_children:
        if child.type == "export_statement":
            child = child.child_by_field_name("declaration") or child
        if child.type in ("lexical_declaration", "variable_declaration"):
            for declarator in child.named_children:
                names |= _pattern_names(declarator.child_by_field_name("name"))
        elif child.type.endswith(("function_declaration", "class_declaration")):
            names |= _pattern_names(child.child_by_field_name("name"))
        elif child.type == "import_statement":
            names |= _imported_names(child)
    return names


def _imported_names(statement: Node) -> set[str]:
    names: set[str] = set()
    stack = [c for c in statement.named_children if c.type != "string"]
    while stack:
        node = stack.pop()
        if node.type == "import_specifier":
            local = node.child_by_field_name("alias") or node.child_by_field_name("name")
            names.add(_text(local))
        elif node.type == "identifier":
            names.add(_text(node))
        else:
            stack.extend(node.named_children)
    return names


class _Walk:
    """One pass over one file's tree."""

    def __init__(self, root: Node, file: str) -> None:
        self._root, self._file = root, file
        self._found: dict[tuple[str, int], Finding] = {}
        self._scopes: dict[int, set[str]] = {}
        consts: dict[str, Node] = {}
        self._functions: set[str] = set()
        for node in _all(root):
            if node.type == "function_declaration":
                self._functions.add(_text(node.child_by_field_name("name")))
            if node.type != "variable_declarator":
                continue
            name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
            if name is None or name.type != "identifier" or value is None:
                continue
            if value.type in _FUNCTIONS or _is_use_callback(value):
                self._functions.add(_text(name))
            kind = node.parent.children[0].type if node.parent is not None else ""
            if kind == "const":
                consts[_text(name)] = value
        self._fold = Folder(consts)

    def findings(self) -> list[Finding]:
        for node in _all(self._root):
            handler = getattr(self, f"_on_{node.type}", None)
            if handler is not None:
                handler(node)
        return sorted(self._found.values(), key=lambda f: (f.line, f.column, f.rule))

    def _add(self, rule: str, node: Node, detail: str) -> None:
        line, column = node.start_point
        # One finding per rule and line keeps a report of `a + b + c` chains readable.
        self._found.setdefault(
            (rule, line), Finding(rule, self._file, line + 1, column + 1, detail)
        )

    def _is_local(self, node: Node, name: str) -> bool:
        scope = node.parent
        while scope is not None:
            if scope.type in _SCOPES:
                if scope.id not in self._scopes:
                    self._scopes[scope.id] = _declared(scope)
                if name in self._scopes[scope.id]:
                    return True
            scope = scope.parent
        return False

    # --- names ---------------------------------------------------------------------------

    def _on_identifier(self, node: Node) -> None:
        name, parent = _text(node), node.parent
        if parent is not None and parent.type in _JSX_NAMES:
            return
        if name == "document":
            self._on_document(node)
        elif name in _GLOBALS and not self._is_local(node, name):
            self._add(_GLOBALS[name], node, f"uses the global `{name}`")

    _on_shorthand_property_identifier = _on_identifier

    def _on_document(self, node: Node) -> None:
        if self._is_local(node, "document"):
            return
        parent = node.parent
        member = _text(parent.child_by_field_name("property")) if (
            parent is not None and parent.type == "member_expression"
            and parent.child_by_field_name("object") == node) else ""  # fmt: skip
        if member in DOCUMENT_ALLOWED or member in _PROPERTIES:
            return  # allowed, or reported by its property rule
        if member in ("write", "writeln"):
            self._add("html-injection", node, f"document.{member} writes raw HTML")
        else:
            what = f"document.{member}" if member else "`document` as a value"
            self._add("document", node, f"{what}; only {sorted(DOCUMENT_ALLOWED)} are allowed")

    def _property(self, node: Node, name: str, how: str) -> None:
        if name in _PROPERTIES:
            self._add(_PROPERTIES[name], node, f"{how} `{name}`")
        elif name == "prototype" and _is_written(node):
            self._add("prototype", node, f"{how} `prototype` is written")

    def _on_member_expression(self, node: Node) -> None:
        prop = node.child_by_field_name("property")
        self._property(node, _text(prop), "accesses")

    def _on_subscript_expression(self, node: Node) -> None:
        key, target = node.child_by_field_name("index"), node.child_by_field_name("object")
        value = self._fold.fold(key)
        if value is not None:
            self._property(node, value, "computed access to")
            return
        if any(_text(n) in _DECODERS_IN_KEYS for n in _all(key) if n.type == "identifier"):
            self._add("decoder", node, "a decoded string is used as a property name")
        if target is not None and _text(target) in (*_GLOBALS, "document"):
            self._add(
                "computed-access", node, f"{_text(target)}[…] with a key that is not constant"
            )

    def _on_shorthand_property_identifier_pattern(self, node: Node) -> None:
        self._property(node, _text(node), "destructures")

    def _on_pair_pattern(self, node: Node) -> None:
        key = node.child_by_field_name("key")
        name = (
            self._fold.fold(key) if key is not None and key.type != "property_identifier" else None
        )
        self._property(node, name if name is not None else _text(key), "destructures")

    def _on_pair(self, node: Node) -> None:
        key, value = node.child_by_field_name("key"), node.child_by_field_name("value")
        name = _text(key) if key is not None and key.type == "property_identifier" else (
            self._fold.fold(key) or "")  # fmt: skip
        # An object literal copied onto an element or object: Object.assign(el, {...}).
        if _PROPERTIES.get(name) in ("html-injection", "prototype"):
            self._property(node, name, "sets")
        if name.lower() in _RESOURCE_ATTRIBUTES:
            self._resource(value, name)

    # --- calls, imports ------------------------------------------------------------------

    def _on_call_expression(self, node: Node) -> None:
        callee, args = node.child_by_field_name("function"), node.child_by_field_name("arguments")
        first = args.named_children[0] if args is not None and args.named_children else None
        if callee is not None and callee.type == "import":
            self._add("dynamic-import", node, "import() loads code at run time")
            return
        is_method = callee is not None and callee.type == "member_expression"
        name = _text(callee.child_by_field_name("property") if is_method else callee)
        if callee is not None and callee.type == "subscript_expression":
            name = self._fold.fold(callee.child_by_field_name("index")) or ""
        if name in _TIMERS and (callee is None or not self._is_local(callee, name)):
            ok = first is not None and (first.type in _FUNCTIONS or _text(first) in self._functions)
            if not ok:
                self._add("timer-string", node, f"{name} needs a function, not a string or value")
        if name in ("setAttribute", "setAttributeNS") and args is not None:
            attribute = (self._fold.fold(args.named_children[-2]) or "").lower() if len(
                args.named_children) >= 2 else ""  # fmt: skip
            if attribute.startswith("on") or attribute in _DANGEROUS_ATTRIBUTES:
                self._add("html-injection", node, f"sets the {attribute} attribute (code or HTML)")
        if name == "createElement" and first is not None:
            tag = (self._fold.fold(first) or "").lower()
            if tag in _DANGEROUS_ELEMENTS:
                self._add("jsx-element", node, f"creates a <{tag}> element")

    def _on_import_statement(self, node: Node) -> None:
        if any(c.type == "import_require_clause" for c in node.named_children):
            self._add("require", node, "import … = require() loads a module at run time")
        self._module_source(node)

    def _on_export_statement(self, node: Node) -> None:
        self._module_source(node)

    def _module_source(self, node: Node) -> None:
        source = node.child_by_field_name("source")
        if source is None:
            for child in node.named_children:
                if child.type == "import_require_clause":
                    source = child.child_by_field_name("source")
        if source is not None and (module := self._fold.fold(source)) not in ALLOWED_IMPORTS:
            self._add("import", source, f"imports {module!r}; allowed: {sorted(ALLOWED_IMPORTS)}")

    # --- strings -------------------------------------------------------------------------

    def _on_string(self, node: Node) -> None:
        if node.parent is not None and node.parent.type in ("import_statement", "export_statement"):
            return
        self._text_value(node, self._fold.fold(node, loose=True) or "")

    _on_template_string = _on_string

    def _on_binary_expression(self, node: Node) -> None:
        parent = node.parent
        if parent is not None and parent.type == "binary_expression":
            return  # the chain is read once, from its top
        self._text_value(node, self._fold.fold(node, loose=True) or "")

    def _text_value(self, node: Node, value: str) -> None:
        if any(scheme in form for form in squeezed(value) for scheme in _SCRIPT_URLS):
            self._add("script-url", node, "a javascript:/vbscript:/data:text/html URL")
        if any(loader in form for form in css_squeezed(value) for loader in _CSS_LOADERS):
            self._add("css-resource", node, "CSS that loads a resource (url(), @import, …)")

    def _resource(self, value: Node | None, attribute: str) -> None:
        if value is None:
            return
        if value.type == "jsx_expression":
            value = value.named_children[0] if value.named_children else None
        text = self._fold.fold(value, loose=True) or ""
        candidates = text.split(",") if attribute.lower() in ("srcset", "imagesrcset") else [text]
        for candidate in candidates:
            forms = squeezed(candidate.strip().split(" ")[0].replace("\\", "/"))
            if any(_REMOTE.match(form) for form in forms):
                assert value is not None
                self._add("remote-resource", value, f"{attribute} loads a remote resource")
                return

    # --- JSX -----------------------------------------------------------------------------

    def _on_jsx_opening_element(self, node: Node) -> None:
        name = node.child_by_field_name("name")
        if name is not None and name.type == "jsx_namespace_name" and name.named_children:
            name = name.named_children[-1]
        if _text(name) in _DANGEROUS_ELEMENTS:
            self._add("jsx-element", node, f"<{_text(name)}> may load or run remote content")

    _on_jsx_self_closing_element = _on_jsx_opening_element

    def _on_jsx_attribute(self, node: Node) -> None:
        if not node.named_children:
            return
        name = _text(node.named_children[0])
        value = node.named_children[1] if len(node.named_children) > 1 else None
        if name.lower() in _DANGEROUS_ATTRIBUTES:
            self._add("jsx-attribute", node, f"the {name} attribute")
        if name == "dangerouslySetInnerHTML":
            self._add("html-injection", node, "dangerouslySetInnerHTML renders raw HTML")
        if name.lower() in _RESOURCE_ATTRIBUTES:
            self._resource(value, name)

    def _on_assignment_expression(self, node: Node) -> None:
        left = node.child_by_field_name("left")
        if left is not None and left.type == "member_expression":
            name = _text(left.child_by_field_name("property"))
            if name.lower() in _RESOURCE_ATTRIBUTES:
                self._resource(node.child_by_field_name("right"), name)


def _all(root: Node | None) -> list[Node]:
    """Every node under `root`, in source order."""
    out: list[Node] = []
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(reversed(node.children))
    return out


def _is_written(node: Node) -> bool:
    """Whether the member chain `node` belongs to is an assignment's target."""
    while node.parent is not None and node.parent.type in ("member_expression",
                                                           "subscript_expression"):  # fmt: skip
        node = node.parent
    parent = node.parent
    return parent is not None and (
        (
            parent.type in ("assignment_expression", "augmented_assignment_expression")
            and parent.child_by_field_name("left") == node
        )
        or parent.type in ("update_expression", "unary_expression")
    )


def _is_use_callback(value: Node) -> bool:
    callee = value.child_by_field_name("function") if value.type == "call_expression" else None
    return callee is not None and _text(callee).endswith("useCallback")
