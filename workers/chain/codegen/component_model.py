"""From requirements to a component model: typed props, callbacks with their declared
signatures, state props, and what accessibility asks of the markup. Rendering reads only
this. Types come from core.prop_types' model, never from the input text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from core.errors import GenerationError
from core.prop_types import PropType, parse_prop_type
from core.requirements import (
    GENERATED_NAMES,
    PSEUDO_STATES,
    RequirementItem,
    Requirements,
    event_name,
    state_name,
)
from core.spec import JobSpec
from workers.chain.codegen.tsx import identifier, js_string, union_of

__all__ = ["GENERATED_NAMES", "PSEUDO_STATES", "ComponentModel", "build_model", "event_name"]

# The element DOM events of each type are attached to (an alert's events: its button).
ELEMENT = {
    "button": "HTMLButtonElement", "card": "HTMLElement", "input": "HTMLInputElement",
    "select": "HTMLSelectElement", "checkbox": "HTMLInputElement", "radio": "HTMLInputElement",
    "switch": "HTMLButtonElement", "tabs": "HTMLButtonElement", "badge": "HTMLSpanElement",
    "alert": "HTMLButtonElement",
}  # fmt: skip
# The outermost element of each type: DOM events typed for it are attached there.
ROOT_ELEMENT = {
    "button": "HTMLButtonElement", "card": "HTMLElement", "input": "HTMLDivElement",
    "select": "HTMLDivElement", "checkbox": "HTMLLabelElement", "radio": "HTMLDivElement",
    "switch": "HTMLButtonElement", "tabs": "HTMLDivElement", "badge": "HTMLSpanElement",
    "alert": "HTMLDivElement",
}  # fmt: skip
DOM_EVENTS = {
    "onClick": "MouseEvent", "onDoubleClick": "MouseEvent", "onMouseEnter": "MouseEvent",
    "onMouseLeave": "MouseEvent", "onMouseDown": "MouseEvent", "onMouseUp": "MouseEvent",
    "onFocus": "FocusEvent", "onBlur": "FocusEvent", "onKeyDown": "KeyboardEvent",
    "onKeyUp": "KeyboardEvent",
}  # fmt: skip
_CHANGE_TYPES = ("input", "select", "checkbox", "radio")
# a11y requirement -> state prop it needs.
STATE_FOR_ARIA = {
    "aria-invalid": "error", "aria-checked": "checked", "aria-selected": "selected",
    "aria-pressed": "pressed", "aria-expanded": "expanded", "aria-busy": "loading",
    "aria-disabled": "disabled", "aria-required": "required",
}  # fmt: skip
TEXT_PROPS = ("label", "title", "text", "children", "name")
# Enum props that say how a component looks (workers.chain.codegen.style_axes): size-like,
# and variant-like with the strongest first.
SIZE_NAMES = ("size", "scale", "density")
VARIANT_NAMES = (
    "variant",
    "appearance",
    "kind",
    "look",
    "tone",
    "intent",
    "color",
    "colorScheme",
    "status",
    "severity",
)
# Roles a requirement may name (in `role=x`, or quoted in the description of `role`).
KNOWN_ROLES = (
    "alert", "status", "switch", "tablist", "radiogroup", "group", "region", "button",
    "article", "checkbox", "textbox", "combobox", "log", "note", "dialog", "alertdialog",
)  # fmt: skip


@dataclass(frozen=True)
class Prop:
    name: str
    ts_type: str
    kind: str  # string number boolean enum node array
    required: bool
    default: str | None = None  # a TS expression
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class Event:
    """A callback prop. native: attached to an element as is (on_root: the outermost
    one), else called by the component with values of its declared parameter types."""

    name: str
    fn: PropType
    native: bool
    required: bool = False
    on_root: bool = False

    @property
    def signature(self) -> str:
        return self.fn.ts()


@dataclass
class ComponentModel:
    name: str
    component_type: str
    element: str
    props: list[Prop]
    events: list[Event]
    states: list[str]  # boolean state props
    pseudo_states: list[str]
    accessibility: list[str]
    roles: list[str] = field(default_factory=list)
    role_for: dict[str, str] = field(default_factory=dict)  # a11y item -> role it asks for
    text_prop: str | None = None
    options_prop: Prop | None = None  # enum prop whose values are the options/tabs

    def prop(self, name: str) -> Prop | None:
        return next((p for p in self.props if p.name == name), None)

    @property
    def wants_aria_label(self) -> bool:
        return "aria-label" in self.accessibility


def _parsed(item: RequirementItem) -> PropType:
    if item.type is None:
        return PropType("enum" if item.values else "string")
    return parse_prop_type(item.type)


def _prop(name: str, parsed: PropType, item: RequirementItem) -> Prop:
    values = tuple(item.values or ())
    kind = parsed.kind
    ts_type = union_of(list(values)) if kind == "enum" else parsed.ts()
    default = None
    if kind == "enum" and values and not item.required:
        default = js_string(values[0])
    elif kind == "boolean" and not item.required:
        default = "false"
    return Prop(identifier(name), ts_type, kind, bool(item.required), default, values)


def _default_signature(name: str, component_type: str) -> str:
    element = ELEMENT[component_type]
    if name in DOM_EVENTS:
        return f"(event: React.{DOM_EVENTS[name]}<{element}>) => void"
    if name == "onChange" and component_type in _CHANGE_TYPES:
        return f"(event: React.ChangeEvent<{element}>) => void"
    if component_type in ("switch", "checkbox") and name in ("onChange", "onToggle"):
        return "(checked: boolean) => void"
    if component_type in ("tabs", "radio", "select") and name in ("onChange", "onSelect"):
        return "(value: string) => void"
    return "() => void"


def event_fits(param: PropType, kind: str, element: str) -> bool:
    """Can an event of `kind` on `element` (React.MouseEvent<HTMLButtonElement>) be passed
    where `param` is declared? The element argument is covariant: Element, HTMLElement
    or the element itself."""
    return (
        param.kind == "event"
        and param.event in (kind, "SyntheticEvent")
        and param.element in (None, "Element", "HTMLElement", element)
    )


def attachable(fn: PropType, kind: str, element: str) -> bool:
    """A handler React can call with its own event: no parameter, or a first one the event
    fits and no further required ones."""
    if not fn.params:
        return True
    first, rest = fn.params[0], fn.params[1:]
    return event_fits(first.type, kind, element) and all(p.optional for p in rest)


def _event(name: str, fn: PropType, component_type: str, required: bool) -> Event:
    if component_type in _CHANGE_TYPES and name == "onChange":
        kind: str | None = "ChangeEvent"
    else:
        kind = DOM_EVENTS.get(name)
    if kind is not None:
        if attachable(fn, kind, ELEMENT[component_type]):
            return Event(name, fn, True, required)
        root = ROOT_ELEMENT[component_type]
        if kind != "ChangeEvent" and root != ELEMENT[component_type] and attachable(fn, kind, root):
            return Event(name, fn, True, required, on_root=True)
    return Event(name, fn, False, required)


def _options(props: list[Prop]) -> Prop | None:
    """The enum whose values a select, radio group or tabs offer: one not named like a
    style axis (a `variant` is how it looks, not what it offers), else the first."""
    enums = [p for p in props if p.kind == "enum" and len(p.values) >= 2]
    offered = [p for p in enums if p.name not in VARIANT_NAMES + SIZE_NAMES]
    return next(iter(offered or enums), None)


def _role(item: RequirementItem) -> str | None:
    """`role=x` / `role: x`, or `role` with the role quoted first in its description."""
    text = item.name.strip()
    if (match := re.match(r"^role\s*[=:]\s*([a-z]+)$", text)) is not None:
        return match.group(1)
    if text == "role" and item.description:
        for word in re.findall(r"""['"]([a-z]+)['"]""", item.description):
            if word in KNOWN_ROLES:
                return word
    return None


