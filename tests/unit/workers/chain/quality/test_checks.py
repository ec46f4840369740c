"""validate_quality reads the generated code, not the generator's intentions: what it
calls implemented must be in the syntax, and what it cannot judge it says so."""

from __future__ import annotations

from typing import Any

import pytest
import tree_sitter_typescript
from pydantic import ValidationError
from tree_sitter import Language, Parser

from core.requirements import Requirements
from core.spec import COMPONENT_TYPES, JobSpec
from workers.chain import run_chain
from workers.chain.codegen.component_model import GENERATED_NAMES, build_model
from workers.chain.quality.checks import accessibility_checks, check_requirements

TOKENS = {"colors": {"primary": "#2563eb"}, "spacing": {"md": "12px"}}
# Names a function type's parameters use: `(value: string) => void` binds nothing.
TYPE_PARAMETERS = {"value", "checked", "event"}
JSX_TAGS = ("jsx_opening_element", "jsx_closing_element", "jsx_self_closing_element")


def make_spec(component_type: str = "button", **requirements: Any) -> JobSpec:
    return JobSpec.model_validate(
        {
            "component_name": "QualityProbe",
            "component_type": component_type,
            "source": {"figma_file_key": "k"},
            "tokens": TOKENS,
            "requirements": requirements or None,
        }
    )


def identifiers(source: bytes) -> set[str]:
    """Every name the code binds or reads, JSX tag names aside."""
    tree = Parser(Language(tree_sitter_typescript.language_tsx())).parse(source)
    found: set[str] = set()
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        tag = node.parent is not None and node.parent.type in JSX_TAGS
        if node.type in ("identifier", "shorthand_property_identifier_pattern") and not tag:
            assert node.text is not None
            found.add(node.text.decode())
        stack.extend(node.children)
    return found


RICH: dict[str, Any] = {
    "props": [
        {"name": "label", "type": "string", "required": True},
        {"name": "tone", "values": ["info", "danger"]},
        {"name": "count", "type": "number"},
        {"name": "icon", "type": "node"},
        {"name": "onExtra", "type": "function"},
    ],
    "events": [{"name": n} for n in ("click", "onChange", "onFocus", "onKeyDown", "dismiss")],
    "states": [{"name": n} for n in ("disabled", "loading", "error", "checked", "selected")],
    "accessibility": [{"name": "aria-label"}, {"name": "keyboard"}],
}


@pytest.mark.parametrize("component_type", COMPONENT_TYPES)
def test_generated_code_binds_only_names_requirements_cannot_take(component_type: str) -> None:
    # Given a spec that asks for every kind of prop, event and state
    spec = make_spec(component_type, **RICH)
    model = build_model(spec, Requirements.model_validate(RICH))
    own = {p.name for p in model.props} | {e.name for e in model.events} | set(model.states)
    # When the chain writes the component
    source = run_chain(spec).files["component.tsx"]
    # Then every other name in it is one the requirements are refused (GENERATED_NAMES),
    # so a prop can never shadow or redeclare a local or a global the code reads
    unlisted = identifiers(source) - own - GENERATED_NAMES - TYPE_PARAMETERS - {"QualityProbe"}
    assert unlisted == set()


@pytest.mark.parametrize("name", ["shownTab", "isShown", "document", "Math", "styles"])
def test_a_prop_named_like_generated_code_is_refused(name: str) -> None:
    with pytest.raises(ValidationError, match=name):
        make_spec("tabs", props=[{"name": name, "type": "string"}])


@pytest.mark.parametrize("component_type", ["card", "badge", "tabs", "button"])
def test_a_requested_key_handler_is_called_where_the_component_handles_keys(
    component_type: str,
) -> None:
    spec = make_spec(component_type, events=[{"name": "onKeyDown"}, {"name": "click"}])
    result = run_chain(spec)
    component = result.files["component.tsx"].decode()
    assert "onKeyDown?.(event);" in component or "onKeyDown={onKeyDown}" in component
    assert result.quality["requirements"]["missing"] == []


def test_tabs_follow_the_arrow_keys_with_focus() -> None:
    component = run_chain(make_spec("tabs")).files["component.tsx"].decode()
    for key in ("ArrowRight", "ArrowLeft", "Home", "End"):
        assert f'"{key}"' in component
    assert "document.getElementById(`${baseId}-tab-${index}`)?.focus();" in component
    assert "tabIndex={index === shownTab ? 0 : -1}" in component


@pytest.mark.parametrize("component_type", COMPONENT_TYPES)
def test_a_component_without_requirements_passes(component_type: str) -> None:
    spec = make_spec(component_type, props=[])
    quality = run_chain(spec).quality
    assert quality["passed"] is True, quality
    assert quality["requirements"] == {
        "total": 0,
        "implemented": 0,
        "missing": [],
        "origin": "given",
    }


CODE = """import React from "react";

export interface ProbeProps {
  label: string;
  onClick?: (event: React.MouseEvent<HTMLButtonElement>) => void;
}

export function Probe({ label, onClick }: ProbeProps): React.ReactElement {
  const note = "{tone} tone?: onDismiss?.() data-busy= {hidden}";
  return <button type="button" onClick={onClick}>{label}{note}</button>;
}
"""


def test_text_inside_string_literals_never_counts_as_implemented() -> None:
    # Given code whose only mention of tone, onDismiss and busy is inside a string
    requirements = Requirements.model_validate(
        {
            "props": [{"name": "label", "type": "string"}, {"name": "tone", "values": ["a"]}],
            "events": [{"name": "onClick"}, {"name": "onDismiss"}],
            "states": [{"name": "busy"}],
            "accessibility": [{"name": "keyboard"}, {"name": "announce politely"}],
        }
    )
    spec = JobSpec.model_validate(
        {"component_name": "Probe", "component_type": "button",
         "source": {"figma_file_key": "k"}, "tokens": TOKENS,
         "requirements": requirements.model_dump()}
    )  # fmt: skip
    # When its requirements are checked
    checks = {
        c["name"]: c["passed"]
        for c in check_requirements(requirements, build_model(spec, requirements), CODE)
    }
    # Then only what the syntax shows is implemented; the unknowable is neither
    assert checks == {
        "prop: label": True,
        "prop: tone": False,
        "event: onClick": True,
        "event: onDismiss": False,
        "state: busy": False,
        "accessibility: keyboard": True,
        "accessibility: announce politely": None,
    }


def test_accessible_name_needs_text_or_a_label() -> None:
    spec = make_spec("button", props=[])
    model = build_model(spec, Requirements())
    named = accessibility_checks(model, '<button type="button">{"Save"}</button>')
    unnamed = accessibility_checks(
        model, '<button type="button"><span aria-hidden="true">{"x"}</span>{""}</button>'
    )
    assert {c["name"]: c["passed"] for c in named}["a11y: accessible name"] is True
    assert {c["name"]: c["passed"] for c in unnamed}["a11y: accessible name"] is False
