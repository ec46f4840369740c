"""stories.tsx: Storybook CSF3, a story per enum value and per state. Every story passes
sample text for the component's texts, so each shows what a user would read."""

from __future__ import annotations

from workers.chain.codegen.component_model import TEXT_PROPS, ComponentModel, Event, Prop
from workers.chain.codegen.labels import sample_text, type_story_args
from workers.chain.codegen.tsx import js_string, pascal, unique_name

# Optional props shown as text: the stories fill them in too.
SHOWN_TEXT = frozenset(
    (*TEXT_PROPS, "placeholder", "helperText", "description", "hint", "message", "caption")
)


def sample_value(prop: Prop, model: ComponentModel) -> str:
    """A TS expression a story can pass for a prop."""
    if prop.kind == "enum" and prop.values:
        return js_string(prop.values[0])
    return {"number": "1", "boolean": "false", "array": "[]"}.get(
        prop.kind, js_string(sample_text(prop, model))
    )


def meta_args(model: ComponentModel) -> dict[str, str]:
    """What every story passes: required props and callbacks, text props, and each enum's
    default (so the story of a default value has the args Default has: the same story)."""
    args = {
        p.name: sample_value(p, model)
        for p in model.props
        if p.required
        or (p.name in SHOWN_TEXT and p.kind in ("string", "node"))
        or (p.kind == "enum" and p.values)
    }
    return args | {e.name: sample_callback(e) for e in model.events if e.required}


_RETURNS = {
    "void": "undefined", "boolean": "false", "string": '""', "number": "0",
    "Promise<void>": "Promise.resolve()",
}  # fmt: skip


def sample_callback(event: Event) -> str:
    """A function a story can pass for a required callback: ignores its arguments and
    returns a value of the declared return type."""
    return f"() => {_RETURNS[event.fn.returns]}"


def story_names(model: ComponentModel) -> list[tuple[str, dict[str, str]]]:
    """(export name, args) for every story after Default."""
    taken = {"Default", "meta", "Story"}
    stories = []
    for prop in model.props:
        if prop.kind != "enum":
            continue
        for value in prop.values:
            name = unique_name(pascal(f"{prop.name} {value}"), taken)
            extra = {k: js_string(v) for k, v in type_story_args(model, prop, value).items()}
            stories.append((name, {prop.name: js_string(value), **extra}))
    for state in model.states:
        stories.append((unique_name(pascal(state), taken), {state: "true"}))
    return stories


def _args(args: dict[str, str]) -> str:
    return "{ " + ", ".join(f"{k}: {v}" for k, v in args.items()) + " }"


def render_stories(model: ComponentModel) -> str:
    required = meta_args(model)
    lines = [
        'import type { Meta, StoryObj } from "@storybook/react";',
        f'import {{ {model.name} }} from "./component";',
        "",
        "const meta = {",
        f"  title: {js_string('Components/' + model.name)},",
        f"  component: {model.name},",
        f"  args: {_args(required)},",
        f"}} satisfies Meta<typeof {model.name}>;",
        "",
        "export default meta;",
        "type Story = StoryObj<typeof meta>;",
        "",
        "export const Default: Story = {};",
    ]
    for name, args in story_names(model):
        lines.append(f"export const {name}: Story = {{ args: {_args(args)} }};")
    return "\n".join(lines) + "\n"
