"""The CSS of each style axis value and state look, from the tokens' roles and scales.

Values go through var(--cf-...) where a token fills the role, else through a fixed
fallback (named colours, keywords, rem). Every value of an axis gets a style no other value
of it has: a named value (primary, danger, sm, ...) its meaning, the others the next unused
combination by position.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

from core.css_values import NAMED_COLOURS
from workers.chain.codegen.component_model import ComponentModel
from workers.chain.codegen.size_ranks import NUMBERED, word_rank
from workers.chain.codegen.style_axes import Axis
from workers.chain.codegen.token_styles import TokenVars

Style = dict[str, str]

# Value words -> fill look; unknown values take looks in POSITIONAL_FILLS' order.
FILL_WORDS = {
    "solid": "primary brand solid filled fill contained default main accent cta strong",
    "soft": "secondary neutral soft subtle tonal light standard normal basic plain",
    "outline": "outline outlined bordered stroke",
    "ghost": "ghost link tertiary text minimal quiet flat borderless transparent naked clear",
    "danger": "danger destructive error critical negative",
    "success": "success positive ok valid complete done",
    "warning": "warning warn caution attention pending",
    "info": "info information informative notice help tip",
    "inverse": "inverse inverted dark contrast",
    "muted": "muted disabled inactive",
}
_FILL_OF = {word: look for look, words in FILL_WORDS.items() for word in words.split()}
POSITIONAL_FILLS = (
    "soft",
    "outline",
    "inverse",
    "solid",
    "ghost",
    "muted",
    "info",
    "success",
    "warning",
    "danger",
)
CSS_COLOURS = NAMED_COLOURS - {"transparent", "currentcolor"}
BORDER_STYLES = ("solid", "dashed", "dotted", "double")
BORDER_WIDTHS = ("", "medium", "thick")  # "": the root's own width
FONT_WEIGHTS = ("400", "700", "300")
FONT_STYLES = ("normal", "italic")
DECORATIONS = ("none", "underline", "overline", "line-through")
TRANSFORMS = ("none", "uppercase", "lowercase", "capitalize")


def fills(tokens: TokenVars) -> dict[str, Style]:
    """Each fill look: background, text and border colour."""
    primary = tokens.var("primary", "royalblue")
    on_primary = tokens.var("on-primary", "white")
    text = tokens.var("text", "black")
    surface = tokens.var("surface", "white")
    soft = tokens.var("secondary", tokens.var("surface", "whitesmoke"))
    soft_text = tokens.var("on-secondary", tokens.var("text", "inherit"))

    def fill(background: str, color: str, border: str) -> Style:
        return {"backgroundColor": background, "color": color, "borderColor": border}

    def status(role: str, fallback: str, color: str = "white") -> Style:
        return fill(tokens.var(role, fallback), color, tokens.var(role, fallback))

    return {
        "solid": fill(primary, on_primary, primary),
        "soft": fill(soft, soft_text, tokens.var("border", "silver")),
        "outline": fill("transparent", primary, primary),
        "ghost": fill("transparent", primary, "transparent"),
        "danger": status("danger", "crimson"),
        "success": status("success", "seagreen"),
        "warning": status("warning", "darkorange", text),
        "info": status("info", "steelblue"),
        "inverse": fill(text, surface, text),
        "muted": fill(surface, tokens.var("muted", "gray"), tokens.var("muted", "gray")),
    }


def value_look(value: str) -> str | None:
    """The look a value's words name: "primary", "btn-danger" and "Outline" do."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", value).lower()
    words = [w for w in re.split(r"[^a-z0-9]+", spaced) if w]
    for word in ["".join(words), *reversed(words)]:
        if word in _FILL_OF:
            return _FILL_OF[word]
    return None


