"""component.tsx: the parts every type shares (props interface, token variables, styles,
handlers), around the markup that workers.chain.codegen.type_templates writes per type."""

from __future__ import annotations

from workers.chain.codegen.component_model import ComponentModel
from workers.chain.codegen.looks import axis_styles, state_styles
from workers.chain.codegen.style_axes import Axis, state_looks, style_axes
from workers.chain.codegen.token_styles import TokenVars
from workers.chain.codegen.tsx import js_string, kebab
from workers.chain.codegen.type_templates import Markup, markup_for

FONT_PROPERTIES = ("fontFamily", "fontSize", "fontWeight", "lineHeight", "letterSpacing", "font")


def class_name(model: ComponentModel) -> str:
    return f"cf-{kebab(model.name)}"


def _interface(model: ComponentModel) -> list[str]:
    lines = [f"export interface {model.name}Props {{"]
    for prop in model.props:
        lines.append(f"  {prop.name}{'' if prop.required else '?'}: {prop.ts_type};")
    for event in model.events:
        lines.append(f"  {event.name}{'' if event.required else '?'}: {event.signature};")
    for state in model.states:
        lines.append(f"  {state}?: boolean;")
    lines.append("}")
    return lines


def _token_block(tokens: TokenVars) -> list[str]:
    lines = ["const tokenStyle = {"]
    lines += [f"  {js_string(k)}: {js_string(v)}," for k, v in tokens.declarations.items()]
    lines.append("} as React.CSSProperties;")
    return lines


def _style(entries: dict[str, str]) -> str:
    return "{ " + ", ".join(f"{k}: {js_string(v)}" for k, v in entries.items()) + " }"


def _styles_block(model: ComponentModel, tokens: TokenVars) -> list[str]:
    font = {k: v for k, v in tokens.font.items() if k in FONT_PROPERTIES}
    root = {
        **font,
        "color": tokens.var("foreground", "inherit"),
        "backgroundColor": tokens.var("background", "transparent"),
        "borderColor": tokens.var("border", "currentColor"),
        "borderRadius": tokens.var("radius", "4px"),
        "borderWidth": tokens.var("border-width", "1px"),
        "padding": tokens.var("spacing", "8px"),
        "gap": tokens.var("gap", "4px"),
    }
    if model.component_type in ("card", "input", "select", "checkbox", "radio", "tabs", "alert"):
        root["color"] = tokens.var("text", "inherit")
        root["backgroundColor"] = tokens.var("surface", "transparent")
    if model.component_type in ("button", "switch", "badge"):
        root["borderColor"] = tokens.var("background", "transparent")
    if model.component_type in ("card", "alert") and "shadow" in tokens.roles:
        root["boxShadow"] = tokens.roles["shadow"]
    lines = ["const styles = {", f"  root: {_style(root)},"]
    lines.append(f"  danger: {_style({'color': tokens.var('danger', 'crimson')})},")
    lines.append(f"  muted: {_style({'color': tokens.var('muted', 'gray')})},")
    # A checkbox's or radio's box: the `sizes` group's token when there is one.
    box = tokens.var("size", "1em")
    lines.append(f"  control: {_style({'width': box, 'height': box})},")
    looks = state_styles(model, tokens)
    lines += [f"  {s.look}: {_style(looks[s.look])}," for s in state_looks(model)]
    for axis in style_axes(model):
        lines += _axis_block(axis, model, tokens)
    lines.append(
        "} satisfies Record<string, React.CSSProperties | Record<string, React.CSSProperties>>;"
    )
    return lines


def _axis_block(axis: Axis, model: ComponentModel, tokens: TokenVars) -> list[str]:
    """`variant: {...} satisfies Record<...>,` a style per value of the prop. Values that
    are Object.prototype's names cannot be keys: those keep the base style."""
    styles = axis_styles(axis, model, tokens)
    record = f"Record<NonNullable<{model.name}Props[{js_string(axis.prop.name)}]>, "
    record += "React.CSSProperties>"
    typed = f"as Partial<{record}>" if len(axis.keys) < len(axis.values) else f"satisfies {record}"
    lines = [f"  {axis.key}: {{"]
    lines += [f"    {js_string(v)}: {_style(styles[v])}," for v in axis.keys]
    return [*lines, f"  }} {typed},"]


def _css(model: ComponentModel, tokens: TokenVars) -> str:
    """Rules inline styles cannot express (pseudo-classes). Only var() and fixed text."""
    base = class_name(model)
    focus = tokens.var("focus", "Highlight")
    rules = [f".{base}{{border-style:solid;border-width:1px;display:inline-flex;"
             "align-items:center;box-sizing:border-box}",
             f".{base} [aria-disabled=true],.{base}[aria-disabled=true]"
             "{opacity:0.55;cursor:not-allowed}"]  # fmt: skip
    pseudo = set(model.pseudo_states)
    if pseudo & {"focus", "focus-visible", "focusVisible"} or model.component_type != "badge":
        rules.append(f".{base} :focus-visible,.{base}:focus-visible"
                     f"{{outline:2px solid {focus};outline-offset:2px}}")  # fmt: skip
    if "hover" in pseudo:
        rules.append(f".{base}:hover{{filter:brightness(0.95)}}")
    if "active" in pseudo:
        rules.append(f".{base}:active{{transform:translateY(1px)}}")
    if _has_mixed(model):
        # Set through the DOM property (templates_forms.checkbox): a muted, partial box.
        muted = tokens.var("muted", "gray")
        rules.append(f".{base} input:indeterminate{{accent-color:{muted};opacity:0.8}}")
    return "".join(rules)


def _has_mixed(model: ComponentModel) -> bool:
    names = ("indeterminate", "isIndeterminate")
    flags = set(model.states) | {p.name for p in model.props if p.kind == "boolean"}
    return model.component_type == "checkbox" and bool(flags & set(names))


def _destructure(model: ComponentModel) -> str:
    names = []
    for prop in model.props:
        names.append(f"{prop.name} = {prop.default}" if prop.default else prop.name)
    names += [event.name for event in model.events]
    names += [f"{state} = false" for state in model.states]
    return "{ " + ", ".join(names) + " }" if names else "{}"


def render_component(model: ComponentModel, tokens: TokenVars) -> str:
    markup: Markup = markup_for(model, class_name(model))
    lines = ['import React from "react";', ""]
    lines += _interface(model)
    lines.append("")
    lines += _token_block(tokens)
    lines.append("")
    lines += _styles_block(model, tokens)
    lines.append("")
    lines.append(f"const css = {js_string(_css(model, tokens))};")
    lines.append("")
    lines.append(
        f"export function {model.name}({_destructure(model)}: {model.name}Props): "
        "React.ReactElement {"
    )
    lines += ["  " + line for line in markup.setup]
    lines.append("  return (")
    lines.append("    <>")
    lines.append("      <style>{css}</style>")
    lines += ["      " + line for line in markup.jsx]
    lines.append("    </>")
    lines.append("  );")
    lines.append("}")
    lines.append("")
    lines.append(f"export default {model.name};")
    return "\n".join(lines) + "\n"
