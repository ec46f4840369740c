"""validate_quality's checks: does the TSX parse, is every requirement implemented, which
tokens were applied. Checks read the generated code, not the generator's intentions."""

from __future__ import annotations

import re
import threading
from typing import Any

import tree_sitter_typescript
from tree_sitter import Language, Node, Parser

from core.requirements import Requirements
from workers.chain.codegen.component_model import ComponentModel, event_name
from workers.chain.codegen.markup import NATIVE_ROLE_MARKERS
from workers.chain.codegen.tsx import camel, kebab

_parser_lock = threading.Lock()
_parser: Parser | None = None
_NATIVE_KEYBOARD = re.compile(r"<(button|input|select|textarea)\b")


def _tsx_parser() -> Parser:
    """Built once per process: loading the grammar is the slow part."""
    global _parser
    with _parser_lock:
        if _parser is None:
            _parser = Parser(Language(tree_sitter_typescript.language_tsx()))
        return _parser


def _first_error(node: Node) -> Node | None:
    if node.is_error or node.is_missing:
        return node
    if not node.has_error:
        return None
    for child in node.children:
        if (found := _first_error(child)) is not None:
            return found
    return node


def _props_interface(root: Node, name: str) -> Node | None:
    """The top-level interface called `name`, else the first one (an LLM may name it
    otherwise)."""
    found = []
    for node in root.named_children:
        declaration = (
            node.child_by_field_name("declaration") if node.type == "export_statement" else node
        )
        if declaration is not None and declaration.type == "interface_declaration":
            ident = declaration.child_by_field_name("name")
            if ident is not None and ident.text == name.encode():
                return declaration
            found.append(declaration)
    return found[0] if found else None


def code_facts(source: str, component_name: str) -> tuple[set[str], str]:
    """(members of the `<Name>Props` interface, the source with every string literal's
    content blanked). Checks read the syntax tree, so quotes or braces inside an input
    string can neither hide a declared member nor pass for one used in code."""
    data = bytearray(source.encode())
    root = _tsx_parser().parse(bytes(data)).root_node
    members: set[str] = set()
    if (interface := _props_interface(root, component_name + "Props")) is not None:
        body = interface.child_by_field_name("body")
        for member in body.named_children if body is not None else []:
            key = member.child_by_field_name("name")
            if member.type == "property_signature" and key is not None and key.text:
                members.add(key.text.decode())
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "string" and node.end_byte - node.start_byte >= 2:
            data[node.start_byte + 1 : node.end_byte - 1] = b" " * (
                node.end_byte - node.start_byte - 2
            )
            continue
        stack.extend(node.children)
    return members, data.decode(errors="replace")


def parse_problem(source: str) -> str | None:
    """None when the source parses as TSX; else where it first fails."""
    tree = _tsx_parser().parse(source.encode())
    bad = _first_error(tree.root_node)
    if bad is None:
        return None
    line, column = bad.start_point
    return f"syntax error at line {line + 1}, column {column + 1}"


def _check(name: str, passed: bool | None, detail: str) -> dict[str, Any]:
    return {"name": name, "passed": passed, "detail": detail}


def _a11y_check(item: str, code: str, model: ComponentModel) -> dict[str, Any]:
    name = f"accessibility: {item}"
    if item.startswith("aria-"):
        found = f"{item}=" in code
        return _check(name, found, "attribute present" if found else "attribute missing")
    if (role := model.role_for.get(item)) is not None:
        native = NATIVE_ROLE_MARKERS.get(role)
        if native is not None and native in code:
            return _check(name, True, f"native element with role {role}")
        found = _has_role(code, role)
        return _check(name, found, "role set" if found else "role missing")
    if item in ("keyboard", "keyboard-navigation", "keyboard navigation"):
        found = "onKeyDown=" in code or _NATIVE_KEYBOARD.search(code) is not None
        return _check(name, found, "native control or key handler" if found else "no handler")
    if item in ("focus-visible", "focus"):
        found = ":focus-visible" in code
        return _check(name, found, "focus outline rule" if found else "no focus style")
    return _check(name, None, "not verifiable automatically; review by hand")


def check_requirements(
    requirements: Requirements, model: ComponentModel, code: str
) -> list[dict[str, Any]]:
    members, bare = code_facts(code, model.name)
    body = bare[bare.find("export function") :]
    checks = []
    for prop in requirements.props:
        declared = prop.name in members
        used = re.search(rf"\{{[^{{}}]*\b{prop.name}\b", body) is not None
        detail = "typed and rendered" if declared and used else "not declared or not used"
        checks.append(_check(f"prop: {prop.name}", declared and used, detail))
    for event in requirements.events:
        handler = event_name(event.name)
        declared = handler in members
        wired = re.search(rf"{handler}(\?\.\(|=\{{{handler}\}})", body) is not None
        checks.append(
            _check(
                f"event: {handler}",
                declared and wired,
                "wired to the element" if wired else "declared but never called",
            )
        )
    for state in requirements.states:
        if state.name in ("hover", "focus", "focus-visible", "active"):
            found = f":{state.name}" in code or (state.name == "focus" and ":focus-visible" in code)
            checks.append(_check(f"state: {state.name}", found, "CSS rule"))
            continue
        state_prop = camel(state.name)
        reflected = (
            re.search(rf"\b{state_prop}\b", body) is not None
            or f"data-{kebab(state_prop)}=" in body
        )
        checks.append(
            _check(
                f"state: {state.name}",
                reflected,
                "reflected in markup" if reflected else "not reflected",
            )
        )
    checks += [_a11y_check(item.name.strip(), code, model) for item in requirements.accessibility]
    return checks


