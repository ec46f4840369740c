"""Building blocks of component markup: attributes, handlers and elements from the model.

Names in the JSX come from the model (validated identifiers); text from input appears
only through {prop} expressions or js_string literals.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.prop_types import PropType
from workers.chain.codegen.component_model import (
    STATE_FOR_ARIA,
    ComponentModel,
    Event,
    Prop,
    event_fits,
)
from workers.chain.codegen.labels import fallback_text
from workers.chain.codegen.style_axes import root_spreads, state_looks
from workers.chain.codegen.tsx import js_string, kebab, pascal

_ROLE_OK = {"alert", "status", "switch", "tablist", "radiogroup", "group", "region", "button"}
# Roles the template's own element already has: asking for them needs no attribute.
NATIVE_ROLE_MARKERS = {
    "button": "<button", "checkbox": 'type="checkbox"', "article": "<article",
    "radio": 'type="radio"', "textbox": "<input", "combobox": "<select",
}  # fmt: skip


@dataclass
class Markup:
    setup: list[str] = field(default_factory=list)
    jsx: list[str] = field(default_factory=list)


@dataclass
class Parts:
    """What a template consumed, so the generic parts render the rest."""

    model: ComponentModel
    cls: str
    props: set[str] = field(default_factory=set)
    states: set[str] = field(default_factory=set)
    attrs: set[str] = field(default_factory=set)  # attributes placed once


@dataclass(frozen=True)
class Scope:
    """Values a handler has in scope to pass to callbacks: its React event (kind and
    element, as `event`) and expressions of each primitive type."""

    event: tuple[str, str] | None = None
    string: str | None = None
    boolean: str | None = None
    number: str | None = None


def _value(param: PropType, scope: Scope) -> str | None:
    """An expression of the declared parameter type, or None when there is none."""
    if param.kind == "string":
        return scope.string or js_string("")
    if param.kind == "number":
        return scope.number or "0"
    if param.kind == "boolean":
        return scope.boolean or "true"
    if param.kind == "enum" and param.values:
        return js_string(param.values[0])
    if param.kind == "array":
        return "[]"
    if param.kind == "event" and scope.event is not None:
        if param.event == "Event":
            return "event.nativeEvent"
        return "event" if event_fits(param, *scope.event) else None
    return None


def call_custom(event: Event, scope: Scope) -> str | None:
    """A call with a value of each declared parameter type; optional ones the scope
    cannot fill are left out. None when a required one cannot be filled: never called."""
    args = []
    for param in event.fn.params:
        value = _value(param.type, scope)
        if value is None:
            if param.optional:
                break
            return None
        args.append(value)
    return f"{event.name}?.({', '.join(args)});"


def flag(parts: Parts, base: str) -> str | None:
    """A boolean expression for a state ("disabled"): the state prop, a boolean prop of
    that name or `is` + name, or !!prop of another type (an error message). Both names
    when the requirements give both (`checked || isChecked`): each story shows."""
    found = [_flag(parts, name) for name in (base, "is" + pascal(base))]
    return " || ".join(f for f in found if f is not None) or None


def _flag(parts: Parts, name: str) -> str | None:
    model = parts.model
    if name in model.states:
        parts.states.add(name)
        return name
    prop = model.prop(name)
    if prop is not None and prop.kind == "boolean":
        parts.props.add(name)
        return name
    if prop is not None and prop.kind in ("string", "number", "enum"):
        return f"!!{name}"
    return None


def text_expr(parts: Parts) -> str:
    """The visible text: the text prop, else a fixed text from the requirements or the
    type (never the component's own name)."""
    model = parts.model
    if model.text_prop:
        parts.props.add(model.text_prop)
        return "{" + model.text_prop + "}"
    return "{" + js_string(fallback_text(model)) + "}"


def aria_label(parts: Parts) -> list[str]:
    model = parts.model
    if not model.wants_aria_label:
        return []
    parts.props.add("ariaLabel")
    text = model.prop(model.text_prop) if model.text_prop else None
    if text is not None and text.kind == "string":
        return [f"aria-label={{ariaLabel ?? {text.name}}}"]
    return ["aria-label={ariaLabel}"]


def state_attr(parts: Parts, state: str, attr: str, *, expr: str = "{} || undefined") -> list[str]:
    """`attr={expr}` with the state's flag in `expr`'s {} when the component has it."""
    name = flag(parts, state)
    if name is None:
        return []
    return [f"{attr}={{{expr.format(name)}}}"]


def aria_states(parts: Parts, attrs: list[str]) -> list[str]:
    """aria-* requirements for a state (aria-disabled, aria-required, ...) that the
    template's own attributes `attrs` have not set."""
    added = []
    for item in parts.model.accessibility:
        if item in STATE_FOR_ARIA and not any(a.startswith(item + "=") for a in attrs + added):
            added += state_attr(parts, STATE_FOR_ARIA[item], item)
    return added


def data_attrs(parts: Parts) -> list[str]:
    attrs = []
    for prop in parts.model.props:
        if prop.name in parts.props or prop.kind not in ("enum", "boolean"):
            continue
        parts.props.add(prop.name)
        value = prop.name if prop.kind == "enum" else f"{prop.name} || undefined"
        attrs.append(f"data-{kebab(prop.name)}={{{value}}}")
    for state in parts.model.states:
        if state not in parts.states:
            parts.states.add(state)
            attrs.append(f"data-{kebab(state)}={{{state} || undefined}}")
    return attrs + live_region(parts)


def live_region(parts: Parts, politeness: str = '"polite"') -> list[str]:
    """aria-live / aria-atomic where asked for, once."""
    attrs = []
    if "aria-live" in parts.model.accessibility and "aria-live" not in parts.attrs:
        attrs.append(f"aria-live={{{politeness}}}")
    if "aria-atomic" in parts.model.accessibility and "aria-atomic" not in parts.attrs:
        attrs.append("aria-atomic={true}")
    parts.attrs.update(("aria-live", "aria-atomic"))
    return attrs


def role_attr(parts: Parts, native_role: str | None) -> list[str]:
    native = {native_role} | {r for r in parts.model.roles if r in NATIVE_ROLE_MARKERS}
    wanted = [r for r in parts.model.roles if r in _ROLE_OK and r not in native]
    return [f"role={{{js_string(wanted[0])}}}"] if wanted else []


def extras(parts: Parts) -> list[str]:
    """String, number, node and array props the template did not place: shown in the
    content."""
    lines = []
    for prop in parts.model.props:
        if prop.name in parts.props or prop.kind not in ("string", "number", "node", "array"):
            continue
        parts.props.add(prop.name)
        cls = f"{parts.cls}__{kebab(prop.name)}"
        if prop.kind == "node":
            lines.append(f"{{{prop.name}}}")
        elif prop.kind == "array":
            span = f'<span className="{cls}">{{{prop.name}.join(", ")}}</span>'
            lines.append(f"{{{prop.name} !== undefined ? {span} : null}}")
        else:
            span = f'<span className="{cls}">{{{prop.name}}}</span>'
            lines.append(f"{{{prop.name} !== undefined ? {span} : null}}")
    return lines


def native_handlers(parts: Parts, *, skip: tuple[str, ...]) -> list[str]:
    """DOM events attached to the template's main element as they are."""
    return [
        f"{e.name}={{{e.name}}}"
        for e in parts.model.events
        if e.native and not e.on_root and e.name not in skip
    ]


def root_handlers(parts: Parts) -> list[str]:
    """DOM events typed for the outermost element, attached there."""
    return [f"{e.name}={{{e.name}}}" for e in parts.model.events if e.on_root]


def activation(parts: Parts, scope: Scope, *, native: str | None = None) -> list[str]:
    """Body lines of the main handler: guard, the DOM event, component events."""
    model = parts.model
    guards = [g for g in (flag(parts, s) for s in ("disabled", "loading")) if g]
    body = [f"if ({' || '.join(guards)}) return;"] if guards else []
    if scope.event is not None:
        body += [
            f"{e.name}?.(event);"
            for e in model.events
            if e.native and not e.on_root and e.name == native
        ]
    calls = [call_custom(e, scope) for e in model.events if not e.native]
    return body + [c for c in calls if c is not None]


def main_event_calls(parts: Parts, name: str) -> list[str]:
    """`name?.(event);` where the template's own handler receives that DOM event."""
    return [
        f"{e.name}?.(event);"
        for e in parts.model.events
        if e.native and not e.on_root and e.name == name
    ]


def element(tag: str, attrs: list[str], children: list[str]) -> list[str]:
    lines = [f"<{tag}"] + ["  " + a for a in attrs]
    if not children:
        return [*lines, "/>"]
    return [*lines, ">", *("  " + c for c in children), f"</{tag}>"]


def forward_keydown(parts: Parts) -> list[str]:
    """A requested onKeyDown still hears keys when the component handles some itself."""
    return ["  " + call for call in main_event_calls(parts, "onKeyDown")]


def keydown_activates(parts: Parts, *, target: str = "HTMLElement") -> list[str]:
    return [
        f"const handleKeyDown = (event: React.KeyboardEvent<{target}>): void => {{",
        *forward_keydown(parts),
        '  if (event.key === "Enter" || event.key === " ") {',
        "    event.preventDefault();",
        "    activate();",
        "  }",
        "};",
    ]


def root_style(parts: Parts, *base: str) -> list[str]:
    """The root's style: tokens, base style, then what each style axis and state adds
    (workers.chain.codegen.style_axes), so variants, sizes and states show. One line
    each when there are more than the base's."""
    model = parts.model
    for look in state_looks(model):
        for name in look.names:
            (parts.states if name in model.states else parts.props).add(name)
    added = root_spreads(model)
    spreads = ["...tokenStyle", "...styles.root", *base, *added]
    if not added:
        return ["style={{ " + ", ".join(spreads) + " }}"]
    return ["style={{", *(f"  {s}," for s in spreads), "}}"]


def root_attrs(parts: Parts, *, column: bool = False) -> list[str]:
    base = ['flexDirection: "column"'] if column else []
    return [f'className="{parts.cls}"', *root_style(parts, *base)]


def options_of(p: Parts) -> Prop | None:
    options = p.model.options_prop
    if options is not None:
        p.props.add(options.name)
    return options
