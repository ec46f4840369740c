"""Requirements as clients give them: TypeScript types normalized into the model, the
RequirementsExport shape converted, and names that would collide in generated code
refused at validation (a 422), not in a worker."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from core.cache_key import cache_key
from core.requirements import Requirements
from core.spec import JobSpec
from workers.chain import GENERATOR_VERSION


def make_body(requirements: Any, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "component_name": "PrimaryButton",
        "component_type": "button",
        "source": {"figma_file_key": "abc123"},
        "requirements": requirements,
    }
    body.update(overrides)
    return body


def spec_of(requirements: Any, **overrides: Any) -> JobSpec:
    return JobSpec.model_validate(make_body(requirements, **overrides))


def refused(requirements: Any, **overrides: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        spec_of(requirements, **overrides)
    return str(caught.value)


def proposal(category: str, name: str, approved: bool = True, **extra: Any) -> dict[str, Any]:
    return {"id": f"{category}-{name}", "category": category, "name": name,
            "confidence": 0.9, "rationale": "seen", "approved": approved, "edited": False,
            **extra}  # fmt: skip


# --- types ------------------------------------------------------------------------------


def test_a_literal_union_becomes_enum_with_values() -> None:
    spec = spec_of({"props": [{"name": "variant", "type": "'primary' | 'ghost'"}]})
    assert spec.requirements is not None
    [item] = spec.requirements.props
    assert (item.type, item.values) == ("enum", ["primary", "ghost"])


def test_values_that_differ_from_the_literals_are_refused() -> None:
    message = refused({"props": [{"name": "v", "type": "'a' | 'b'", "values": ["a", "c"]}]})
    assert "values" in message and "literals" in message
    same = spec_of({"props": [{"name": "v", "type": "'a' | 'b'", "values": ["a", "b"]}]})
    assert same.requirements is not None


def test_an_unsupported_type_names_the_field_and_the_accepted_forms() -> None:
    with pytest.raises(ValidationError) as caught:
        spec_of({"props": [{"name": "x", "type": "Record<string, any>"}]})
    [error] = caught.value.errors()
    assert error["loc"] == ("requirements", "props", 0, "type")
    assert "a union of string literals ('primary' | 'secondary')" in error["msg"]


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ({"name": "c", "type": "React.ReactNode"}, {"name": "c", "type": "node"}),
        ({"name": "f", "type": "() => void"}, {"name": "f", "type": "function"}),
        ({"name": "v", "type": "'a' | 'b'"}, {"name": "v", "type": "enum", "values": ["a", "b"]}),
        ({"name": "t", "type": "Array<string>"}, {"name": "t", "type": "string[]"}),
        ({"name": "label?", "type": "string"}, {"name": "label", "type": "string | undefined"}),
        ({"name": "label?"}, {"name": "label", "required": False}),
    ],
)
def test_equivalent_inputs_give_equal_specs_and_cache_keys(
    one: dict[str, Any], other: dict[str, Any]
) -> None:
    first, second = spec_of({"props": [one]}), spec_of({"props": [other]})
    assert first == second
    key = cache_key(first, generator_version=GENERATOR_VERSION, source_version="1")
    assert key == cache_key(second, generator_version=GENERATOR_VERSION, source_version="1")


def test_normalized_specs_validate_again_unchanged() -> None:
    # A worker validates the stored spec again: the normalized form must round-trip.
    spec = spec_of(
        {"props": [{"name": "onPick?", "type": "(v: 'a\"b' | 'c', n?: number) => void"}]}
    )
    again = JobSpec.model_validate(spec.model_dump(mode="json"))
    assert again == spec


def test_optional_name_with_required_true_is_refused() -> None:
    message = refused({"props": [{"name": "label?", "type": "string", "required": True}]})
    assert "optional" in message


# --- RequirementsExport -----------------------------------------------------------------


def export(*proposals: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"componentType": "Button", "confidence": 0.92, "requirements": list(proposals),
            "metadata": {"extractedAt": "2025-01-01T00:00:00Z", "source": "screenshot"},
            **fields}  # fmt: skip


def test_an_export_keeps_approved_proposals_in_their_groups() -> None:
    requirements = Requirements.model_validate(
        export(
            proposal("props", "variant", values=["primary", "ghost"]),
            proposal("props", "size", approved=False),
            proposal("events", "onClick", type="(event: React.MouseEvent) => void"),
            proposal("states", "loading", description="spinner"),
            proposal("accessibility", "aria-label", required=True),
        )
    )
    assert [p.name for p in requirements.props] == ["variant"]  # size was not approved
    assert requirements.props[0].values == ["primary", "ghost"]
    assert requirements.events[0].type == "(event: React.MouseEvent) => void"
    assert requirements.states[0].description == "spinner"
    assert requirements.accessibility[0].required is True


def test_a_bare_list_of_proposals_is_an_export_too() -> None:
    spec = spec_of([proposal("props", "label", type="string"), proposal("props", "x", False)])
    assert spec.requirements is not None
    assert [p.name for p in spec.requirements.props] == ["label"]


def test_the_export_names_the_component_type_when_the_job_does_not() -> None:
    body = make_body(export(proposal("props", "label")))
    del body["component_type"]
    assert JobSpec.model_validate(body).component_type == "button"


def test_export_and_job_disagreeing_on_the_type_is_refused() -> None:
    message = refused(export(proposal("props", "label")), component_type="card")
    assert "component_type 'card'" in message and "componentType 'Button'" in message


def test_an_unknown_export_component_type_is_refused() -> None:
    message = refused(export(proposal("props", "label"), componentType="Carousel"))
    assert "Carousel" in message and "Button" in message


@pytest.mark.parametrize(
    "bad",
    [
        proposal("props", "label", colour="red"),
        proposal("widgets", "label"),
        {**proposal("props", "label"), "confidence": 1.5},
        {k: v for k, v in proposal("props", "label").items() if k != "rationale"},
    ],
)
def test_a_proposal_outside_the_export_shape_is_refused(bad: dict[str, Any]) -> None:
    assert "not a valid RequirementsExport" in refused(export(bad))


def test_unknown_export_fields_are_refused() -> None:
    assert "not a valid RequirementsExport" in refused(export(proposal("props", "x"), extra=1))


# --- names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["constructor", "toString", "valueOf", "hasOwnProperty", "isPrototypeOf", "key"]
)
def test_object_prototype_and_react_names_are_refused(name: str) -> None:
    assert "reserved" in refused({"props": [{"name": name}]})


def test_children_is_a_usable_prop() -> None:
    spec = spec_of({"props": [{"name": "children", "type": "React.ReactNode"}]})
    assert spec.requirements is not None and spec.requirements.props[0].name == "children"


@pytest.mark.parametrize(
    ("requirements", "words"),
    [
        (
            {"states": [{"name": "aria-label"}], "accessibility": [{"name": "aria-label"}]},
            ["state 'aria-label'", "ariaLabel", "cannot collide"],
        ),
        (
            {"states": [{"name": "onClick"}], "events": [{"name": "click"}]},
            ["state 'onClick'", "event 'click'"],
        ),
        (
            {"props": [{"name": "onClose", "type": "string"}], "events": [{"name": "onClose"}]},
            ["prop 'onClose'", "function type"],
        ),
        (
            {"props": [{"name": "onPick", "type": "(v: string) => void"}],
             "events": [{"name": "onPick", "type": "(v: number) => void"}]},
            ["different signatures"],
        ),
        (
            {"props": [{"name": "value", "type": "number"}],
             "states": [{"name": "value", "type": "string"}]},
            ["state 'value'", "prop 'value'"],
        ),
        ({"states": [{"name": "shown-tab"}]}, ["shownTab", "rename"]),
        ({"props": [{"name": "styles"}]}, ["styles", "rename"]),
        ({"states": [{"name": "tab-items"}]}, ["state 'tab-items'", "tabItems"]),
        ({"events": [{"name": "onClick", "type": "string"}]}, ["an event's type is a function"]),
    ],
)  # fmt: skip
def test_names_that_would_collide_in_generated_code_are_refused(
    requirements: dict[str, Any], words: list[str]
) -> None:
    message = refused(requirements)
    for word in words:
        assert word in message


@pytest.mark.parametrize(
    "requirements",
    [
        # ComponentForge's alert: onClose as a function prop and as an event is one callback.
        {"props": [{"name": "onClose", "type": "() => void"}],
         "events": [{"name": "onClose", "type": "() => void"}]},
        {"props": [{"name": "onClose"}], "events": [{"name": "close"}]},
        # A boolean state of a prop's name is carried by that prop.
        {"props": [{"name": "disabled", "type": "boolean"}], "states": [{"name": "disabled"}]},
        {"props": [{"name": "value", "type": "string"}],
         "states": [{"name": "value", "type": "string"}]},
        {"states": [{"name": "is-open"}, {"name": "isOpen"}]},
    ],
)  # fmt: skip
def test_requirements_meaning_the_same_prop_are_merged(requirements: dict[str, Any]) -> None:
    assert spec_of(requirements).requirements is not None
