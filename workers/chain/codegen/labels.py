"""Texts the requirements do not give: a component's visible text when it has no text
prop, and the values stories pass. They come from a prop's or event's name or the
component type, never from the component's own name (a code identifier, not something a
user should read) nor from descriptions (which say what a prop is for, and may hold the
name: an L2 rename could not tell it from code). Callers write them through js_string.
"""

from __future__ import annotations

import re

from workers.chain.codegen.component_model import DOM_EVENTS, ComponentModel, Prop

# An input's type -> what its label says.
FIELD_WORDS = {
    "email": "Email address",
    "tel": "Phone number",
    "phone": "Phone number",
    "url": "Website",
    "password": "Password",
    "search": "Search",
    "number": "Number",
    "date": "Date",
    "time": "Time",
    "text": "Text field",
}
# Prop names whose words say less than their sample should.
PROP_WORDS = {
    "email": "Email address",
    "tel": "Phone number",
    "phone": "Phone number",
    "url": "Website",
    "icon": "\u2605",
}
# A component's text when it has no text prop (and a `children` sample), by type. Their
# first words are unlikely component names: an L2 rename refuses code whose texts hold the
# old name (workers.chain.codegen.adapt).
TYPE_TEXT = {
    "button": "Continue",
    "card": "Untitled",
    "input": "Text field",
    "select": "Choose an option",
    "checkbox": "I agree",
    "radio": "Choose one",
    "switch": "Turn on",
    "tabs": "Sections",
    "badge": "New",
    "alert": "Heads up",
}
CONTENT_TEXT = {
    "card": "Details go here.",
    "alert": "Something needs your attention.",
    "tabs": "Panel content",
}
# What a user might type into an input of each type: its story's placeholder.
TYPE_EXAMPLES = {
    "email": "name@example.com",
    "tel": "+1 555 0100",
    "url": "example.com",
    "number": "42",
    "password": "At least 8 characters",
    "search": "Search products",
    "text": "Type here",
}
_NOT_ACTIONS = frozenset(DOM_EVENTS) | {"onChange", "onToggle", "onSelect"}


def humanize_words(name: str) -> str:
    """ "helperText" -> "Helper text", "email" -> "Email address"."""
    if name.lower() in PROP_WORDS:
        return PROP_WORDS[name.lower()]
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).replace("_", " ").split()
    text = " ".join(w.lower() if w[1:].islower() or len(w) == 1 else w for w in words)
    return text[:1].upper() + text[1:]


def sample_text(prop: Prop, model: ComponentModel) -> str:
    """A story's value for a text prop: content for `children`, else its name in words."""
    if prop.name == "children":
        return CONTENT_TEXT.get(model.component_type, fallback_text(model))
    return humanize_words(prop.name)


def type_story_args(model: ComponentModel, prop: Prop, value: str) -> dict[str, str]:
    """An input's `type` stories also show an example placeholder of that type: an empty
    email field looks like an empty text field."""
    placeholder = model.prop("placeholder")
    if model.component_type != "input" or prop.name != "type" or placeholder is None:
        return {}
    if placeholder.kind != "string":
        return {}
    return {"placeholder": TYPE_EXAMPLES.get(value.lower(), humanize_words(value))}


def _action(model: ComponentModel) -> str | None:
    """What a button does, from its first own event ("onSave" -> "Save")."""
    for event in model.events:
        if event.name not in _NOT_ACTIONS and re.match(r"on[A-Z0-9]", event.name):
            return humanize_words(event.name[2:])
    return None


def _input_kind(model: ComponentModel) -> str | None:
    kind = model.prop("type")
    if kind is not None and kind.values and kind.values[0].lower() in FIELD_WORDS:
        return FIELD_WORDS[kind.values[0].lower()]
    return None


def fallback_text(model: ComponentModel) -> str:
    """The visible text of a component without a text prop."""
    kind = model.component_type
    if kind == "button" and (action := _action(model)) is not None:
        return action
    if kind == "input" and (field := _input_kind(model)) is not None:
        return field
    if kind in ("select", "radio") and model.options_prop is not None:
        return humanize_words(model.options_prop.name)
    return TYPE_TEXT[kind]
