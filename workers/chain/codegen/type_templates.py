"""The markup of each component type, by type name."""

from __future__ import annotations

from collections.abc import Callable

from workers.chain.codegen.component_model import ComponentModel
from workers.chain.codegen.markup import Markup, Parts
from workers.chain.codegen.templates_actions import alert, badge, button, card, tabs
from workers.chain.codegen.templates_forms import checkbox, input_field, radio, select, switch

TEMPLATES: dict[str, Callable[[Parts], Markup]] = {
    "button": button,
    "card": card,
    "input": input_field,
    "select": select,
    "checkbox": checkbox,
    "radio": radio,
    "switch": switch,
    "tabs": tabs,
    "badge": badge,
    "alert": alert,
}


def markup_for(model: ComponentModel, cls: str) -> Markup:
    return TEMPLATES[model.component_type](Parts(model, cls))
