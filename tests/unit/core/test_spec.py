"""The job contract rejects what could break out of generated code, and names the field."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from core.spec import COMPONENT_TYPES, JobSpec


def make_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "component_name": "PrimaryButton",
        "component_type": "button",
        "source": {"figma_file_key": "abc123"},
        "tokens": {"colors": {"primary": "#0055ff"}},
    }
    body.update(overrides)
    return body


def error_fields(body: dict[str, Any]) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        JobSpec.model_validate(body)
    return [".".join(str(p) for p in e["loc"]) for e in caught.value.errors()]


@pytest.mark.parametrize("component_type", COMPONENT_TYPES)
def test_every_component_type_is_accepted(component_type: str) -> None:
    assert JobSpec.model_validate(make_body(component_type=component_type))


@pytest.mark.parametrize(
    "name", ["primaryButton", "Primary Button", "Primary-Button", "", "A" * 65, "X</script>"]
)
def test_component_name_must_be_pascal_case(name: str) -> None:
    assert error_fields(make_body(component_name=name)) == ["component_name"]


def test_unknown_component_type() -> None:
    assert error_fields(make_body(component_type="carousel")) == ["component_type"]


def test_unknown_fields_are_refused() -> None:
    assert error_fields(make_body(colour="red")) == ["colour"]


@pytest.mark.parametrize(
    "source",
    [{}, {"figma_file_key": "a", "screenshot_sha256": "0" * 64}, {"screenshot_sha256": "xyz"}],
)
def test_source_needs_exactly_one_valid_identity(source: dict[str, Any]) -> None:
    assert error_fields(make_body(source=source))[0].startswith("source")


def test_tokens_required_only_without_a_figma_file() -> None:
    body = make_body(source={"screenshot_sha256": "0" * 64})
    del body["tokens"]
    with pytest.raises(ValidationError, match="tokens: required when the source is a screenshot"):
        JobSpec.model_validate(body)
    body["source"] = {"figma_file_key": "abc123"}
    assert JobSpec.model_validate(body).tokens is None
    body["source"] = {"figma_file": {"document": {"id": "0:0", "children": []}}}
    assert JobSpec.model_validate(body).tokens is None


@pytest.mark.parametrize(
    "value",
    ["red; background: blue", "url(javascript:alert(1))", "}</style>", "a\\62", "expression(x)"],
)
def test_token_values_must_be_plain_css(value: str) -> None:
    assert error_fields(make_body(tokens={"colors": {"primary": value}})) == ["tokens.colors"]


def test_token_values_allow_real_css() -> None:
    tokens = {
        "colors": {"primary": "#0055ff", "overlay": "rgba(0, 0, 0, 0.5)"},
        "typography": {"body": {"fontFamily": "'Inter', sans-serif", "fontSize": "16px"}},
        "spacing": {"md": 12},
        "borderRadius": {"pill": "9999px"},
    }
    assert JobSpec.model_validate(make_body(tokens=tokens)).tokens is not None


@pytest.mark.parametrize("name", ["class", "on-click", "1st", "a b", "constructor", "x" * 65])
def test_prop_names_must_be_safe_identifiers(name: str) -> None:
    fields = error_fields(make_body(requirements={"props": [{"name": name}]}))
    assert fields == ["requirements.props"]


def test_duplicate_prop_names_are_refused() -> None:
    props = [{"name": "label"}, {"name": "label"}]
    assert error_fields(make_body(requirements={"props": props})) == ["requirements.props"]


def test_prop_type_vocabulary() -> None:
    fields = error_fields(make_body(requirements={"props": [{"name": "x", "type": "any"}]}))
    assert fields == ["requirements.props.0.type"]


def test_hostile_descriptions_are_data_not_code() -> None:
    # Free text is allowed (it is emitted only as escaped string literals).
    props = [{"name": "label", "description": '"}; alert(1); //</script>*/${x}'}]
    spec = JobSpec.model_validate(make_body(requirements={"props": props}))
    assert spec.requirements is not None


def test_cache_option_values() -> None:
    assert error_fields(make_body(options={"cache": "sometimes"})) == ["options.cache"]
    assert error_fields(make_body(options={"provider": "gpt"})) == ["options.provider"]
