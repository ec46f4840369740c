"""A Figma file (the JSON of GET /v1/files/:key) checked before anything reads it.

The API checks an inline source.figma_file with it (a bad file is a 422), and the worker
checks a file fetched by figma_file_key the same way, so the token extractor only ever
sees: a bounded tree of node objects, finite numbers, colour channels and opacities in
0..1, sizes in sane ranges, and the types it reads (children a list, fills a list of
objects, ...). Errors name the node by id and name and the path inside it.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, NoReturn

from core.css_tokens import shown

MAX_NODES = 50_000
MAX_NODE_DEPTH = 200  # nesting of children
MAX_VALUE_DEPTH = 32  # nesting inside one node's own fields, or outside the document
MAX_VALUES = 2_000_000  # every JSON value in the file
MAX_COORDINATE = 1_000_000  # any number at all (canvas positions can be large)
MAX_SIZE = 10_000  # radii, spacing, font sizes, shadow offsets: px

_SIZE = (0, MAX_SIZE)
_SIGNED_SIZE = (-MAX_SIZE, MAX_SIZE)
_UNIT = (0, 1)  # colour channels and opacities
# Node field -> allowed range, for the numbers the token extractor reads.
NODE_RANGES = {
    "cornerRadius": _SIZE,
    "itemSpacing": _SIGNED_SIZE,
    "counterAxisSpacing": _SIGNED_SIZE,
    "paddingLeft": _SIZE,
    "paddingRight": _SIZE,
    "paddingTop": _SIZE,
    "paddingBottom": _SIZE,
    "strokeWeight": _SIZE,
    "opacity": _UNIT,
}
TEXT_STYLE_RANGES = {
    "fontSize": _SIZE,
    "fontWeight": (1, 1000),
    "lineHeightPx": _SIZE,
    "letterSpacing": _SIGNED_SIZE,
}
EFFECT_RANGES = {"radius": _SIZE, "spread": _SIGNED_SIZE}
OFFSET_RANGES = {"x": _SIGNED_SIZE, "y": _SIGNED_SIZE}
COLOUR_KEYS = ("color", "backgroundColor")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class FigmaFileError(ValueError):
    """What is wrong with a Figma file, and where."""


def check_figma_file(figma_file: Any, *, fetched: bool = False) -> None:
    """FigmaFileError unless the file is safe for the token extractor to read.

    `fetched`: a file Figma served for a figma_file_key, which may be far larger than an
    inline one: only what the extractor reads (the styles and the first MAX_NODES nodes)
    is checked, with no count limits."""
    if not isinstance(figma_file, dict):
        raise FigmaFileError("must be a JSON object (the answer of GET /v1/files/:key)")
    document = figma_file.get("document")
    if not isinstance(document, dict):
        raise FigmaFileError(
            'has no "document" object; send the JSON of GET /v1/files/:key as it is'
        )
    budget = _Budget(None if fetched else MAX_VALUES)
    for key, value in figma_file.items():
        if key != "document" and (key == "styles" or not fetched):
            _scan(value, _join("", str(key)), "", budget)
    styles = figma_file.get("styles")
    if styles is not None:
        _expect(styles, dict, "", "styles")
        for style_id, style in styles.items():
            where = _join("styles", style_id)
            _expect(style, dict, "", where)
            _optional(style, "name", str, "", where)
    _walk(document, budget, refuse_more=not fetched)


class _Budget:
    """Counts values so a file of millions of tiny values is refused, not walked."""

    def __init__(self, limit: int | None) -> None:
        self.values = 0
        self.limit = limit

    def spend(self, label: str) -> None:
        self.values += 1
        if self.limit is not None and self.values > self.limit:
            raise FigmaFileError(
                f"{label or 'the file'}: more than {self.limit} values in the file; "
                "send a smaller file or name it by figma_file_key"
            )


def _walk(document: dict[str, Any], budget: _Budget, *, refuse_more: bool) -> None:
    """Nodes depth first in document order, as the extractor reads them; past MAX_NODES
    the file is refused, or (`refuse_more` false) the rest is left unread, as it will be."""
    stack: list[tuple[Any, str, int]] = [(document, "document", 0)]
    count = 0
    while stack:
        node, where, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            if not refuse_more:
                return
            raise FigmaFileError(
                f"has more than {MAX_NODES} nodes; send a smaller file or name it by figma_file_key"
            )
        if depth > MAX_NODE_DEPTH:
            raise FigmaFileError(
                f"{_short(where)}: nodes are nested more than {MAX_NODE_DEPTH} deep"
            )
        if not isinstance(node, dict):
            raise FigmaFileError(f"{where} is {_kind(node)}, not a node object")
        label = _label(node, where)
        children = node.get("children")
        if children is not None:
            _expect(children, list, label, "children")
        _scan({k: v for k, v in node.items() if k != "children"}, "", label, budget)
        _check_node(node, label)
        for index in range(len(children or []) - 1, -1, -1):
            stack.append((children[index], f"{where}.children[{index}]", depth + 1))


def _check_node(node: dict[str, Any], label: str) -> None:
    """The fields the token extractor reads have the types and ranges it expects."""
    for key in ("id", "name", "type", "layoutMode"):
        _optional(node, key, str, label, "")
    _optional(node, "visible", bool, label, "")
    _ranges(node, NODE_RANGES, label, "")
    if (styles := node.get("styles")) is not None:
        _expect(styles, dict, label, "styles")
        for kind in styles:
            _optional(styles, kind, str, label, "styles")
    for key in ("fills", "strokes", "effects"):
        for index, paint in enumerate(_list_of_objects(node, key, label)):
            where = f"{key}[{index}]"
            _optional(paint, "type", str, label, where)
            _optional(paint, "visible", bool, label, where)
            if key == "effects":
                _ranges(paint, EFFECT_RANGES, label, where)
                if (offset := paint.get("offset")) is not None:
                    _expect(offset, dict, label, f"{where}.offset")
                    _ranges(offset, OFFSET_RANGES, label, f"{where}.offset")
    if (style := node.get("style")) is not None:
        _expect(style, dict, label, "style")
        _optional(style, "fontFamily", str, label, "style")
        _ranges(style, TEXT_STYLE_RANGES, label, "style")


def _scan(value: Any, where: str, label: str, budget: _Budget) -> None:
    """Every value: JSON types only, finite numbers within +-MAX_COORDINATE, text that is
    valid Unicode, bounded nesting; colours and opacities in 0..1 wherever they appear."""
    stack: list[tuple[Any, str, int]] = [(value, where, 0)]
    while stack:
        item, path, depth = stack.pop()
        budget.spend(label)
        if isinstance(item, dict):
            if depth >= MAX_VALUE_DEPTH:
                _fail(label, path, f"is nested more than {MAX_VALUE_DEPTH} deep")
            for key, inner in item.items():
                if not isinstance(key, str):
                    _fail(label, path, f"has a key that is {_kind(key)}, not text")
                _check_text(key, label, path)
                inner_path = _join(path, key)
                if key in COLOUR_KEYS and isinstance(inner, dict):
                    _ranges(inner, {c: _UNIT for c in "rgba"}, label, inner_path)
                if key == "opacity":
                    _number(inner, _UNIT, label, inner_path)
                stack.append((inner, inner_path, depth + 1))
        elif isinstance(item, list):
            if depth >= MAX_VALUE_DEPTH:
                _fail(label, path, f"is nested more than {MAX_VALUE_DEPTH} deep")
            stack.extend((inner, f"{path}[{i}]", depth + 1) for i, inner in enumerate(item))
        elif isinstance(item, str):
            _check_text(item, label, path)
        elif isinstance(item, int | float) and not isinstance(item, bool):
            _number(item, (-MAX_COORDINATE, MAX_COORDINATE), label, path)
        elif item is not None and not isinstance(item, bool):
            _fail(label, path, f"is {_kind(item)}, not a JSON value")


def _number(value: Any, bounds: tuple[int, int], label: str, where: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        _fail(label, where, f"is {_kind(value)}, not a number")
    if isinstance(value, float) and not math.isfinite(value):
        _fail(label, where, f"= {value!r} is not a finite number")
    low, high = bounds
    if not low <= value <= high:
        _fail(label, where, f"= {shown(value)} is outside {low:,}..{high:,}")


def _ranges(
    container: dict[str, Any], ranges: dict[str, tuple[int, int]], label: str, where: str
) -> None:
    for key, bounds in ranges.items():
        if container.get(key) is not None:
            _number(container[key], bounds, label, _join(where, key))


def _list_of_objects(node: dict[str, Any], key: str, label: str) -> list[dict[str, Any]]:
    items = node.get(key)
    if items is None:
        return []
    _expect(items, list, label, key)
    for index, item in enumerate(items):
        _expect(item, dict, label, f"{key}[{index}]")
    return items  # type: ignore[no-any-return]


def _optional(container: dict[str, Any], key: str, kind: type, label: str, where: str) -> None:
    if container.get(key) is not None:
        _expect(container[key], kind, label, _join(where, key))


def _expect(value: Any, kind: type, label: str, where: str) -> None:
    if not isinstance(value, kind):
        wanted = {dict: "an object", list: "a list", str: "text", bool: "true or false"}
        _fail(label, where, f"is {_kind(value)}, not {wanted.get(kind, kind.__name__)}")


def _check_text(text: str, label: str, where: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        _fail(label, where, "holds a lone surrogate (not valid Unicode text); send UTF-8 text")


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "text", bool: "true/false", int: "a number",
             float: "a number", type(None): "null"}  # fmt: skip
    return names.get(type(value), f"a {type(value).__name__}")


def _label(node: dict[str, Any], where: str) -> str:
    node_id, name = node.get("id"), node.get("name")
    if not isinstance(node_id, str):
        return f"node at {_short(where)}"
    return f"node {_safe(node_id)}" + (f" ({_safe(name)})" if isinstance(name, str) else "")


def _safe(text: str) -> str:
    """A quoted, ASCII-only form of file text for an error message."""
    return json.dumps(text if len(text) <= 40 else text[:37] + "...")


def _join(path: str, key: str) -> str:
    part = f".{key}" if _IDENTIFIER.fullmatch(key) else f"[{_safe(key)}]"
    return (path + part).lstrip(".")


def _short(path: str) -> str:
    """A path short enough to read in an error message."""
    return path if len(path) <= 120 else f"{path[:40]}...{path[-70:]}"


def _fail(label: str, where: str, problem: str) -> NoReturn:
    at = " ".join(part for part in (label, _short(where)) if part)
    raise FigmaFileError(f"{at} {problem}" if at else problem)
