"""Markup of the form controls: input, select, checkbox, radio, switch."""

from __future__ import annotations

from workers.chain.codegen import markup
from workers.chain.codegen.markup import Markup, Parts, Scope
from workers.chain.codegen.tsx import js_string


def field_setup(p: Parts, target: str) -> tuple[list[str], list[str], list[str]]:
    """Label id, helper text and error wiring shared by input and select."""
    setup = ["const fieldId = React.useId();", "const helperId = `${fieldId}-helper`;"]
    helper = next((n for n in ("helperText", "description", "hint") if p.model.prop(n)), None)
    scope = Scope(event=("ChangeEvent", target), string="event.target.value")
    body = markup.activation(p, scope, native="onChange")
    setup += [
        f"const handleChange = (event: React.ChangeEvent<{target}>): void => {{",
        *("  " + b for b in body),
        "};",
    ]
    attrs = ["id={fieldId}", *markup.aria_label(p)]
    if "aria-labelledby" in p.model.accessibility:
        attrs.append("aria-labelledby={`${fieldId}-label`}")
    attrs += markup.state_attr(p, "disabled", "disabled", expr="{}")
    attrs += markup.state_attr(p, "required", "required", expr="{}")
    attrs += markup.state_attr(p, "error", "aria-invalid")
    after = []
    error = markup.flag(p, "error")
    if helper is not None or "aria-describedby" in p.model.accessibility:
        attrs.append("aria-describedby={helperId}")
        if helper is not None:
            p.props.add(helper)
            after.append(
                f"<p id={{helperId}} style={{{error} ? styles.danger : styles.muted}}>"
                f"{{{helper}}}</p>"
                if error is not None
                else f"<p id={{helperId}} style={{styles.muted}}>{{{helper}}}</p>"
            )
        else:
            after.append('<p id={helperId} hidden>{""}</p>')
    attrs += ["onChange={handleChange}", *markup.native_handlers(p, skip=("onChange",))]
    attrs += markup.aria_states(p, attrs)
    return setup, attrs, after


def field_label(label: str, p: Parts) -> str:
    labelled = "aria-labelledby" in p.model.accessibility
    label_id = " id={`${fieldId}-label`}" if labelled else ""
    return f"<label htmlFor={{fieldId}}{label_id}>{label}{required_mark(p)}</label>"


def required_mark(p: Parts) -> str:
    """The usual asterisk after a required field's label (the control says it to
    assistive technology itself)."""
    required = markup.flag(p, "required")
    if required is None:
        return ""
    return f'{{{required} ? <span aria-hidden="true">{{" *"}}</span> : null}}'


def input_field(p: Parts) -> Markup:
    setup, attrs, after = field_setup(p, "HTMLInputElement")
    label = markup.text_expr(p)
    kind = p.model.prop("type")
    if kind is not None and kind.kind in ("string", "enum"):
        p.props.add("type")
        attrs = ["type={type}", *attrs]
    else:
        attrs = ['type="text"', *attrs]
    for name in ("placeholder", "value", "name"):
        if (prop := p.model.prop(name)) is not None and prop.kind == "string":
            p.props.add(name)
            attrs.append(f"{name}={{{name}}}")
    root = [*markup.root_attrs(p, column=True), *markup.root_handlers(p)]
    root += markup.data_attrs(p)
    children = [
        field_label(label, p),
        *markup.element("input", attrs, []),
        *after,
        *markup.extras(p),
    ]
    return Markup(setup, markup.element("div", root, children))


def select(p: Parts) -> Markup:
    setup, attrs, after = field_setup(p, "HTMLSelectElement")
    options = markup.options_of(p)
    label = markup.text_expr(p)
    option_lines: list[str] = []
    if options is not None:
        attrs.append(f"defaultValue={{{options.name}}}")
        option_lines = [
            f"<option key={{{js_string(v)}}} value={{{js_string(v)}}}>{{{js_string(v)}}}</option>"
            for v in options.values
        ]
    root = [*markup.root_attrs(p, column=True), *markup.root_handlers(p)]
    children = [
        field_label(label, p),
        *markup.element("select", attrs, option_lines),
        *after,
        *markup.extras(p),
    ]
    return Markup(setup, markup.element("div", [*root, *markup.data_attrs(p)], children))