def _check_free(names: list[str]) -> None:
    """Validation refuses these (core.requirements); kept so a model built another way
    cannot produce code that redeclares a name."""
    clashes = sorted(set(names) & GENERATED_NAMES)
    if clashes:
        raise GenerationError(
            f"requirement name(s) {', '.join(clashes)} clash with names the generated code "
            "uses; rename them"
        )


def build_model(spec: JobSpec, requirements: Requirements) -> ComponentModel:
    kind = spec.component_type
    callback_names = {event_name(item.name) for item in requirements.events}
    props: list[Prop] = []
    events: list[Event] = []
    for item in requirements.props:
        parsed = _parsed(item)
        if parsed.kind == "function" or (item.type is None and item.name in callback_names):
            # A function-typed prop is a callback: one handler, with its declared signature.
            typed = parsed if parsed.kind == "function" else None
            fn = typed or parse_prop_type(_default_signature(item.name, kind))
            events.append(_event(identifier(item.name), fn, kind, bool(item.required)))
        else:
            props.append(_prop(item.name, parsed, item))
    taken = {p.name for p in props} | {e.name for e in events}
    for item in requirements.events:
        name = identifier(event_name(item.name))
        if name in taken:
            continue  # the same callback, declared as a prop or as another event
        text = item.type if item.type not in (None, "function") else None
        fn = parse_prop_type(text or _default_signature(name, kind))
        events.append(_event(name, fn, kind, bool(item.required)))
        taken.add(name)
    accessibility = [item.name.strip() for item in requirements.accessibility]
    wanted: list[tuple[str, RequirementItem | None]] = [(s.name, s) for s in requirements.states]
    wanted += [(STATE_FOR_ARIA[a], None) for a in accessibility if a in STATE_FOR_ARIA]
    states, pseudo = [], []
    for raw, state in wanted:
        name = state_name(raw)
        if name is None:
            pseudo.append(raw)
            continue
        if name in taken:
            continue  # a prop of that name already carries the state
        parsed = _parsed(state) if state is not None and state.type else PropType("boolean")
        if parsed.kind == "boolean":
            states.append(identifier(name))
        elif parsed.kind == "function":
            events.append(_event(identifier(name), parsed, kind, False))
        else:
            # A state holding a value (an input's `value: string`) is a prop of its type.
            assert state is not None
            props.append(_prop(name, parsed, state.model_copy(update={"required": False})))
        taken.add(name)
    for a11y in accessibility:
        if a11y in ("focus-visible", "focus") and a11y not in pseudo:
            pseudo.append(a11y)
    if "aria-label" in accessibility and "ariaLabel" not in taken:
        props.append(Prop("ariaLabel", "string", "string", False))
    text_prop = next(
        (n for n in TEXT_PROPS for p in props if p.name == n and p.kind in ("string", "node")),
        None,
    )
    options = _options(props)
    role_for = {
        item.name.strip(): role
        for item in requirements.accessibility
        if (role := _role(item)) is not None
    }
    _check_free([p.name for p in props] + [e.name for e in events] + states)
    if spec.component_name in GENERATED_NAMES:
        raise GenerationError(f"component_name {spec.component_name} clashes with generated code")
    return ComponentModel(
        name=identifier(spec.component_name),
        component_type=kind,
        element=ELEMENT[kind],
        props=props,
        events=events,
        states=states,
        pseudo_states=pseudo,
        accessibility=accessibility,
        roles=list(dict.fromkeys(role_for.values())),
        role_for=role_for,
        text_prop=text_prop,
        options_prop=options if kind in ("select", "radio", "tabs") else None,
    )
