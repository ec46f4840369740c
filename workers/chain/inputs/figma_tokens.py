"""Design tokens from a Figma file (the JSON of GET /v1/files/:key).

Walks the document: SOLID fills and strokes -> colours (hex; rgba when alpha < 1), TEXT
styles -> typography, drop and inner shadows -> shadows, cornerRadius -> radii,
auto-layout padding and itemSpacing -> spacing. Named styles give token names
("Brand/Primary" -> brand-primary); without styles, node names do. Radii and spacing
have no styles in Figma, so they are named on a size scale (xs, sm, md, ...).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from core.css_values import accepts
from core.errors import GenerationError
from core.figma_file_check import MAX_NODES, FigmaFileError, check_figma_file
from core.tokens import Tokens

SCALE = ("xs", "sm", "md", "lg", "xl", "2xl", "3xl", "4xl")
PILL_RADIUS = 999


def token_name(raw: str, fallback: str) -> str:
    name = re.sub(r"[^a-z0-9]+", "-", raw.lower()).strip("-")[:64]
    return name if name and name[0].isalnum() else fallback


def _channel(value: float) -> int:
    return max(0, min(255, round(float(value) * 255)))


def _rgba(colour: dict[str, Any], opacity: float = 1.0) -> str:
    r, g, b = (_channel(colour.get(k, 0)) for k in ("r", "g", "b"))
    alpha = round(float(colour.get("a", 1)) * opacity, 3)
    return f"rgba({r}, {g}, {b}, {alpha})" if alpha < 1 else f"#{r:02x}{g:02x}{b:02x}"


def _solid(paint: dict[str, Any]) -> str | None:
    if paint.get("type") != "SOLID" or paint.get("visible") is False:
        return None
    if not isinstance(paint.get("color"), dict):
        return None
    return _rgba(paint["color"], float(paint.get("opacity", 1)))


def _px(value: Any) -> str:
    number = float(value)
    return f"{int(number)}px" if number.is_integer() else f"{round(number, 2)}px"


def _font_family(name: str) -> str | None:
    """A Figma family name as CSS: bare when it is plain words ("Inter"), else quoted
    ("'Font Awesome 6 Free'"); None for a name CSS could not carry safely."""
    for family in (name, f"'{name}'"):
        if accepts(family, "font-family") and "," not in family:
            return family
    return None


def _shadow(effects: list[Any]) -> str | None:
    parts = []
    for effect in effects:
        if not isinstance(effect, dict) or effect.get("visible") is False:
            continue
        if effect.get("type") not in ("DROP_SHADOW", "INNER_SHADOW"):
            continue
        offset = effect.get("offset") or {}
        inset = "inset " if effect["type"] == "INNER_SHADOW" else ""
        parts.append(
            f"{inset}{_px(offset.get('x', 0))} {_px(offset.get('y', 0))} "
            f"{_px(effect.get('radius', 0))} {_px(effect.get('spread', 0))} "
            f"{_rgba(effect.get('color') or {})}"
        )
    return ", ".join(parts) or None


def _nodes(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Visible nodes, depth first, in document order."""
    stack, seen = [document], 0
    while stack and seen < MAX_NODES:
        node = stack.pop()
        seen += 1
        if node.get("visible") is False:
            continue
        yield node
        children = node.get("children")
        if isinstance(children, list):
            stack.extend(reversed([c for c in children if isinstance(c, dict)]))


def _scale(values: set[float], prefix: str) -> dict[str, str]:
    ordered = sorted(v for v in values if v < PILL_RADIUS)
    names = SCALE if len(ordered) <= len(SCALE) else [f"{prefix}-{int(v)}" for v in ordered]
    scale = {name: _px(v) for name, v in zip(names, ordered, strict=False)}
    if any(v >= PILL_RADIUS for v in values):
        scale["pill"] = "9999px"
    return scale


