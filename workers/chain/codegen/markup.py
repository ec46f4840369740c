"""Building blocks of component markup: attributes, handlers and elements from the model.

Names in the JSX come from the model (validated identifiers); text from input appears
only through {prop} expressions or js_string literals.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workers.chain.codegen.component_model import ComponentModel, Event, Prop
from workers.chain.codegen.tsx import js_string, kebab

COLUMN_STYLE = 'style={{ ...tokenStyle, ...styles.root, flexDirection: "column" }}'
_ROLE_OK = {"alert", "status", "switch", "tablist", "radiogroup", "group", "region", "button"}


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


def call_custom(event: Event, value: str | None = None) -> str:
    if event.signature.startswith("(checked"):
        return f"{event.name}?.({value or 'true'});"
    if event.signature.startswith("(value"):
        return f"{event.name}?.({value or js_string('')});"
    return f"{event.name}?.();"


def text_expr(parts: Parts) -> str:
    model = parts.model
    if model.text_prop:
        parts.props.add(model.text_prop)
        return "{" + model.text_prop + "}"
    return "{" + js_string(model.name) + "}"


def aria_label(parts: Parts) -> list[str]:
    model = parts.model
    if not model.wants_aria_label:
        return []
    parts.props.add("ariaLabel")
    text = model.prop(model.text_prop) if model.text_prop else None
    if text is not None and text.kind == "string":
        return [f"aria-label={{ariaLabel ?? {text.name}}}"]
    return ["aria-label={ariaLabel}"]


def state_attr(parts: Parts, state: str, attr: str, *, expr: str | None = None) -> list[str]:
    if state not in parts.model.states:
        return []
    parts.states.add(state)
    return [f"{attr}={{{expr or state + ' || undefined'}}}"]


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
    return attrs


def role_attr(parts: Parts, native_role: str | None) -> list[str]:
    wanted = [r for r in parts.model.roles if r in _ROLE_OK and r != native_role]
    return [f"role={{{js_string(wanted[0])}}}"] if wanted else []


def extras(parts: Parts) -> list[str]:
    """String, number and node props the template did not place: shown in the content."""
    lines = []
    for prop in parts.model.props:
        if prop.name in parts.props or prop.kind not in ("string", "number", "node"):
            continue
        parts.props.add(prop.name)
        if prop.kind == "node":
            lines.append(f"{{{prop.name}}}")
        else:
            cls = f"{parts.cls}__{kebab(prop.name)}"
            span = f'<span className="{cls}">{{{prop.name}}}</span>'
            lines.append(f"{{{prop.name} !== undefined ? {span} : null}}")
    return lines


def native_handlers(parts: Parts, *, skip: tuple[str, ...]) -> list[str]:
    return [f"{e.name}={{{e.name}}}" for e in parts.model.events if e.native and e.name not in skip]


def activation(parts: Parts, param: str, *, native: str, value: str | None = None) -> list[str]:
    """Body lines of the main handler: guard, the DOM event, component events, callbacks."""
    model = parts.model
    guards = [s for s in ("disabled", "loading") if s in model.states]
    body = [f"if ({' || '.join(guards)}) return;"] if guards else []
    body += [f"{e.name}?.({param});" for e in model.events if e.native and e.name == native]
    body += [call_custom(e, value) for e in model.events if not e.native]
    for prop in model.props:
        if prop.kind == "function":
            parts.props.add(prop.name)
            body.append(f"{prop.name}?.();")
    return body


def element(tag: str, attrs: list[str], children: list[str]) -> list[str]:
    lines = [f"<{tag}"] + ["  " + a for a in attrs]
    if not children:
        return [*lines, "/>"]
    return [*lines, ">", *("  " + c for c in children), f"</{tag}>"]


def forward_keydown(parts: Parts) -> list[str]:
    """A requested onKeyDown still hears keys when the component handles some itself."""
    return [
        f"  {e.name}?.(event);" for e in parts.model.events if e.native and e.name == "onKeyDown"
    ]


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


def root_attrs(parts: Parts) -> list[str]:
    return [f'className="{parts.cls}"', "style={{ ...tokenStyle, ...styles.root }}"]


def options_of(p: Parts) -> Prop | None:
    options = p.model.options_prop
    if options is not None:
        p.props.add(options.name)
    return options
