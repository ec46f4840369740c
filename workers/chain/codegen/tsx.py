"""Emitting TSX safely: every string from input becomes a string literal made here.

Input text is never written as raw JSX text, an attribute with raw quotes, or a comment.
JSON encoding gives a valid JS string literal; the characters that could close a
surrounding <script>/<style> or a comment, or end a line in older engines, are escaped too.
"""

from __future__ import annotations

import json
import re

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_UNSAFE = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
    "`": "\\u0060",
    "$": "\\u0024",
}


def js_string(value: str | int | float) -> str:
    """A double-quoted JS string literal of `value`; safe in code, JSX braces and CSS."""
    encoded = json.dumps(str(value), ensure_ascii=True)
    for raw, escaped in _UNSAFE.items():
        encoded = encoded.replace(raw, escaped)
    # "*/" cannot survive: "*" and "/" are left alone, but a "/" after "*" is escaped.
    return encoded.replace("*/", "*\\/")


def identifier(name: str) -> str:
    """Re-check a name (already validated by the job contract) before it becomes code."""
    if not _IDENT.fullmatch(name):
        raise ValueError(f"not an identifier: {name!r}")
    return name


def pascal(text: str) -> str:
    """A PascalCase identifier from free text ("focus-visible" -> "FocusVisible")."""
    words = re.findall(r"[A-Za-z0-9]+", text)
    joined = "".join(w[:1].upper() + w[1:] for w in words)
    if not joined or not joined[0].isalpha():
        joined = "X" + joined
    return joined


def camel(text: str) -> str:
    joined = pascal(text)
    return joined[:1].lower() + joined[1:]


def kebab(text: str) -> str:
    """Lower-case [a-z0-9-] for CSS custom property names and class names."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1-\2", text)
    return re.sub(r"[^a-z0-9]+", "-", spaced.lower()).strip("-") or "x"


def union_of(values: list[str]) -> str:
    return " | ".join(js_string(v) for v in values) or "string"