class _Collector:
    def __init__(self, style_names: dict[str, str]) -> None:
        self.style_names = style_names
        self.colors: dict[str, str] = {}
        self.typography: dict[str, dict[str, str | int | float]] = {}
        self.shadows: dict[str, str] = {}
        self.radii: set[float] = set()
        self.spacing: set[float] = set()

    def _name(self, node: dict[str, Any], kind: str, index: int) -> tuple[str, bool]:
        style_id = (node.get("styles") or {}).get(kind)
        if style_id in self.style_names:
            return token_name(self.style_names[style_id], f"{kind}-{index}"), True
        return token_name(str(node.get("name", "")), f"node-{index}"), False

    def visit(self, node: dict[str, Any], index: int) -> None:
        for kind, paints in (("fill", node.get("fills")), ("stroke", node.get("strokes"))):
            for paint in paints or []:
                if isinstance(paint, dict) and (colour := _solid(paint)) is not None:
                    name, styled = self._name(node, kind, index)
                    if styled or colour not in self.colors.values():
                        self.colors.setdefault(name, colour)
        style = node.get("style")
        if node.get("type") == "TEXT" and isinstance(style, dict) and "fontSize" in style:
            entry: dict[str, str | int | float] = {"fontSize": _px(style["fontSize"])}
            if isinstance(style.get("fontFamily"), str) and (
                family := _font_family(style["fontFamily"])
            ):
                entry["fontFamily"] = family
            if isinstance(style.get("fontWeight"), int | float):
                entry["fontWeight"] = int(style["fontWeight"])
            if isinstance(style.get("lineHeightPx"), int | float):
                entry["lineHeight"] = _px(style["lineHeightPx"])
            if style.get("letterSpacing"):
                entry["letterSpacing"] = _px(style["letterSpacing"])
            name, styled = self._name(node, "text", index)
            if styled or entry not in self.typography.values():
                self.typography.setdefault(name, entry)
        if (shadow := _shadow(node.get("effects") or [])) is not None:
            name, styled = self._name(node, "effect", index)
            if styled or shadow not in self.shadows.values():
                self.shadows.setdefault(name, shadow)
        if isinstance(node.get("cornerRadius"), int | float) and node["cornerRadius"] > 0:
            self.radii.add(float(node["cornerRadius"]))
        if node.get("layoutMode") in ("HORIZONTAL", "VERTICAL"):
            for key in ("itemSpacing", "paddingLeft", "paddingTop"):
                if isinstance(node.get(key), int | float) and node[key] > 0:
                    self.spacing.add(float(node[key]))


def extract_tokens(figma_file: dict[str, Any], styles_meta: list[Any] | None = None) -> Tokens:
    """Tokens of a Figma file; `styles_meta` (GET /v1/files/:key/styles) adds style names
    the file itself does not carry, and is given exactly for a file fetched by key. The file
    is checked first (core.figma_file_check): the API checked an inline one already; a
    fetched one, checked only here, may be larger (only what is read is checked)."""
    try:
        check_figma_file(figma_file, fetched=styles_meta is not None)
    except FigmaFileError as exc:
        raise GenerationError(f"the Figma file cannot be read: {exc}") from None
    document = figma_file["document"]
    style_names = {
        str(item.get("node_id")): str(item.get("name"))
        for item in (styles_meta if isinstance(styles_meta, list) else [])
        if isinstance(item, dict) and item.get("name")
    }
    for style_id, style in (figma_file.get("styles") or {}).items():
        if isinstance(style, dict) and style.get("name"):
            style_names[str(style_id)] = str(style["name"])
    collector = _Collector(style_names)
    for index, node in enumerate(_nodes(document)):
        collector.visit(node, index)
    tokens = {
        "colors": collector.colors,
        "typography": collector.typography,
        "spacing": _scale(collector.spacing, "space"),
        "borderRadius": _scale(collector.radii, "radius"),
        "shadows": collector.shadows,
    }
    if not any(tokens.values()):
        raise GenerationError(
            "no tokens found in the Figma file (no SOLID fills, TEXT styles, shadows, corner "
            "radii or auto-layout spacing); send tokens explicitly"
        )
    try:
        return Tokens.model_validate(tokens)
    except ValueError as exc:
        raise GenerationError(f"tokens extracted from the Figma file are invalid: {exc}") from exc
