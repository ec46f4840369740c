"""Design tokens from a Figma file (the JSON of GET /v1/files/:key), given inline.

Walks the document: SOLID fills -> colours, TEXT styles -> typography, cornerRadius ->
radii, auto-layout padding and itemSpacing -> spacing. Node names become token names.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from workers.errors import GenerationError
from workers.jobspec import Tokens

MAX_NODES = 20_000


def _token_name(raw: str, fallback: str) -> str:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", raw).strip("-.")[:64]
    return name if name and name[0].isalnum() else fallback


def _channel(value: float) -> int:
    return max(0, min(255, round(float(value) * 255)))


def _colour(fill: dict[str, Any]) -> str | None:
    colour = fill.get("color")
    if fill.get("type") != "SOLID" or not isinstance(colour, dict) or fill.get("visible") is False:
        return None
    r, g, b = (_channel(colour.get(k, 0)) for k in ("r", "g", "b"))
    alpha = float(colour.get("a", 1)) * float(fill.get("opacity", 1))
    if alpha < 1:
        return f"rgba({r}, {g}, {b}, {round(alpha, 3)})"
    return f"#{r:02x}{g:02x}{b:02x}"


def _nodes(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    stack, seen = [document], 0
    while stack and seen < MAX_NODES:
        node = stack.pop()
        seen += 1
        yield node
        children = node.get("children")
        if isinstance(children, list):
            stack.extend(reversed([c for c in children if isinstance(c, dict)]))


def _px(value: Any) -> str:
    number = float(value)
    return f"{int(number)}px" if number.is_integer() else f"{round(number, 2)}px"


def extract_tokens(figma_file: dict[str, Any]) -> Tokens:
    document = figma_file.get("document")
    if not isinstance(document, dict):
        raise GenerationError("source.figma_file has no document node; send GET /v1/files JSON")
    colors: dict[str, str] = {}
    typography: dict[str, dict[str, str | int | float]] = {}
    spacing: dict[str, str] = {}
    radii: dict[str, str] = {}
    for index, node in enumerate(_nodes(document)):
        name = _token_name(str(node.get("name", "")), f"node-{index}")
        for fill in node.get("fills") or []:
            if (
                isinstance(fill, dict)
                and (colour := _colour(fill))
                and colour not in colors.values()
            ):
                colors.setdefault(name, colour)
        style = node.get("style")
        if node.get("type") == "TEXT" and isinstance(style, dict) and "fontSize" in style:
            entry: dict[str, str | int | float] = {"fontSize": _px(style["fontSize"])}
            if isinstance(style.get("fontFamily"), str):
                entry["fontFamily"] = style["fontFamily"]
            if isinstance(style.get("fontWeight"), int | float):
                entry["fontWeight"] = int(style["fontWeight"])
            if isinstance(style.get("lineHeightPx"), int | float):
                entry["lineHeight"] = _px(style["lineHeightPx"])
            if entry not in typography.values():
                typography.setdefault(name, entry)
        if isinstance(node.get("cornerRadius"), int | float) and node["cornerRadius"] > 0:
            radius = _px(node["cornerRadius"])
            if radius not in radii.values():
                radii.setdefault(name, radius)
        if node.get("layoutMode") in ("HORIZONTAL", "VERTICAL"):
            for key in ("itemSpacing", "paddingLeft", "paddingTop"):
                if isinstance(node.get(key), int | float) and node[key] > 0:
                    value = _px(node[key])
                    if value not in spacing.values():
                        spacing.setdefault(f"{name}-{key}", value)
    if not (colors or typography or spacing or radii):
        raise GenerationError(
            "no tokens found in source.figma_file (no SOLID fills, TEXT styles, corner radii or "
            "auto-layout spacing); send tokens explicitly"
        )
    try:
        return Tokens.model_validate(
            {"colors": colors, "typography": typography, "spacing": spacing, "borderRadius": radii}
        )
    except ValueError as exc:
        raise GenerationError(
            f"tokens extracted from source.figma_file are invalid: {exc}"
        ) from exc
