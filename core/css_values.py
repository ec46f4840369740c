"""CSS values checked against a small grammar per kind of design token.

A token value ends up in generated TSX and CSS, so it must be exactly one of the shapes
designers write (a colour, 1-4 lengths, a shadow list, a font family list, a weight, a
`font` shorthand, ...), never an arbitrary string. core.css_tokens tokenises it first and
refuses anything else; numbers are finite and within +-MAX_NUMBER.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from core.css_tokens import MAX_NUMBER, MAX_VALUE_CHARS, Func, Item, Tok, shown, tokenise

LENGTH_UNITS = frozenset({"px", "rem", "em", "%", "vh", "vw", "vmin", "vmax", "ch", "ex", "pt"})
NAMED_COLOURS = frozenset(
    """aliceblue antiquewhite aqua aquamarine azure beige bisque black blanchedalmond blue
    blueviolet brown burlywood cadetblue chartreuse chocolate coral cornflowerblue cornsilk
    crimson cyan darkblue darkcyan darkgoldenrod darkgray darkgreen darkgrey darkkhaki
    darkmagenta darkolivegreen darkorange darkorchid darkred darksalmon darkseagreen
    darkslateblue darkslategray darkslategrey darkturquoise darkviolet deeppink deepskyblue
    dimgray dimgrey dodgerblue firebrick floralwhite forestgreen fuchsia gainsboro ghostwhite
    gold goldenrod gray green greenyellow grey honeydew hotpink indianred indigo ivory khaki
    lavender lavenderblush lawngreen lemonchiffon lightblue lightcoral lightcyan
    lightgoldenrodyellow lightgray lightgreen lightgrey lightpink lightsalmon lightseagreen
    lightskyblue lightslategray lightslategrey lightsteelblue lightyellow lime limegreen linen
    magenta maroon mediumaquamarine mediumblue mediumorchid mediumpurple mediumseagreen
    mediumslateblue mediumspringgreen mediumturquoise mediumvioletred midnightblue mintcream
    mistyrose moccasin navajowhite navy oldlace olive olivedrab orange orangered orchid
    palegoldenrod palegreen paleturquoise palevioletred papayawhip peachpuff peru pink plum
    powderblue purple rebeccapurple red rosybrown royalblue saddlebrown salmon sandybrown
    seagreen seashell sienna silver skyblue slateblue slategray slategrey snow springgreen
    steelblue tan teal thistle tomato turquoise violet wheat white whitesmoke yellow
    yellowgreen transparent currentcolor""".split()  # noqa: SIM905 (a word list reads better)
)
FONT_WEIGHT_WORDS = frozenset({"normal", "bold", "bolder", "lighter"})
FONT_SIZE_WORDS = frozenset(
    {"xx-small", "x-small", "small", "medium", "large", "x-large", "xx-large", "smaller", "larger"}
)
# Words that may come before the size in a `font` shorthand (style, variant, weight, stretch).
FONT_PREFIX_WORDS = FONT_WEIGHT_WORDS | {
    "italic", "oblique", "small-caps", "condensed", "semi-condensed", "expanded",
    "semi-expanded", "ultra-condensed", "extra-condensed", "ultra-expanded", "extra-expanded",
}  # fmt: skip
SYSTEM_FONTS = frozenset({"caption", "icon", "menu", "message-box", "small-caption", "status-bar"})
BORDER_STYLES = frozenset(
    {"none", "hidden", "solid", "dashed", "dotted", "double", "groove", "ridge", "inset", "outset"}
)


def check_number(value: object) -> None:
    """A token value given as a JSON number: finite, not a boolean, within +-MAX_NUMBER."""
    if isinstance(value, bool):
        raise ValueError("must be a CSS value (string or number), not a boolean")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{shown(value)} is not a finite number; give a number or a CSS string")
    if isinstance(value, int | float) and abs(value) > MAX_NUMBER:
        raise ValueError(f"{shown(value)} is out of range; numbers must be within ±{MAX_NUMBER}")


def _word(item: Item, words: frozenset[str]) -> bool:
    return isinstance(item, Tok) and item.kind == "ident" and item.text.lower() in words


def _is(item: Item, text: str) -> bool:
    return isinstance(item, Tok) and item.kind == "punct" and item.text == text


def _number(item: Item, low: float, high: float, units: frozenset[str] = frozenset({""})) -> bool:
    return (
        isinstance(item, Tok)
        and item.kind == "number"
        and item.unit in units
        and low <= item.number <= high
    )


def is_length(item: Item) -> bool:
    """0, or a number with a length unit."""
    return _number(item, -MAX_NUMBER, MAX_NUMBER, LENGTH_UNITS) or _number(item, 0, 0)


def _alpha(item: Item) -> bool:
    return _number(item, 0, 1) or _number(item, 0, 100, frozenset({"%"}))


def _colour_args(function: Func) -> bool:
    args = list(function.args)
    alpha: Item | None = None
    if len(args) in (5, 7) and all(_is(a, ",") for a in args[1::2]):  # comma syntax
        args, alpha = args[0::2][:3], (args[6] if len(args) == 7 else None)
    elif len(args) == 5 and _is(args[3], "/"):  # space syntax with "/ alpha"
        args, alpha = args[:3], args[4]
    if len(args) != 3 or (alpha is not None and not _alpha(alpha)):
        return False
    if function.name.startswith("rgb"):
        return all(_number(a, 0, 255) or _number(a, 0, 100, frozenset({"%"})) for a in args)
    hue, *rest = args
    return _number(hue, -360, 360, frozenset({"", "deg"})) and all(
        _number(a, 0, 100, frozenset({"%", ""})) for a in rest
    )


def is_colour(item: Item) -> bool:
    if isinstance(item, Func):
        return _colour_args(item)
    if item.kind == "hash":
        digits = item.text[1:]
        return len(digits) in (3, 4, 6, 8) and all(c in "0123456789abcdefABCDEF" for c in digits)
    return _word(item, NAMED_COLOURS)


def _split_commas(items: list[Item]) -> list[list[Item]]:
    parts: list[list[Item]] = [[]]
    for item in items:
        if _is(item, ","):
            parts.append([])
        else:
            parts[-1].append(item)
    return parts


def _shadow_layer(layer: list[Item]) -> bool:
    if layer and _word(layer[0], frozenset({"inset"})):
        layer = layer[1:]
    elif layer and _word(layer[-1], frozenset({"inset"})):
        layer = layer[:-1]
    if layer and is_colour(layer[0]):
        layer = layer[1:]
    elif layer and is_colour(layer[-1]):
        layer = layer[:-1]
    return 2 <= len(layer) <= 4 and all(is_length(item) for item in layer)


def _family_list(items: list[Item]) -> bool:
    def one(family: list[Item]) -> bool:
        if len(family) == 1 and isinstance(family[0], Tok) and family[0].kind == "string":
            return True
        return bool(family) and all(isinstance(i, Tok) and i.kind == "ident" for i in family)

    return all(one(family) for family in _split_commas(items))


def _font_weight(items: list[Item]) -> bool:
    return len(items) == 1 and (_number(items[0], 1, 1000) or _word(items[0], FONT_WEIGHT_WORDS))


def _font_size(items: list[Item]) -> bool:
    return len(items) == 1 and (is_length(items[0]) or _word(items[0], FONT_SIZE_WORDS))


def _line_height(items: list[Item]) -> bool:
    return len(items) == 1 and (
        is_length(items[0]) or _number(items[0], 0, 100) or _word(items[0], frozenset({"normal"}))
    )


def _letter_spacing(items: list[Item]) -> bool:
    return len(items) == 1 and (is_length(items[0]) or _word(items[0], frozenset({"normal"})))


def _font_shorthand(items: list[Item]) -> bool:
    """[style variant weight stretch] size[/line-height] family, or a system font."""
    if len(items) == 1 and _word(items[0], SYSTEM_FONTS):
        return True
    index = 0
    while index < min(len(items), 4) and (
        _word(items[index], FONT_PREFIX_WORDS) or _number(items[index], 1, 1000)
    ):
        index += 1
    if index >= len(items) or not (
        (is_length(items[index]) and not _number(items[index], 0, 0))
        or _word(items[index], FONT_SIZE_WORDS)
    ):
        return False
    index += 1
    if index < len(items) and _is(items[index], "/"):
        if index + 1 >= len(items) or not _line_height([items[index + 1]]):
            return False
        index += 2
    return index < len(items) and _family_list(items[index:])


def _border(items: list[Item]) -> bool:
    """A `border` shorthand: at most one width, one style and one colour, in any order."""
    kinds = [
        "width" if is_length(i) else "style" if _word(i, BORDER_STYLES) else "colour"
        if is_colour(i) else "?"
        for i in items
    ]  # fmt: skip
    return bool(kinds) and "?" not in kinds and len(set(kinds)) == len(kinds)


@dataclass(frozen=True)
class Grammar:
    description: str
    accepts: Callable[[list[Item]], bool]
    px_numbers: bool = False  # a JSON number means pixels


GRAMMARS: dict[str, Grammar] = {
    "colour": Grammar(
        "a colour (use #rrggbb, rgb(...), hsl(...) or a colour name)",
        lambda items: len(items) == 1 and is_colour(items[0]),
    ),
    "length": Grammar(
        "a length (use 0 or a number with px, rem, em, %, vh, vw, vmin, vmax, ch, ex or pt)",
        lambda items: len(items) == 1 and is_length(items[0]),
        px_numbers=True,
    ),
    "lengths": Grammar(
        "1 to 4 lengths (e.g. 8px or 8px 16px; units px, rem, em, %, vh, vw, vmin, vmax, "
        "ch, ex, pt)",
        lambda items: 1 <= len(items) <= 4 and all(is_length(i) for i in items),
        px_numbers=True,
    ),
    "shadow": Grammar(
        "a shadow (use none, or [inset] x y [blur [spread]] [colour], comma-separated)",
        lambda items: (
            (len(items) == 1 and _word(items[0], frozenset({"none"})))
            or all(_shadow_layer(layer) for layer in _split_commas(items))
        ),
    ),
    "border": Grammar(
        "a border (a width, a style such as solid, and/or a colour)", _border, px_numbers=True
    ),
    "font-family": Grammar(
        "a font family list (names or quoted names, comma-separated, e.g. Inter, "
        "'Helvetica Neue', sans-serif)",
        _family_list,
    ),
    "font-weight": Grammar(
        "a font weight (1..1000, normal, bold, bolder or lighter)", _font_weight
    ),
    "font-size": Grammar("a font size (a length such as 14px or 1rem)", _font_size, True),
    "line-height": Grammar("a line height (normal, a number, a length or a %)", _line_height),
    "letter-spacing": Grammar(
        "a letter spacing (normal or a length)", _letter_spacing, px_numbers=True
    ),
    "font": Grammar("a font shorthand (e.g. 600 14px/1.5 Inter, sans-serif)", _font_shorthand),
}
_TYPOGRAPHY = ("font", "font-family", "font-weight", "font-size", "line-height", "letter-spacing")
GRAMMARS["typography"] = Grammar(
    "a typography value (a font shorthand, family, size, weight, line height or letter spacing)",
    lambda items: any(GRAMMARS[name].accepts(items) for name in _TYPOGRAPHY),
)


@functools.lru_cache(maxsize=1024)  # token names repeat job after job
def typography_grammar(name: str) -> str:
    """The grammar a typography token or property follows, read from its name
    (titleSize -> font-size, bodyWeight -> font-weight); "typography" when the name says
    nothing."""
    key = re.sub(r"[^a-z]", "", name.lower())
    for words, grammar in (
        (("family",), "font-family"),
        (("weight",), "font-weight"),
        (("lineheight", "leading"), "line-height"),
        (("letterspacing", "tracking"), "letter-spacing"),
        (("size",), "font-size"),
    ):
        if any(word in key for word in words):
            return grammar
    return "font" if key in ("font", "shorthand") else "typography"


@functools.lru_cache(maxsize=1024)
def border_grammar(name: str) -> str:
    """borders.radius -> lengths, borders.width -> length, anything else a border."""
    key = name.lower()
    return "lengths" if "radius" in key else "length" if "width" in key else "border"


def number_text(value: int | float) -> str:
    """A JSON number as CSS writes it (no exponent)."""
    text = f"{value:f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)
    return text or "0"


def check(value: object, grammar: str) -> None:
    """ValueError saying what `value` is not, unless it follows `grammar`."""
    rule = GRAMMARS[grammar]
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"must be a CSS value (string or number), not {type(value).__name__}")
    if not isinstance(value, str):
        check_number(value)
        text = number_text(value) + ("px" if rule.px_numbers else "")
    else:
        text = value
    # Verdicts are remembered (4,096 values of at most MAX_VALUE_CHARS, ~1 MB): a team
    # sends the same tokens job after job, and tokenising is most of a submit's validation.
    # A longer text (refused anyway) is not kept: it could be the whole body.
    judge = _problem if len(text) <= MAX_VALUE_CHARS else _problem.__wrapped__
    if problem := judge(text, grammar):
        raise ValueError(f"{shown(value)} {problem}")


@functools.lru_cache(maxsize=4096)
def _problem(text: str, grammar: str) -> str:
    """What `text` is not ("" when it follows `grammar`), said after the value."""
    rule = GRAMMARS[grammar]
    try:
        items = tokenise(text)
    except ValueError as exc:
        return f"is not {rule.description}: {exc}"
    return "" if rule.accepts(items) else f"is not {rule.description}"


def accepts(value: object, grammar: str) -> bool:
    try:
        check(value, grammar)
    except ValueError:
        return False
    return True


def typography_property(name: str, value: object) -> str:
    """The grammar a typography value actually follows: from its name when the name says
    (titleSize), else the first of font shorthand, size, weight, family it passes."""
    grammar = typography_grammar(name)
    if grammar != "typography":
        return grammar
    for candidate in ("font", "font-size", "font-weight", "font-family"):
        if accepts(value, candidate):
            return candidate
    return "font"
