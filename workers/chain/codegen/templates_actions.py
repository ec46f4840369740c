"""Markup of the other types: button, card, tabs, badge, alert."""

from __future__ import annotations

from workers.chain.codegen import markup
from workers.chain.codegen.markup import Markup, Parts, Scope
from workers.chain.codegen.tsx import js_string


def button(p: Parts) -> Markup:
    scope = Scope(event=("MouseEvent", "HTMLButtonElement"))
    body = markup.activation(p, scope, native="onClick")
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
    children.append(markup.text_expr(p))
    if (loading := markup.flag(p, "loading")) is not None:
        children.append(f'{{{loading} ? <span role="status">{{"Loading"}}</span> : null}}')
    attrs = [
        'type="button"',
        *markup.root_attrs(p),
        *markup.aria_label(p),
        *markup.role_attr(p, "button"),
    ]
    attrs += markup.state_attr(p, "disabled", "disabled", expr="{}")
    attrs += markup.state_attr(p, "disabled", "aria-disabled")
    attrs += markup.state_attr(p, "loading", "aria-busy")
    for pressed in ("pressed", "selected"):
        if not any(a.startswith("aria-pressed=") for a in attrs):
            attrs += markup.state_attr(p, pressed, "aria-pressed", expr="{}")
    attrs += markup.aria_states(p, attrs)
    attrs += [
        "onClick={handleClick}",
        *markup.native_handlers(p, skip=("onClick",)),
        *markup.data_attrs(p),
    ]
    return Markup(setup, markup.element("button", attrs, children + markup.extras(p)))


def card(p: Parts) -> Markup:
    interactive = bool(p.model.events) or "keyboard" in p.model.accessibility
    setup = ["const titleId = React.useId();"]
    attrs = [
        *markup.root_attrs(p),
        "aria-labelledby={titleId}",
        *markup.aria_label(p),
        *markup.role_attr(p, "article"),
    ]
    if interactive:
        body = markup.activation(p, Scope())
        setup += ["const activate = (): void => {", *("  " + b for b in body), "};"]
        setup += ["const handleClick = (event: React.MouseEvent<HTMLElement>): void => {"]
        setup += ["  " + c for c in markup.main_event_calls(p, "onClick")]
        setup += ["  activate();", "};", *markup.keydown_activates(p)]
        attrs += ["tabIndex={0}", "onClick={handleClick}", "onKeyDown={handleKeyDown}"]
        attrs += markup.native_handlers(p, skip=("onClick", "onKeyDown"))
    attrs += markup.state_attr(p, "selected", "aria-current", expr='{} ? "true" : undefined')
    attrs += markup.state_attr(p, "disabled", "aria-disabled")
    attrs += markup.aria_states(p, attrs) + markup.data_attrs(p)
    children = []
    media = p.model.prop("media")
    if media is not None:
        p.props.add("media")
        children.append("{media}")
    if p.model.text_prop == "children":
        # The content names the card when it has no title of its own.
        p.props.add("children")
        children.append("<div id={titleId}>{children}</div>")
    else:
        children.append(f"<h3 id={{titleId}}>{markup.text_expr(p)}</h3>")
    footer = p.model.prop("footer")
    if footer is not None:
        p.props.add("footer")
    children += markup.extras(p)
    if footer is not None:
        children.append("{footer !== undefined ? <footer>{footer}</footer> : null}")
    return Markup(setup, markup.element("article", attrs, children))


def tabs(p: Parts) -> Markup:
    options = markup.options_of(p)
    values = list(options.values) if options else ["First", "Second"]
    literal = "[" + ", ".join(js_string(v) for v in values) + "]"
    body = markup.activation(p, Scope(string="tabItems[index]", number="index"))
    initial = f"Math.max(0, tabItems.indexOf({options.name}))" if options else "0"
    setup = [
        f"const tabItems: readonly string[] = {literal};",
        "const baseId = React.useId();",
        f"const [shownTab, setShownTab] = React.useState<number>({initial});",
        "const selectTab = (index: number): void => {",
        *("  " + b for b in body),
        "  setShownTab(index);",
        "};",
        "const focusTab = (index: number): void => {",
        "  selectTab(index);",
        "  document.getElementById(`${baseId}-tab-${index}`)?.focus();",
        "};",
        "const handleKeyDown = (event: React.KeyboardEvent<HTMLDivElement>): void => {",
        '  const arrowStep = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;',
        "  let nextTab = arrowStep === 0 ? -1 : "
        "(shownTab + arrowStep + tabItems.length) % tabItems.length;",
        '  if (event.key === "Home") nextTab = 0;',
        '  if (event.key === "End") nextTab = tabItems.length - 1;',
        "  if (nextTab >= 0) {",
        "    event.preventDefault();",
        "    focusTab(nextTab);",
        "  }",
        "};",
    ]
    p.states.add("selected")
    tab_attrs = [
        'type="button"',
        'role="tab"',
        "id={`${baseId}-tab-${index}`}",
        "aria-selected={index === shownTab}",
        "aria-controls={`${baseId}-panel-${index}`}",
        "tabIndex={index === shownTab ? 0 : -1}",
    ]
    tab_attrs += markup.state_attr(p, "disabled", "disabled", expr="{}")
    clicks = markup.main_event_calls(p, "onClick")
    click = (
        "(event) => { " + " ".join(clicks) + " selectTab(index); }"
        if clicks
        else ("() => selectTab(index)")
    )
    tab_attrs += [f"onClick={{{click}}}", *markup.native_handlers(p, skip=("onClick",))]
    tab = markup.element("button", ["key={tab}", *tab_attrs], ["{tab}"])
    tablist = ['role="tablist"', *markup.aria_label(p), "onKeyDown={handleKeyDown}"]
    children = [
        *markup.element(
            "div", tablist, ["{tabItems.map((tab, index) => (", *("  " + t for t in tab), "))}"]
        ),
        *markup.element(
            "div",
            [
                'role="tabpanel"',
                "id={`${baseId}-panel-${shownTab}`}",
                "aria-labelledby={`${baseId}-tab-${shownTab}`}",
            ],
            ["{tabItems[shownTab]}", *markup.extras(p)],
        ),
    ]
    root = [*markup.root_attrs(p, column=True), *markup.root_handlers(p)]
    root += markup.aria_states(p, root)
    return Markup(setup, markup.element("div", [*root, *markup.data_attrs(p)], children))


