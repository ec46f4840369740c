"""Emitting TSX safely: every string from input becomes a string literal made here.

Input text is never written as raw JSX text, an attribute with raw quotes, or a comment.
JSON encoding gives a valid JS string literal; the characters that could close a
surrounding <script>/<style> or a comment, or end a line in older engines, are escaped too.
"""

from __future__ import annotations

import re

from core.prop_types import ts_string
from core.requirements import camel, pascal

__all__ = ["camel", "identifier", "js_string", "kebab", "pascal", "union_of", "unique_name"]

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def js_string(value: str | int | float) -> str:
    """A double-quoted JS string literal of `value`; safe in code, JSX braces and CSS."""
    return ts_string(value)


def identifier(name: str) -> str:
    """Re-check a name (already validated by the job contract) before it becomes code."""
    if not _IDENT.fullmatch(name):
        raise ValueError(f"not an identifier: {name!r}")
    return name


def kebab(text: str) -> str:
    """Lower-case [a-z0-9-] for CSS custom property names and class names."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1-\2", text)
    return re.sub(r"[^a-z0-9]+", "-", spaced.lower()).strip("-") or "x"


def unique_name(name: str, taken: set[str]) -> str:
    """`name`, or `name2`, `name3`... the first not in `taken` (which it joins)."""
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name}{n}", n + 1
    taken.add(candidate)
    return candidate


def union_of(values: list[str]) -> str:
    return " | ".join(js_string(v) for v in values) or "string"