def distinct(
    values: tuple[str, ...], named: dict[str, Style], others: Iterator[Style]
) -> dict[str, Style]:
    """A style per value: its named one unless an earlier value has it, else the next of
    `others` that no value has."""
    out: dict[str, Style] = {}
    used: list[Style] = []
    for value in values:
        style = named.get(value)
        while style is None or style in used:
            style = next(others)
        used.append(style)
        out[value] = style
    return out


def _fill_positions(tokens: TokenVars) -> Iterator[Style]:
    """Fill looks, then border styles, then border widths; then ever wider ridges."""
    looks = fills(tokens)
    for width, style, look in itertools.product(BORDER_WIDTHS, BORDER_STYLES, POSITIONAL_FILLS):
        extra = {"borderStyle": style} if style != "solid" else {}
        yield looks[look] | extra | ({"borderWidth": width} if width else {})
    for n in itertools.count(4):
        for look in POSITIONAL_FILLS:
            yield looks[look] | {"borderStyle": "ridge", "borderWidth": f"{n}px"}


# Fill look -> the colour role of its ring (edge channel).
RING_ROLES = {
    "solid": ("primary", "royalblue"),
    "outline": ("primary", "royalblue"),
    "ghost": ("primary", "royalblue"),
    "soft": ("border", "silver"),
    "danger": ("danger", "crimson"),
    "success": ("success", "seagreen"),
    "warning": ("warning", "darkorange"),
    "info": ("info", "steelblue"),
    "inverse": ("text", "black"),
    "muted": ("muted", "gray"),
}


def shadow_suffix(model: ComponentModel, tokens: TokenVars) -> str:
    """A card's or alert's elevation, kept under a ring that replaces its box-shadow."""
    shadow = tokens.roles.get("shadow")
    return f", {shadow}" if shadow and model.component_type in ("card", "alert") else ""


def _ring(colour: str, width: str, suffix: str, *, inset: bool = True) -> Style:
    return {"boxShadow": f"{'inset ' if inset else ''}0 0 0 {width} {colour}{suffix}"}


def _ring_positions(tokens: TokenVars, suffix: str) -> Iterator[Style]:
    colours = [tokens.var(*RING_ROLES[look]) for look in POSITIONAL_FILLS]
    for n in itertools.count(1):
        for inset, colour in itertools.product((True, False), colours):
            yield _ring(colour, f"{2 * n}px", suffix, inset=inset)


def _text_positions() -> Iterator[Style]:
    dims = itertools.product(TRANSFORMS, DECORATIONS, FONT_STYLES, FONT_WEIGHTS)
    combos = [
        {"fontWeight": w, "fontStyle": s, "textDecorationLine": d, "textTransform": t}
        for t, d, s, w in dims
    ]
    yield from combos
    for n in itertools.count(1):
        yield from (c | {"letterSpacing": f"{n / 20:g}em"} for c in combos)


def _named(axis: Axis, tokens: TokenVars, suffix: str) -> dict[str, Style]:
    """The styles variant values name by their words (primary, danger, ghost...) or as a
    CSS colour (red: text and border in red, any background stays readable)."""
    if axis.role != "variant" or axis.channel not in ("fill", "edge"):
        return {}
    looks = fills(tokens)
    named = {}
    for value in axis.values:
        if (look := value_look(value)) is not None:
            colour = tokens.var(*RING_ROLES[look])
            named[value] = looks[look] if axis.channel == "fill" else _ring(colour, "2px", suffix)
        elif (colour := value.lower()) in CSS_COLOURS:
            fill = {"backgroundColor": "transparent", "color": colour, "borderColor": colour}
            named[value] = fill if axis.channel == "fill" else _ring(colour, "2px", suffix)
    return named


def ordered(values: tuple[str, ...]) -> list[str]:
    """Smallest first when every value names a distinct size, else as declared."""
    ranks = [word_rank(v) for v in values]
    if None in ranks or len(set(ranks)) < len(ranks):
        return list(values)
    return sorted(values, key=lambda v: word_rank(v) or 0)


