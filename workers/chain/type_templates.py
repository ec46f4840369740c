"""The markup of each component type: hooks, handlers and JSX, from the component model.

Names in the JSX come from the model (validated identifiers); text from input appears
only through {prop} expressions or js_string literals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from workers.chain.component_model import ComponentModel, Event, Prop
from workers.chain.tsx import js_string, kebab

NATIVE_CONTROLS = ("button", "input", "select", "checkbox", "radio", "switch", "tabs")
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


def keydown_activates(name: str = "handleKeyDown", target: str = "HTMLElement") -> list[str]:
    return [
        f"const {name} = (event: React.KeyboardEvent<{target}>): void => {{",
        '  if (event.key === "Enter" || event.key === " ") {',
        "    event.preventDefault();",
        "    activate();",
        "  }",
        "};",
    ]


def root_attrs(parts: Parts) -> list[str]:
    return [f'className="{parts.cls}"', "style={{ ...tokenStyle, ...styles.root }}"]


# --- one function per type -------------------------------------------------------------


def _button(p: Parts) -> Markup:
    body = activation(p, "event", native="onClick")
    setup = [
        "const handleClick = (event: React.MouseEvent<HTMLButtonElement>): void => {",
        *("  " + b for b in body),
        "};",
    ]
    icon = p.model.prop("icon")
    children = []
    if icon is not None and icon.kind == "node":
        p.props.add("icon")
        children.append('<span aria-hidden="true">{icon}</span>')
    children.append(text_expr(p))
    if "loading" in p.model.states:
        children.append('{loading ? <span role="status">{"Loading"}</span> : null}')
    attrs = ['type="button"', *root_attrs(p), *aria_label(p), *role_attr(p, "button")]
    attrs += state_attr(p, "disabled", "disabled", expr="disabled")
    attrs += state_attr(p, "disabled", "aria-disabled")
    attrs += state_attr(p, "loading", "aria-busy")
    for pressed in ("pressed", "selected"):
        attrs += state_attr(p, pressed, "aria-pressed", expr=pressed)
    attrs += ["onClick={handleClick}", *native_handlers(p, skip=("onClick",)), *data_attrs(p)]
    return Markup(setup, element("button", attrs, children + extras(p)))


def _card(p: Parts) -> Markup:
    interactive = bool(p.model.events) or "keyboard" in p.model.accessibility
    setup = ["const titleId = React.useId();"]
    attrs = [*root_attrs(p), "aria-labelledby={titleId}", *aria_label(p), *role_attr(p, None)]
    if interactive:
        body = activation(p, "event", native="onClick")
        setup += [
            "const activate = (): void => {",
            *("  " + b for b in body if "event" not in b),
            "};",
        ]
        setup += ["const handleClick = (event: React.MouseEvent<HTMLElement>): void => {"]
        setup += [f"  {e.name}?.(event);" for e in p.model.events if e.name == "onClick"]
        setup += ["  activate();", "};", *keydown_activates()]
        attrs += ["tabIndex={0}", "onClick={handleClick}", "onKeyDown={handleKeyDown}"]
        attrs += native_handlers(p, skip=("onClick", "onKeyDown"))
    attrs += state_attr(p, "selected", "aria-current", expr='selected ? "true" : undefined')
    attrs += state_attr(p, "disabled", "aria-disabled") + data_attrs(p)
    children = []
    media = p.model.prop("media")
    if media is not None:
        p.props.add("media")
        children.append("{media}")
    children.append(f"<h3 id={{titleId}}>{text_expr(p)}</h3>")
    footer = p.model.prop("footer")
    if footer is not None:
        p.props.add("footer")
    children += extras(p)
    if footer is not None:
        children.append("{footer !== undefined ? <footer>{footer}</footer> : null}")
    return Markup(setup, element("article", attrs, children))


def _field_setup(p: Parts, target: str) -> tuple[list[str], list[str], list[str]]:
    """Label id, helper text and error wiring shared by input and select."""
    setup = ["const fieldId = React.useId();", "const helperId = `${fieldId}-helper`;"]
    helper = next((n for n in ("helperText", "description", "hint") if p.model.prop(n)), None)
    body = activation(p, "event", native="onChange", value="event.target.value")
    setup += [
        f"const handleChange = (event: React.ChangeEvent<{target}>): void => {{",
        *("  " + b for b in body),
        "};",
    ]
    attrs = ["id={fieldId}", *aria_label(p)]
    attrs += state_attr(p, "disabled", "disabled", expr="disabled")
    attrs += state_attr(p, "error", "aria-invalid")
    after = []
    if helper is not None or "aria-describedby" in p.model.accessibility:
        attrs.append("aria-describedby={helperId}")
        if helper is not None:
            p.props.add(helper)
            after.append(
                f"<p id={{helperId}} style={{error ? styles.danger : styles.muted}}>"
                f"{{{helper}}}</p>"
                if "error" in p.model.states
                else f"<p id={{helperId}} style={{styles.muted}}>{{{helper}}}</p>"
            )
        else:
            after.append('<p id={helperId} hidden>{""}</p>')
    attrs += ["onChange={handleChange}", *native_handlers(p, skip=("onChange",))]
    return setup, attrs, after


def _input(p: Parts) -> Markup:
    setup, attrs, after = _field_setup(p, "HTMLInputElement")
    label = text_expr(p)
    attrs = ['type="text"', *attrs]
    for name in ("placeholder", "value", "name"):
        if (prop := p.model.prop(name)) is not None and prop.kind == "string":
            p.props.add(name)
            attrs.append(f"{name}={{{name}}}")
    root = [root_attrs(p)[0], COLUMN_STYLE, *data_attrs(p)]
    children = [
        f"<label htmlFor={{fieldId}}>{label}</label>",
        *element("input", attrs, []),
        *after,
        *extras(p),
    ]
    return Markup(setup, element("div", root, children))


def _options(p: Parts) -> Prop | None:
    options = p.model.options_prop
    if options is not None:
        p.props.add(options.name)
    return options


def _select(p: Parts) -> Markup:
    setup, attrs, after = _field_setup(p, "HTMLSelectElement")
    options = _options(p)
    label = text_expr(p)
    option_lines: list[str] = []
    if options is not None:
        attrs.append(f"defaultValue={{{options.name}}}")
        option_lines = [
            f"<option key={{{js_string(v)}}} value={{{js_string(v)}}}>{{{js_string(v)}}}</option>"
            for v in options.values
        ]
    root = [root_attrs(p)[0], COLUMN_STYLE]
    children = [
        f"<label htmlFor={{fieldId}}>{label}</label>",
        *element("select", attrs, option_lines),
        *after,
        *extras(p),
    ]
    return Markup(setup, element("div", [*root, *data_attrs(p)], children))


def _checkbox(p: Parts) -> Markup:
    body = activation(p, "event", native="onChange", value="event.target.checked")
    setup = [
        "const handleChange = (event: React.ChangeEvent<HTMLInputElement>): void => {",
        *("  " + b for b in body),
        "};",
    ]
    attrs = ['type="checkbox"', *aria_label(p)]
    if "checked" in p.model.states:
        p.states.add("checked")
        mixed = "indeterminate" in p.model.states
        aria = 'indeterminate ? "mixed" : checked' if mixed else "checked"
        attrs += ["defaultChecked={checked}", f"aria-checked={{{aria}}}"]
        if mixed:
            p.states.add("indeterminate")
            attrs.append("data-indeterminate={indeterminate || undefined}")
    attrs += state_attr(p, "disabled", "disabled", expr="disabled")
    attrs += ["onChange={handleChange}", *native_handlers(p, skip=("onChange",))]
    children = [*element("input", attrs, []), f"<span>{text_expr(p)}</span>", *extras(p)]
    return Markup(setup, element("label", [*root_attrs(p), *data_attrs(p)], children))


def _radio(p: Parts) -> Markup:
    options = _options(p)
    values = list(options.values) if options else [p.model.name]
    initial = options.name if options else "undefined"
    body = activation(p, "event", native="onChange", value="event.target.value")
    setup = [
        "const groupName = React.useId();",
        f"const [chosenValue, setChosenValue] = React.useState<string | undefined>({initial});",
        "const handleChange = (event: React.ChangeEvent<HTMLInputElement>): void => {",
        *("  " + b for b in body),
        "  setChosenValue(event.target.value);",
        "};",
    ]
    label = text_expr(p)
    items = []
    for value in values:
        literal = js_string(value)
        attrs = [
            'type="radio"',
            "name={groupName}",
            f"value={{{literal}}}",
            f"checked={{chosenValue === {literal}}}",
            f"aria-checked={{chosenValue === {literal}}}",
        ]
        attrs += state_attr(p, "disabled", "disabled", expr="disabled")
        attrs += ["onChange={handleChange}", *native_handlers(p, skip=("onChange",))]
        items += element("label", [], [*element("input", attrs, []), f"{{{literal}}}"])
    p.states.add("checked")  # each radio carries its own checked state
    group = [*root_attrs(p), 'role="radiogroup"', *aria_label(p), *data_attrs(p)]
    if not p.model.wants_aria_label:
        group.append("aria-label={" + label.strip("{}") + "}")
    return Markup(setup, element("div", group, [*items, *extras(p)]))


def _switch(p: Parts) -> Markup:
    p.states.add("checked")
    initial = "checked" if "checked" in p.model.states else "false"
    body = activation(p, "event", native="onClick", value="nextOn")
    setup = [
        f"const [isOn, setIsOn] = React.useState<boolean>({initial});",
        "const handleClick = (event: React.MouseEvent<HTMLButtonElement>): void => {",
        "  const nextOn = !isOn;",
        *("  " + b for b in body if not b.startswith("if")),
        "  setIsOn(nextOn);",
        "};",
    ]
    guard = [b for b in body if b.startswith("if")]
    if guard:
        setup.insert(2, "  " + guard[0])
    attrs = [
        'type="button"',
        'role="switch"',
        "aria-checked={isOn}",
        *root_attrs(p),
        *aria_label(p),
    ]
    attrs += state_attr(p, "disabled", "disabled", expr="disabled")
    attrs += ["onClick={handleClick}", *native_handlers(p, skip=("onClick",)), *data_attrs(p)]
    children = ['<span aria-hidden="true">{isOn ? "On" : "Off"}</span>', text_expr(p)]
    description = next((n for n in ("description", "helperText") if p.model.prop(n)), None)
    if description is not None or "aria-describedby" in p.model.accessibility:
        setup.insert(0, "const descriptionId = React.useId();")
        attrs.append("aria-describedby={descriptionId}")
        text = "{" + description + "}" if description else '{""}'
        if description is not None:
            p.props.add(description)
        children.append(f"<span id={{descriptionId}} style={{styles.muted}}>{text}</span>")
    children += extras(p)
    return Markup(setup, element("button", attrs, children))


def _tabs(p: Parts) -> Markup:
    options = _options(p)
    values = list(options.values) if options else ["First", "Second"]
    literal = "[" + ", ".join(js_string(v) for v in values) + "]"
    body = activation(p, "event", native="onClick", value="tabItems[index]")
    initial = f"Math.max(0, tabItems.indexOf({options.name}))" if options else "0"
    setup = [
        f"const tabItems: readonly string[] = {literal};",
        "const baseId = React.useId();",
        f"const [activeIndex, setActiveIndex] = React.useState<number>({initial});",
        "const selectTab = (index: number): void => {",
        *("  " + b for b in body if "event" not in b),
        "  setActiveIndex(index);",
        "};",
        "const handleKeyDown = (event: React.KeyboardEvent<HTMLDivElement>): void => {",
        '  const step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;',
        '  if (event.key === "Home") selectTab(0);',
        '  if (event.key === "End") selectTab(tabItems.length - 1);',
        "  if (step !== 0) {",
        "    event.preventDefault();",
        "    selectTab((activeIndex + step + tabItems.length) % tabItems.length);",
        "  }",
        "};",
    ]
    p.states.add("selected")
    tab_attrs = [
        'type="button"',
        'role="tab"',
        "id={`${baseId}-tab-${index}`}",
        "aria-selected={index === activeIndex}",
        "aria-controls={`${baseId}-panel-${index}`}",
        "tabIndex={index === activeIndex ? 0 : -1}",
    ]
    tab_attrs += state_attr(p, "disabled", "disabled", expr="disabled")
    clicks = [e for e in p.model.events if e.native and e.name == "onClick"]
    click = (
        "(event) => { " + " ".join(f"{e.name}?.(event);" for e in clicks) + " selectTab(index); }"
    )
    tab_attrs += [f"onClick={{{click}}}", *native_handlers(p, skip=("onClick", "onKeyDown"))]
    tab = element("button", ["key={tab}", *tab_attrs], ["{tab}"])
    tablist = ['role="tablist"', *aria_label(p), "onKeyDown={handleKeyDown}"]
    children = [
        *element(
            "div", tablist, ["{tabItems.map((tab, index) => (", *("  " + t for t in tab), "))}"]
        ),
        *element(
            "div",
            [
                'role="tabpanel"',
                "id={`${baseId}-panel-${activeIndex}`}",
                "aria-labelledby={`${baseId}-tab-${activeIndex}`}",
            ],
            ["{tabItems[activeIndex]}", *extras(p)],
        ),
    ]
    root = [root_attrs(p)[0], COLUMN_STYLE]
    return Markup(setup, element("div", [*root, *data_attrs(p)], children))


def _badge(p: Parts) -> Markup:
    attrs = [*root_attrs(p), *aria_label(p), *role_attr(p, None)]
    count = p.model.prop("count")
    children = [text_expr(p)] if p.model.text_prop or count is None else []
    if count is not None:
        p.props.add("count")
        children.append("{count}")
    setup: list[str] = []
    if p.model.events:
        # A clickable badge acts as a button: focusable, and Enter/Space do what a click does.
        body = activation(p, "event", native="onClick")
        setup = [
            "const activate = (): void => {",
            *("  " + b for b in body if "event" not in b),
            "};",
            "const handleClick = (event: React.MouseEvent<HTMLSpanElement>): void => {",
            *(f"  {e.name}?.(event);" for e in p.model.events if e.name == "onClick"),
            "  activate();",
            "};",
            *keydown_activates(target="HTMLSpanElement"),
        ]
        if not any(a.startswith("role=") for a in attrs):
            attrs.append('role="button"')
        attrs += ["tabIndex={0}", "onClick={handleClick}", "onKeyDown={handleKeyDown}"]
        attrs += native_handlers(p, skip=("onClick", "onKeyDown"))
    return Markup(setup, element("span", [*attrs, *data_attrs(p)], children + extras(p)))


def _alert(p: Parts) -> Markup:
    severity = p.model.prop("severity")
    polite = "status" in p.model.roles and "alert" not in p.model.roles
    role = "{" + js_string("status" if polite else "alert") + "}"
    if severity is not None and not p.model.roles:
        # No role asked for: an "info" message is announced politely, the rest assertively.
        p.props.add("severity")
        role = '{severity === "info" ? "status" : "alert"}' if "info" in severity.values else role
    # Any event needs a control to fire it: the dismiss button.
    dismissible = "dismissible" in p.model.states or bool(p.model.events)
    setup = ["const [isShown, setIsShown] = React.useState<boolean>(true);"]
    children = [f"<strong>{text_expr(p)}</strong>", *extras(p)]
    if dismissible:
        body = activation(p, "event", native="onClick")
        setup += [
            "const handleDismiss = (event: React.MouseEvent<HTMLButtonElement>): void => {",
            *("  " + b for b in body),
            "  setIsShown(false);",
            "};",
        ]
        show = "dismissible" if "dismissible" in p.model.states else "true"
        p.states.add("dismissible")
        button = element(
            "button",
            [
                'type="button"',
                'aria-label="Dismiss"',
                "onClick={handleDismiss}",
                *native_handlers(p, skip=("onClick",)),
            ],
            ['{"\u00d7"}'],
        )
        children += [f"{{{show} ? (", *("  " + b for b in button), ") : null}"]
    setup.append("if (!isShown) return <></>;")
    attrs = [*root_attrs(p), f"role={role}", *aria_label(p), *data_attrs(p)]
    return Markup(setup, element("div", attrs, children))


TEMPLATES: dict[str, Callable[[Parts], Markup]] = {
    "button": _button,
    "card": _card,
    "input": _input,
    "select": _select,
    "checkbox": _checkbox,
    "radio": _radio,
    "switch": _switch,
    "tabs": _tabs,
    "badge": _badge,
    "alert": _alert,
}


def markup_for(model: ComponentModel, cls: str) -> Markup:
    return TEMPLATES[model.component_type](Parts(model, cls))
