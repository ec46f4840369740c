"""Which props change how a component looks, read from the model alone.

An enum prop the template places nowhere else (and an alert's or badge's severity) is a
style axis: size-like (`size`, `density`, `scale`, or values such as sm/md/lg) or
variant-like (everything else). Each axis gets a per-value style map in the generated
`styles` object (`styles.variant[variant]`: no new names are bound, so none can clash with a
prop) and a channel: the CSS properties only it sets, so that the styles of two axes never
override each other and every value shows. Boolean states (disabled, loading, fullWidth,
invalid, ...) become style overlays. workers.chain.codegen.looks fills in the CSS values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.requirements import OBJECT_PROTOTYPE
from workers.chain.codegen.component_model import SIZE_NAMES, VARIANT_NAMES, ComponentModel, Prop
from workers.chain.codegen.size_ranks import word_rank
from workers.chain.codegen.tsx import unique_name

# Channel preferences: fill (colours), edge (a ring), text (weight, decoration), scale
# (padding, font size), rhythm (line height, gap).
CHANNELS = {
    "variant": ("fill", "edge", "text", "rhythm", "scale"),
    "size": ("scale", "rhythm", "text", "edge", "fill"),
}
# Object.prototype's names cannot be keys of a plain object literal safely.
UNSAFE_KEYS = OBJECT_PROTOTYPE | {"prototype"}
# Each look (a key of the generated `styles`, see looks.state_styles) and the states that
# have it, by name without is/has, in lower case.
LOOK_WORDS = {
    "disabled": "disabled inactive",
    "loading": "loading busy pending",
    "fullWidth": "fullwidth block fluid stretch stretched wide",
    "invalid": "error invalid errored",
    "selected": "selected active pressed current highlighted",
    "focused": "focused",
    "readOnly": "readonly",
}
STATE_LOOKS = {word: look for look, words in LOOK_WORDS.items() for word in words.split()}
LOOK_ORDER = tuple(LOOK_WORDS)
# Keys of the generated `styles` that are not axes.
STYLE_KEYS = ("root", "danger", "muted", "control", *LOOK_ORDER)


@dataclass(frozen=True)
class Axis:
    prop: Prop
    role: str  # "variant" | "size"
    channel: str
    key: str  # its style map is styles[key] in the generated code
    values: tuple[str, ...]  # each once, in declared order

    @property
    def keys(self) -> tuple[str, ...]:
        """The values that are keys of the map (not Object.prototype's names)."""
        return tuple(v for v in self.values if v not in UNSAFE_KEYS)


@dataclass(frozen=True)
class StateLook:
    look: str  # a key of the generated `styles`
    names: tuple[str, ...]  # the props/states that switch it on
    expr: str  # a boolean TS expression of them


def placed_elsewhere(model: ComponentModel) -> set[str]:
    """Enum props a template places itself (options, an input's type): not axes. An
    alert's severity also sets its role, but is still styled."""
    placed = {model.options_prop.name} if model.options_prop is not None else set()
    if model.component_type == "input":
        placed.add("type")
    return placed


def is_size_like(prop: Prop) -> bool:
    """Named so (size, iconSize, density...), or not named a variant and every value is a
    size (sm/md/lg, compact/comfortable)."""
    name = prop.name
    if name in SIZE_NAMES or re.search(r"[a-z0-9](Size|Scale|Density)$", name):
        return True
    return name not in VARIANT_NAMES and all(word_rank(v) is not None for v in prop.values)


def _priority(prop: Prop, index: int, names: tuple[str, ...]) -> tuple[int, int]:
    return (names.index(prop.name) if prop.name in names else len(names), index)


def _candidates(model: ComponentModel) -> tuple[list[Prop], list[Prop]]:
    """(variant-like, size-like) enum props of two or more values, strongest first."""
    placed = placed_elsewhere(model)
    enums = [
        p
        for p in model.props
        if p.kind == "enum" and len(set(p.values)) >= 2 and p.name not in placed
    ]
    sizes = [p for p in enums if is_size_like(p)]
    variants = [p for p in enums if p not in sizes]
    order = {p.name: i for i, p in enumerate(enums)}
    variants.sort(key=lambda p: _priority(p, order[p.name], VARIANT_NAMES))
    sizes.sort(key=lambda p: _priority(p, order[p.name], SIZE_NAMES))
    return variants, sizes


def _interleaved(variants: list[Prop], sizes: list[Prop]) -> list[tuple[Prop, str]]:
    """The first variant and the first size axis choose channels before the second ones."""
    out: list[tuple[Prop, str]] = []
    for i in range(max(len(variants), len(sizes))):
        out += [(p, "variant") for p in variants[i : i + 1]]
        out += [(p, "size") for p in sizes[i : i + 1]]
    return out


def style_axes(model: ComponentModel) -> list[Axis]:
    """Every axis that has a channel left (five at most), in the order they are merged."""
    taken = set(STYLE_KEYS)
    used: set[str] = set()
    axes = []
    for prop, role in _interleaved(*_candidates(model)):
        channel = next((c for c in CHANNELS[role] if c not in used), None)
        if channel is None:
            continue  # no CSS properties left that no other axis sets: data- attribute only
        used.add(channel)
        key = unique_name(prop.name, taken)
        axes.append(Axis(prop, role, channel, key, tuple(dict.fromkeys(prop.values))))
    return axes


def _look_of(name: str) -> str | None:
    bare = re.sub(r"^(is|has)(?=[A-Z])", "", name).lower()
    return STATE_LOOKS.get(bare)


def state_looks(model: ComponentModel) -> list[StateLook]:
    """Boolean states and props with a look; a string/number `error` prop (a message)
    shows as invalid while it is set."""
    found: dict[str, list[tuple[str, str]]] = {}
    flags = [(s, s) for s in model.states] + [
        (p.name, p.name if p.kind == "boolean" else f"!!{p.name}")
        for p in model.props
        if p.kind == "boolean" or (p.kind in ("string", "number") and _look_of(p.name) == "invalid")
    ]
    for name, expr in flags:
        if (look := _look_of(name)) is not None:
            found.setdefault(look, []).append((name, expr))
    return [
        StateLook(look, tuple(n for n, _ in found[look]), " || ".join(e for _, e in found[look]))
        for look in LOOK_ORDER
        if look in found
    ]


def root_spreads(model: ComponentModel) -> list[str]:
    """What the root's style merges after its base: each axis's style for the current
    value, then each state's look while it is on."""
    spreads = [f"...styles.{a.key}[{a.prop.name}]" for a in style_axes(model)]
    spreads += [f"...({s.expr} ? styles.{s.look} : undefined)" for s in state_looks(model)]
    return spreads