def scale_steps(scale: dict[str, int], values: list[str]) -> list[str] | None:
    """A var() per value (smallest first): the token of the value's own size when every
    value has one, else consecutive tokens around the medium one; None when too few."""
    by_rank = {rank: variable for variable, rank in scale.items()}
    wanted = [word_rank(v) for v in values]
    if all(r is not None and r in by_rank for r in wanted) and len(set(wanted)) == len(wanted):
        return [by_rank[r] for r in wanted if r is not None]
    entries = sorted(scale, key=lambda v: scale[v])
    n, m = len(values), len(entries)
    if m < n:
        return None
    medium = [i for i, v in enumerate(entries) if 50 <= scale[v] < NUMBERED]
    centre = medium[0] if medium else (m - 1) // 2
    start = min(max(centre - (n - 1) // 2, 0), m - n)
    return entries[start : start + n]


def ladder(n: int, base: float, step: float, low: float) -> list[float]:
    """n increasing numbers, the middle one `base` unless that would start below `low`."""
    start = max(low, base - step * ((n - 1) // 2))
    return [round(start + step * i, 4) for i in range(n)]


def _size_styles(axis: Axis, tokens: TokenVars) -> dict[str, Style]:
    """Larger values get more space: padding and font size (scale), or line height and
    gap (rhythm), from the token scales when they have a step per value."""
    values = ordered(axis.values)
    n = len(values)
    spacing = scale_steps(tokens.scales.get("spacing", {}), values)
    if axis.channel == "scale":
        fonts = scale_steps(tokens.scales.get("font-size", {}), values)
        pads = spacing or [f"{v:g}rem {2 * v:g}rem" for v in ladder(n, 0.5, 0.25, 0.125)]
        sizes = fonts or [f"{v:g}rem" for v in ladder(n, 1, 0.125, 0.625)]
        rows = [{"padding": p, "fontSize": f} for p, f in zip(pads, sizes, strict=True)]
    else:
        gaps = spacing or [f"{v:g}rem" for v in ladder(n, 0.5, 0.25, 0.125)]
        heights = [f"{v:g}" for v in ladder(n, 1.5, 0.15, 1.1)]
        rows = [{"lineHeight": h, "gap": g} for h, g in zip(heights, gaps, strict=True)]
    return dict(zip(values, rows, strict=True))


def axis_styles(axis: Axis, model: ComponentModel, tokens: TokenVars) -> dict[str, Style]:
    """value -> its style, in the axis's declared order."""
    if axis.channel in ("scale", "rhythm"):
        styles = _size_styles(axis, tokens)
        return {v: styles[v] for v in axis.values}
    suffix = shadow_suffix(model, tokens)
    positions = {
        "fill": lambda: _fill_positions(tokens),
        "edge": lambda: _ring_positions(tokens, suffix),
        "text": _text_positions,
    }[axis.channel]()
    return distinct(axis.values, _named(axis, tokens, suffix), positions)


def state_styles(model: ComponentModel, tokens: TokenVars) -> dict[str, Style]:
    """Each state look's style: merged over the axes while the state is on."""
    suffix = shadow_suffix(model, tokens)
    danger = tokens.var("danger", "crimson")
    ring = _ring(tokens.var("primary", "royalblue"), "2px", suffix)
    return {
        "disabled": {"opacity": "0.55", "cursor": "not-allowed"},
        "loading": {"opacity": "0.8", "cursor": "progress"},
        "fullWidth": {"width": "100%"},
        "invalid": {"borderColor": danger, "borderWidth": "medium"},
        # Bold too: no axis sets a weight of 600, so no axis value looks selected.
        "selected": {**ring, "fontWeight": "600"},
        "focused": _ring(tokens.var("focus", "royalblue"), "3px", suffix, inset=False),
        "readOnly": {"borderStyle": "dashed", "opacity": "0.9"},
    }
