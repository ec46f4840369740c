"""What a TSX expression is worth as a string, for the code policy: string literals with
their escapes decoded, constant `+` concatenations, template literals, `const` names and
`[...].join()` folded; and the normal forms (case, whitespace, control characters, HTML
and CSS escapes removed) that browsers see past."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from urllib.parse import urlsplit

from tree_sitter import Node

from core.webhook_url import host_allowed

_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
_CONTROL_AND_SPACE = re.compile(r"[\x00-\x20\x7f-\x9f\u00a0\u1680\u2000-\u200f\u2028-\u202f\ufeff]")
_CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})\s?|\\(.)", re.S)
_WRAPPERS = {"parenthesized_expression", "as_expression", "satisfies_expression",
             "non_null_expression", "computed_property_name"}  # fmt: skip
_MAX_DEPTH = 40


def _escape(text: str) -> str:
    """One JavaScript escape sequence (`\\x41`, `\\u{1F600}`, `\\n`, a line continuation)."""
    body = text[1:]
    if body[:1] in _SIMPLE_ESCAPES and len(body) == 1:
        return _SIMPLE_ESCAPES[body]
    if body[:1] in ("x", "u"):
        digits = body[1:].strip("{}")
        try:
            return chr(int(digits, 16))
        except (ValueError, OverflowError):
            return body
    if body.startswith(("\n", "\r", "\u2028", "\u2029")):
        return ""
    return body


def _literal(node: Node) -> str:
    """A string or template literal's characters, ignoring substitutions."""
    parts = []
    for child in node.children:
        text = (child.text or b"").decode(errors="replace")
        if child.type == "escape_sequence":
            parts.append(_escape(text))
        elif child.type in ("string_fragment", "html_character_reference"):
            parts.append(text)
    return "".join(parts)


class Folder:
    """Folds expressions of one file. `resolve` gives the initialiser of the `const` an
    identifier refers to (scope by scope), so `const k = "coo"; doc[k + "kie"]` folds too."""

    def __init__(self, resolve: Callable[[Node], Node | None]) -> None:
        self._resolve = resolve

    def fold(self, node: Node | None, *, loose: bool = False, depth: int = 0) -> str | None:
        """The string `node` always evaluates to, or None. `loose` folds the unknown parts
        to "" instead, which keeps the constant skeleton of `"java" + x + "script:"`."""
        if node is None or depth > _MAX_DEPTH:
            return "" if loose else None
        kind, depth = node.type, depth + 1
        if kind == "string":
            return _literal(node)
        if kind == "template_string":
            parts = []
            for child in node.children:
                if child.type in ("string_fragment", "escape_sequence"):
                    parts.append(_literal_piece(child))
                elif child.type == "template_substitution":
                    inner = child.named_children[0] if child.named_children else None
                    value = self.fold(inner, loose=loose, depth=depth)
                    if value is None:
                        return None
                    parts.append(value)
            return "".join(parts)
        if kind == "number" and node.text is not None and node.text.isdigit():
            return node.text.decode()
        if kind in _WRAPPERS or kind == "sequence_expression":
            inner = node.named_children[-1] if node.named_children else None
            return self.fold(inner, loose=loose, depth=depth)
        if kind == "binary_expression" and _operator(node) == "+":
            left = self.fold(node.child_by_field_name("left"), loose=loose, depth=depth)
            right = self.fold(node.child_by_field_name("right"), loose=loose, depth=depth)
            return None if left is None or right is None else left + right
        if kind == "identifier":
            bound = self._resolve(node)
            if bound is not None:
                return self.fold(bound, loose=loose, depth=depth)
        if kind == "call_expression":
            folded = self._fold_call(node, loose=loose, depth=depth)
            if folded is not None:
                return folded
        return "" if loose else None

    def _fold_call(self, node: Node, *, loose: bool, depth: int) -> str | None:
        """`[..].join(sep)`, `s.concat(..)`, `s.toLowerCase()`, `s.toUpperCase()`."""
        callee, args = node.child_by_field_name("function"), node.child_by_field_name("arguments")
        if callee is None or callee.type != "member_expression" or args is None:
            return None
        method = (callee.child_by_field_name("property") or callee).text or b""
        target = callee.child_by_field_name("object")
        values = [self.fold(a, loose=loose, depth=depth) for a in args.named_children]
        if None in values:
            return None
        if method == b"join" and target is not None and target.type == "array":
            items = [self.fold(i, loose=loose, depth=depth) for i in target.named_children]
            if None in items:
                return None
            return (values[0] if values else ",").join(items)  # type: ignore[arg-type]
        base = self.fold(target, loose=loose, depth=depth)
        if base is None:
            return None
        if method == b"concat":
            return base + "".join(values)  # type: ignore[arg-type]
        if method in (b"toLowerCase", b"toUpperCase") and not values:
            return base.lower() if method == b"toLowerCase" else base.upper()
        return None


def _literal_piece(child: Node) -> str:
    text = (child.text or b"").decode(errors="replace")
    return _escape(text) if child.type == "escape_sequence" else text


def _operator(node: Node) -> str:
    operator = node.child_by_field_name("operator")
    return (operator.text or b"").decode() if operator is not None else ""


def squeezed(value: str) -> list[str]:
    """Forms of `value` as a browser may read it: lower case, without whitespace and
    control characters; as is and with HTML character references decoded."""
    forms = {value, html.unescape(value)}
    return [_CONTROL_AND_SPACE.sub("", form).lower() for form in forms]


def css_squeezed(value: str) -> list[str]:
    """`squeezed`, with CSS escapes (`u\\72l(`) decoded first."""

    def unescape(match: re.Match[str]) -> str:
        if match.group(1):
            try:
                return chr(int(match.group(1), 16))
            except (ValueError, OverflowError):
                return ""
        return match.group(2)

    return squeezed(_CSS_ESCAPE.sub(unescape, value)) + squeezed(value)


_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):")
_IMAGE_DATA = re.compile(r"^data:image/(?:png|gif|jpe?g|webp|avif)[;,]")


def url_refused(value: str, *, loading: bool, srcset: bool, hosts: frozenset[str]) -> str | None:
    """Why a URL attribute's constant value is refused, or None: relative URLs pass,
    `https:` only to an allowed host, `mailto:`/`tel:` only where nothing loads, and
    `data:image/…` only where an image loads. Every form a browser reads is checked."""
    candidates = [value]
    if srcset:
        candidates = [part.strip().split(" ")[0] for part in value.split(",")]
    for candidate in candidates:
        for form in squeezed(candidate.replace("\\", "/")):
            if (why := _one_url(form, loading=loading, hosts=hosts)) is not None:
                return why
    return None


def _one_url(form: str, *, loading: bool, hosts: frozenset[str]) -> str | None:
    if form.startswith("//"):
        return "points at another host (//…)"
    scheme = _SCHEME.match(form)
    if scheme is None:
        return None  # relative: a path, #fragment or ?query of the page's own origin
    name = scheme.group(1)
    if name in ("mailto", "tel") and not loading:
        return None
    if name == "data" and loading and _IMAGE_DATA.match(form):
        return None
    if name == "https":
        host = urlsplit(form).hostname or ""
        if host_allowed(host, list(hosts)):
            return None
        return f"points at {host or 'a host'}, which is not an allowed host"
    return f"uses the {name}: scheme"
