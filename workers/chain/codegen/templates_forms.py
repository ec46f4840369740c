"""Markup of the form controls: input, select, checkbox, radio, switch."""

from __future__ import annotations

from workers.chain.codegen.markup import (
    COLUMN_STYLE,
    Markup,
    Parts,
    activation,
    aria_label,
    data_attrs,
    element,
    extras,
    native_handlers,
    options_of,
    root_attrs,
    state_attr,
    text_expr,
)
from workers.chain.codegen.tsx import js_string


def field_setup(p: Parts, target: str) -> tuple[list[str], list[str], list[str]]:
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


def input_field(p: Parts) -> Markup:
    setup, attrs, after = field_setup(p, "HTMLInputElement")
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


def select(p: Parts) -> Markup:
    setup, attrs, after = field_setup(p, "HTMLSelectElement")
    options = options_of(p)
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


def checkbox(p: Parts) -> Markup:
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


def radio(p: Parts) -> Markup:
    options = options_of(p)
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


def switch(p: Parts) -> Markup:
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