def token_usage(declared: list[str], code: str) -> tuple[list[str], list[str]]:
    """(applied, unused) CSS variables: applied means some style reads it via var()."""
    applied = [v for v in declared if f"var({v})" in code]
    return applied, [v for v in declared if v not in applied]


_INTERACTIVE = {"button", "input", "select", "checkbox", "radio", "switch", "tabs"}
_WIDGET_ROLES = {
    "switch": ("switch",),
    "tabs": ("tablist", "tab", "tabpanel"),
    "radio": ("radiogroup",),
    "alert": ("alert", "status"),
}
_STATE_ARIA = {"checkbox": "aria-checked", "switch": "aria-checked", "tabs": "aria-selected"}


def _has_role(code: str, role: str) -> bool:
    """role="x", role={"x"}, or a role expression that can be "x"."""
    return re.search(rf'role=(\{{[^{{}}]*)?"{role}"', code) is not None


def accessibility_checks(model: ComponentModel, code: str) -> list[dict[str, Any]]:
    """What assistive technology needs, whether or not the requirements asked for it."""
    kind = model.component_type
    checks = []
    if kind in _INTERACTIVE or model.events:
        named = any(m in code for m in ("aria-label=", "aria-labelledby=", "<label", "htmlFor="))
        # A native button is named by its text content.
        named = named or _button_has_text(code)
        detail = "label or aria-label" if named else "no label, aria-label or aria-labelledby"
        checks.append(_check("a11y: accessible name", named, detail))
        operable = "onKeyDown=" in code or _NATIVE_KEYBOARD.search(code) is not None
        detail = "native control or key handler" if operable else "mouse only"
        checks.append(_check("a11y: keyboard operable", operable, detail))
    if kind in _WIDGET_ROLES:
        roles = _WIDGET_ROLES[kind]
        present = [r for r in roles if _has_role(code, r)]
        wanted = roles if kind == "tabs" else roles[:1]
        ok = all(r in present for r in wanted) if kind == "tabs" else bool(present)
        checks.append(
            _check("a11y: widget role", ok, f"roles present: {', '.join(present) or 'none'}")
        )
    if kind in _STATE_ARIA:
        attr = _STATE_ARIA[kind]
        # A native checkbox exposes its checked state itself.
        native = kind == "checkbox" and 'type="checkbox"' in code
        detail = "native checkbox" if native and f"{attr}=" not in code else attr
        checks.append(_check(f"a11y: state exposed ({attr})", f"{attr}=" in code or native, detail))
    return checks


def _button_has_text(code: str) -> bool:
    """A native <button> is named by its text: a non-empty string, an expression or text
    directly inside it (an aria-hidden icon span does not count)."""
    stack = [_tsx_parser().parse(code.encode()).root_node]
    while stack:
        node = stack.pop()
        opening = node.child_by_field_name("open_tag") if node.type == "jsx_element" else None
        tag = opening.child_by_field_name("name") if opening is not None else None
        if tag is not None and tag.text == b"button":
            for child in node.named_children:
                if child.type == "jsx_text" and child.text and child.text.strip():
                    return True
                if child.type == "jsx_expression" and child.named_children:
                    inner = child.named_children[0]
                    if inner.type == "identifier" or (
                        inner.type == "string" and inner.end_byte - inner.start_byte > 2
                    ):
                        return True
        stack.extend(node.children)
    return False


_COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}\b|rgba?\([^)]*\)|hsla?\([^)]*\)")
_SIZE = re.compile(r"(?<![\w.-])\d+(?:\.\d+)?(?:px|rem|em)\b")


def token_adherence(code: str, token_values: set[str]) -> dict[str, Any]:
    """Share of colours and sizes in the code that come from the tokens: var(--cf-...)
    references and literals equal to a token value, against all colour/size literals.
    The token declarations themselves are not counted."""
    body = re.sub(r"const tokenStyle = \{.*?\} as React\.CSSProperties;", "", code, flags=re.S)
    from_tokens = len(re.findall(r"var\(--cf-[a-z0-9-]+\)", body))
    literals = _COLOUR.findall(body) + _SIZE.findall(body)
    raw = [v for v in literals if v not in token_values]
    from_tokens += len(literals) - len(raw)
    total = from_tokens + len(raw)
    share = round(from_tokens / total, 3) if total else 1.0
    return {"share": share, "from_tokens": from_tokens, "raw": sorted(set(raw))[:20]}
