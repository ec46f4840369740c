"""Code generated from TypeScript-typed requirements: declared signatures are kept, and
callbacks are attached or called only where the component has values of their types."""

from __future__ import annotations

from typing import Any

from core.spec import JobSpec
from workers.chain import run_chain


def component(component_type: str, requirements: dict[str, Any]) -> str:
    spec = JobSpec.model_validate(
        {
            "component_name": "Probe",
            "component_type": component_type,
            "source": {"figma_file_key": "k"},
            "tokens": {"colors": {"primary": "#2563eb"}},
            "requirements": requirements,
        }
    )
    return run_chain(spec).files["component.tsx"].decode()


def test_a_function_prop_and_an_event_of_one_name_are_one_callback() -> None:
    code = component(
        "alert",
        {"props": [{"name": "onClose", "type": "() => void"}],
         "events": [{"name": "onClose", "type": "() => void"}]},
    )  # fmt: skip
    assert code.count("onClose?: () => void;") == 1
    assert "onClose?.();" in code


def test_a_custom_callback_is_called_with_values_of_its_parameter_types() -> None:
    code = component("checkbox", {"events": [{"name": "onCheckedChange",
                                              "type": "(checked: boolean) => void"}]})  # fmt: skip
    assert "onCheckedChange?: (checked: boolean) => void;" in code
    assert "onCheckedChange?.(event.target.checked);" in code
    pick = {"name": "onPick", "required": True, "type": "(value: string, index?: number) => void"}
    code = component("tabs", {"props": [pick]})
    assert "onPick: (value: string, index?: number) => void;" in code
    assert "onPick?.(tabItems[index], index);" in code


def test_a_dom_event_typed_for_the_outer_element_is_attached_there() -> None:
    code = component(
        "tabs", {"events": [{"name": "onClick",
                             "type": "(event: React.MouseEvent<HTMLDivElement>) => void"}]}
    )  # fmt: skip
    root = code[code.index('className="cf-probe"') : code.index('role="tablist"')]
    assert "onClick={onClick}" in root
    assert "onClick?.(event)" not in code


def test_a_callback_needing_an_event_the_component_lacks_is_declared_not_called() -> None:
    code = component(
        "button", {"events": [{"name": "onClick",
                               "type": "(event: React.MouseEvent<HTMLDivElement>) => void"}]}
    )  # fmt: skip
    assert "onClick?: (event: React.MouseEvent<HTMLDivElement>) => void;" in code
    assert "onClick?.(" not in code and "onClick={onClick}" not in code


def test_children_is_the_content_and_a_typed_state_is_a_prop() -> None:
    code = component("button", {"props": [{"name": "children", "type": "React.ReactNode"}]})
    assert "children?: React.ReactNode;" in code
    button = code[code.index("<button") : code.index("</button>")]
    assert "{children}" in button
    code = component("input", {"states": [{"name": "value", "type": "string"}]})
    assert "value?: string;" in code and "value={value}" in code


def test_literal_unions_and_arrays_are_typed_props() -> None:
    code = component(
        "badge",
        {"props": [{"name": "tone", "type": "'info' | 'warn'"},
                   {"name": "tags", "type": "string[]"}]},
    )  # fmt: skip
    assert 'tone?: "info" | "warn";' in code and 'tone = "info"' in code
    assert "tags?: string[];" in code and 'tags.join(", ")' in code
