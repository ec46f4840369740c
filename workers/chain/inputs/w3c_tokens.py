"""Tokens in the W3C Design Tokens format ($value / $type), beside the flat shape, so
tools such as Style Dictionary can read tokens.json directly."""

from __future__ import annotations

import re
from typing import Any

from core.tokens import Tokens

_SHADOW = re.compile(
    r"^(?P<inset>inset\s+)?(?P<x>-?[\d.]+px)\s+(?P<y>-?[\d.]+px)\s+(?P<blur>-?[\d.]+px)"
    r"\s+(?P<spread>-?[\d.]+px)\s+(?P<color>.+)$"
)


def _dimension(value: str | int | float) -> str:
    return f"{value}px" if isinstance(value, int | float) else value


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


def to_w3c(tokens: Tokens) -> dict[str, Any]:
    typography: dict[str, Any] = {}
    for name, value in tokens.typography.items():
        if isinstance(value, dict):
            typography[name] = {"$type": "typography", "$value": dict(value)}
        else:
            typography[name] = {"$type": "typography", "$value": {"font": value}}
    groups = {
        "color": {n: {"$type": "color", "$value": v} for n, v in tokens.colors.items()},
        "typography": typography,
        "spacing": {
            n: {"$type": "dimension", "$value": _dimension(v)} for n, v in tokens.spacing.items()
        },
        "borderRadius": {
            n: {"$type": "dimension", "$value": _dimension(v)}
            for n, v in tokens.borderRadius.items()
        },
        "shadow": {n: {"$type": "shadow", "$value": _shadow(v)} for n, v in tokens.shadows.items()},
    }
    return {group: entries for group, entries in groups.items() if entries}