def checkbox(p: Parts) -> Markup:
    scope = Scope(
        event=("ChangeEvent", "HTMLInputElement"),
        boolean="event.target.checked",
        string="event.target.value",
    )
    body = markup.activation(p, scope, native="onChange")
    setup = [
        "const handleChange = (event: React.ChangeEvent<HTMLInputElement>): void => {",
        *("  " + b for b in body),
        "};",
    ]
    attrs = ['type="checkbox"', "style={styles.control}", *markup.aria_label(p)]
    checked = markup.flag(p, "checked")
    if checked is not None:
        mixed = markup.flag(p, "indeterminate")
        aria = f'{mixed} ? "mixed" : {checked}' if mixed else checked
        attrs += [f"defaultChecked={{{checked}}}", f"aria-checked={{{aria}}}"]
        if mixed:
            # A native checkbox shows "mixed" only through its DOM property.
            attrs.append(f"data-indeterminate={{{mixed} || undefined}}")
            attrs.append(
                f"ref={{(current) => {{ if (current) current.indeterminate = {mixed}; }}}}"
            )
    attrs += markup.state_attr(p, "disabled", "disabled", expr="{}")
    attrs += markup.state_attr(p, "required", "required", expr="{}")
    attrs += ["onChange={handleChange}", *markup.native_handlers(p, skip=("onChange",))]
    attrs += markup.aria_states(p, attrs)
    children = [
        *markup.element("input", attrs, []),
        f"<span>{markup.text_expr(p)}{required_mark(p)}</span>",
        *markup.extras(p),
    ]
    root = [*markup.root_attrs(p), *markup.root_handlers(p), *markup.data_attrs(p)]
    return Markup(setup, markup.element("label", root, children))


def radio(p: Parts) -> Markup:
    options = markup.options_of(p)
    values = list(options.values) if options else ["First", "Second"]
    initial = options.name if options else "undefined"
    scope = Scope(event=("ChangeEvent", "HTMLInputElement"), string="event.target.value")
    body = markup.activation(p, scope, native="onChange")
    setup = [
        "const groupName = React.useId();",
        f"const [chosenValue, setChosenValue] = React.useState<string | undefined>({initial});",
        "const handleChange = (event: React.ChangeEvent<HTMLInputElement>): void => {",
        *("  " + b for b in body),
        "  setChosenValue(event.target.value);",
        "};",
    ]
    label = markup.text_expr(p)
    items = []
    for value in values:
        literal = js_string(value)
        attrs = [
            'type="radio"',
            "style={styles.control}",
            "name={groupName}",
            f"value={{{literal}}}",
            f"checked={{chosenValue === {literal}}}",
            f"aria-checked={{chosenValue === {literal}}}",
        ]
        attrs += markup.state_attr(p, "disabled", "disabled", expr="{}")
        attrs += markup.state_attr(p, "required", "required", expr="{}")
        attrs += ["onChange={handleChange}", *markup.native_handlers(p, skip=("onChange",))]
        attrs += markup.aria_states(p, attrs)
        items += markup.element(
            "label", [], [*markup.element("input", attrs, []), f"{{{literal}}}"]
        )
    p.states.add("checked")  # each radio carries its own checked state
    group = [
        *markup.root_attrs(p),
        'role="radiogroup"',
        *markup.aria_label(p),
        *markup.root_handlers(p),
        *markup.data_attrs(p),
    ]
    text = p.model.prop(p.model.text_prop) if p.model.text_prop else None
    caption = []
    if text is not None and text.kind == "node":
        # Content (children) cannot be an aria-label string: it names the group visibly.
        group.append("aria-labelledby={`${groupName}-label`}")
        caption = [f"<span id={{`${{groupName}}-label`}}>{label}</span>"]
    elif not p.model.wants_aria_label:
        group.append("aria-label={" + label.strip("{}") + "}")
    return Markup(setup, markup.element("div", group, [*caption, *items, *markup.extras(p)]))


def switch(p: Parts) -> Markup:
    p.states.add("checked")
    initial = markup.flag(p, "checked") or "false"
    scope = Scope(event=("MouseEvent", "HTMLButtonElement"), boolean="nextOn")
    body = markup.activation(p, scope, native="onClick")
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
        *markup.root_attrs(p),
        *markup.aria_label(p),
    ]
    attrs += markup.state_attr(p, "disabled", "disabled", expr="{}")
    attrs += ["onClick={handleClick}", *markup.native_handlers(p, skip=("onClick",))]
    attrs += markup.aria_states(p, attrs) + markup.data_attrs(p)
    children = ['<span aria-hidden="true">{isOn ? "On" : "Off"}</span>', markup.text_expr(p)]
    description = next((n for n in ("description", "helperText") if p.model.prop(n)), None)
    if description is not None or "aria-describedby" in p.model.accessibility:
        setup.insert(0, "const descriptionId = React.useId();")
        attrs.append("aria-describedby={descriptionId}")
        text = "{" + description + "}" if description else '{""}'
        if description is not None:
            p.props.add(description)
        children.append(f"<span id={{descriptionId}} style={{styles.muted}}>{text}</span>")
    children += markup.extras(p)
    return Markup(setup, markup.element("button", attrs, children))
