"""Tokens in the W3C Design Tokens format ($value / $type), beside the flat shape, so
tools such as Style Dictionary can read tokens.json directly."""

from __future__ import annotations

import re
from typing import Any

from core.css_values import border_grammar, number_text, typography_property
from core.tokens import Tokens

_SHADOW = re.compile(
    r"^(?P<inset>inset\s+)?(?P<x>-?[\d.]+px)\s+(?P<y>-?[\d.]+px)\s+(?P<blur>-?[\d.]+px)"
    r"\s+(?P<spread>-?[\d.]+px)\s+(?P<color>.+)$"
)


def _dimension(value: str | int | float) -> str:
    return f"{number_text(value)}px" if isinstance(value, int | float) else value


def _shadow(value: str | int | float) -> Any:
    """A CSS box-shadow as W3C shadow objects; the CSS text itself when it will not parse."""
    layers = []
    for part in re.split(r",\s*(?![^()]*\))", str(value)):
        match = _SHADOW.match(part.strip())
        if match is None:
            return str(value)
        layer = {k: match.group(k) for k in ("color", "spread")}
        layer |= {"offsetX": match.group("x"), "offsetY": match.group("y"),
                  "blur": match.group("blur")}  # fmt: skip
        if match.group("inset"):
            layer["inset"] = True
        layers.append(layer)
    return layers[0] if len(layers) == 1 else layers


# A flat typography token's grammar (core.css_values) -> its W3C $type.
_TYPOGRAPHY_TYPES = {
    "font-family": "fontFamily",
    "font-weight": "fontWeight",
    "font-size": "dimension",
    "letter-spacing": "dimension",
    "line-height": "number",
}


def _typography(name: str, value: str | int | float) -> dict[str, Any]:
    grammar = typography_property(name, value)
    if grammar not in _TYPOGRAPHY_TYPES:
        return {"$type": "typography", "$value": {"font": value}}
    if _TYPOGRAPHY_TYPES[grammar] == "dimension":
        value = _dimension(value)
    return {"$type": _TYPOGRAPHY_TYPES[grammar], "$value": value}


def _border(name: str, value: str | int | float) -> dict[str, Any]:
    kind = "border" if border_grammar(name) == "border" else "dimension"
    return {"$type": kind, "$value": _dimension(value)}


def to_w3c(tokens: Tokens) -> dict[str, Any]:
    typography: dict[str, Any] = {}
    for name, value in tokens.typography.items():
        if isinstance(value, dict):
            typography[name] = {"$type": "typography", "$value": dict(value)}
        else:
            typography[name] = _typography(name, value)
    colours: dict[str, Any] = {}
    for name, colour in tokens.colors.items():
        if isinstance(colour, dict):  # a W3C group: colors.info.background
            colours[name] = {s: {"$type": "color", "$value": v} for s, v in colour.items()}
        else:
            colours[name] = {"$type": "color", "$value": colour}
    groups = {
        "color": colours,
        "typography": typography,
        "spacing": {
            n: {"$type": "dimension", "$value": _dimension(v)} for n, v in tokens.spacing.items()
        },
        "borderRadius": {
            n: {"$type": "dimension", "$value": _dimension(v)}
            for n, v in tokens.borderRadius.items()
        },
        "shadow": {n: {"$type": "shadow", "$value": _shadow(v)} for n, v in tokens.shadows.items()},
        "border": {n: _border(n, v) for n, v in tokens.borders.items()},
        "size": {
            n: {"$type": "dimension", "$value": _dimension(v)} for n, v in tokens.sizes.items()
        },
    }
    return {group: entries for group, entries in groups.items() if entries}
