"""From requirements to a component model: typed props, events with their signatures,
state props, and what accessibility asks of the markup. Rendering reads only this."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from core.errors import GenerationError
from core.requirements import JS_RESERVED, RequirementItem, Requirements
from core.spec import JobSpec
from workers.chain.codegen.tsx import camel, identifier, js_string, pascal, union_of

# The element DOM events of each type are attached to (an alert's events: its button).
ELEMENT = {
    "button": "HTMLButtonElement", "card": "HTMLElement", "input": "HTMLInputElement",
    "select": "HTMLSelectElement", "checkbox": "HTMLInputElement", "radio": "HTMLInputElement",
    "switch": "HTMLButtonElement", "tabs": "HTMLButtonElement", "badge": "HTMLSpanElement",
    "alert": "HTMLButtonElement",
}  # fmt: skip
_DOM_EVENTS = {
    "onClick": "MouseEvent", "onDoubleClick": "MouseEvent", "onMouseEnter": "MouseEvent",
    "onMouseLeave": "MouseEvent", "onFocus": "FocusEvent", "onBlur": "FocusEvent",
    "onKeyDown": "KeyboardEvent", "onKeyUp": "KeyboardEvent",
}  # fmt: skip
_CHANGE_TYPES = ("input", "select", "checkbox", "radio")
# Interaction states styled with CSS, not passed as props.
PSEUDO_STATES = {"hover", "focus", "focus-visible", "focusVisible", "active"}
# a11y requirement -> state prop it needs.
_STATE_FOR_ARIA = {
    "aria-invalid": "error", "aria-checked": "checked", "aria-selected": "selected",
    "aria-pressed": "pressed", "aria-expanded": "expanded", "aria-busy": "loading",
    "aria-disabled": "disabled",
}  # fmt: skip
TEXT_PROPS = ("label", "title", "text", "children", "name")
# Names the generated code declares itself; a prop, event or state may not take one.
GENERATED_NAMES = frozenset(
    [
        "React",
        "tokenStyle",
        "styles",
        "css",
        "handleClick",
        "handleChange",
        "handleKeyDown",
        "handleDismiss",
        "activate",
        "titleId",
        "fieldId",
        "helperId",
        "groupName",
        "baseId",
        "tabItems",
        "current",
        "setCurrent",
        "select",
        "chosen",
        "setChosen",
        "on",
        "setOn",
        "next",
        "visible",
        "setVisible",
        "event",
        "index",
        "tab",
        "meta",
        "Story",
        "descriptionId",
        # Locals of the type templates and the globals they read.
        "shownTab",
        "setShownTab",
        "selectTab",
        "focusTab",
        "arrowStep",
        "nextTab",
        "chosenValue",
        "setChosenValue",
        "isOn",
        "setIsOn",
        "nextOn",
        "isShown",
        "setIsShown",
        "Math",
        "document",
    ]
)


@dataclass(frozen=True)
class Prop:
    name: str
    ts_type: str
    kind: str  # string number boolean enum node function
    required: bool
    default: str | None = None  # a TS expression
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class Event:
    name: str
    signature: str
    native: bool  # attached to the element as is; otherwise called by the component


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
    text_prop: str | None = None
    options_prop: Prop | None = None  # enum prop whose values are the options/tabs

    def prop(self, name: str) -> Prop | None:
        return next((p for p in self.props if p.name == name), None)

    @property
    def wants_aria_label(self) -> bool:
        return "aria-label" in self.accessibility


def _kind(item: RequirementItem) -> str:
    if item.type is not None:
        return item.type
    return "enum" if item.values else "string"


def _prop(item: RequirementItem) -> Prop:
    name = identifier(item.name)
    kind = _kind(item)
    values = tuple(item.values or ())
    ts_type = {
        "string": "string", "number": "number", "boolean": "boolean", "node": "React.ReactNode",
        "function": "() => void", "enum": union_of(list(values)),
    }[kind]  # fmt: skip
    default = None
    if kind == "enum" and values and not item.required:
        default = js_string(values[0])
    elif kind == "boolean" and not item.required:
        default = "false"
    return Prop(name, ts_type, kind, bool(item.required), default, values)


def event_name(raw: str) -> str:
    if re.match(r"^on[A-Z]", raw):
        return identifier(raw)
    return identifier("on" + pascal(raw))


def _event(raw: str, component_type: str) -> Event:
    name = event_name(raw)
    element = ELEMENT[component_type]
    if name in _DOM_EVENTS:
        return Event(name, f"(event: React.{_DOM_EVENTS[name]}<{element}>) => void", True)
    if name == "onChange" and component_type in _CHANGE_TYPES:
        return Event(name, f"(event: React.ChangeEvent<{element}>) => void", True)
    if component_type in ("switch", "checkbox") and name in ("onChange", "onToggle"):
        return Event(name, "(checked: boolean) => void", False)
    if component_type in ("tabs", "radio", "select") and name in ("onChange", "onSelect"):
        return Event(name, "(value: string) => void", False)
    return Event(name, "() => void", False)


def _role(item: str) -> str | None:
    match = re.match(r"^role\s*[=:]\s*([a-z]+)$", item.strip())
    return match.group(1) if match else None


def _check_free(names: list[str]) -> None:
    clashes = sorted(set(names) & GENERATED_NAMES)
    if clashes:
        raise GenerationError(
            f"requirement name(s) {', '.join(clashes)} clash with names the generated code "
            "uses; rename them"
        )


def build_model(spec: JobSpec, requirements: Requirements) -> ComponentModel:
    props = [_prop(item) for item in requirements.props]
    taken = {p.name for p in props}
    events = []
    for item in requirements.events:
        event = _event(item.name, spec.component_type)
        if event.name not in taken:
            events.append(event)
            taken.add(event.name)
    accessibility = [item.name.strip() for item in requirements.accessibility]
    wanted_states = [item.name for item in requirements.states]
    wanted_states += [_STATE_FOR_ARIA[a] for a in accessibility if a in _STATE_FOR_ARIA]
    states, pseudo = [], []
    for raw in wanted_states:
        if raw in PSEUDO_STATES:
            pseudo.append(raw)
            continue
        name = camel(raw)
        name = identifier("is" + pascal(raw) if name in JS_RESERVED else name)
        if name in taken:
            continue  # a prop of that name already carries the state
        states.append(name)
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
    options = next((p for p in props if p.kind == "enum" and len(p.values) >= 2), None)
    roles = [r for r in (_role(a) for a in accessibility) if r]
    _check_free([p.name for p in props] + [e.name for e in events] + states)
    if spec.component_name in GENERATED_NAMES:
        raise GenerationError(f"component_name {spec.component_name} clashes with generated code")
    return ComponentModel(
        name=identifier(spec.component_name),
        component_type=spec.component_type,
        element=ELEMENT[spec.component_type],
        props=props,
        events=events,
        states=states,
        pseudo_states=pseudo,
        accessibility=accessibility,
        roles=roles,
        text_prop=text_prop,
        options_prop=options if spec.component_type in ("select", "radio", "tabs") else None,
    )