def badge(p: Parts) -> Markup:
    attrs = [*markup.root_attrs(p), *markup.aria_label(p), *markup.role_attr(p, None)]
    count = p.model.prop("count")
    children = [markup.text_expr(p)] if p.model.text_prop or count is None else []
    if count is not None:
        p.props.add("count")
        children.append("{count}")
    setup: list[str] = []
    if p.model.events:
        # A clickable badge acts as a button: focusable, and Enter/Space do what a click does.
        body = markup.activation(p, Scope())
        setup = [
            "const activate = (): void => {",
            *("  " + b for b in body),
            "};",
            "const handleClick = (event: React.MouseEvent<HTMLSpanElement>): void => {",
            *("  " + c for c in markup.main_event_calls(p, "onClick")),
            "  activate();",
            "};",
            *markup.keydown_activates(p, target="HTMLSpanElement"),
        ]
        if not any(a.startswith("role=") for a in attrs):
            attrs.append('role="button"')
        attrs += ["tabIndex={0}", "onClick={handleClick}", "onKeyDown={handleKeyDown}"]
        attrs += markup.native_handlers(p, skip=("onClick", "onKeyDown"))
    attrs += markup.aria_states(p, attrs)
    return Markup(
        setup, markup.element("span", [*attrs, *markup.data_attrs(p)], children + markup.extras(p))
    )


def _severity(p: Parts) -> str | None:
    """The enum prop that says how urgent the alert is (severity, or variant with info)."""
    for name in ("severity", "variant"):
        prop = p.model.prop(name)
        if prop is not None and prop.kind == "enum" and "info" in prop.values:
            return name
    return None


def alert(p: Parts) -> Markup:
    roles = [r for r in p.model.roles if r in ("alert", "status")]
    severity = _severity(p)
    if severity is not None and (not roles or set(roles) == {"alert"}):
        # An "info" message is announced politely, the rest assertively.
        p.props.add(severity)
        role = f'{{{severity} === "info" ? "status" : "alert"}}'
        live = f'{severity} === "info" ? "polite" : "assertive"'
    else:
        polite = roles[:1] == ["status"]
        role = "{" + js_string("status" if polite else "alert") + "}"
        live = js_string("polite" if polite else "assertive")
    # Any event needs a control to fire it: the dismiss button.
    dismissible = markup.flag(p, "dismissible")
    setup = ["const [isShown, setIsShown] = React.useState<boolean>(true);"]
    icon = p.model.prop("icon")
    children = []
    if icon is not None and icon.kind == "node":
        p.props.add("icon")
        children.append('<span aria-hidden="true">{icon}</span>')
    children += [f"<strong>{markup.text_expr(p)}</strong>", *markup.extras(p)]
    if dismissible is not None or p.model.events:
        scope = Scope(event=("MouseEvent", "HTMLButtonElement"))
        body = markup.activation(p, scope, native="onClick")
        setup += [
            "const handleDismiss = (event: React.MouseEvent<HTMLButtonElement>): void => {",
            *("  " + b for b in body),
            "  setIsShown(false);",
            "};",
        ]
        button = markup.element(
            "button",
            [
                'type="button"',
                'aria-label="Dismiss"',
                "onClick={handleDismiss}",
                *markup.native_handlers(p, skip=("onClick",)),
            ],
            ['{"\u00d7"}'],
        )
        children += [f"{{{dismissible or 'true'} ? (", *("  " + b for b in button), ") : null}"]
    setup.append("if (!isShown) return <></>;")
    attrs = [*markup.root_attrs(p), f"role={role}", *markup.aria_label(p)]
    attrs += markup.live_region(p, live) + markup.root_handlers(p)
    attrs += markup.aria_states(p, attrs) + markup.data_attrs(p)
    return Markup(setup, markup.element("div", attrs, children))
