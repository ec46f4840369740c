"""The Tokens model: the groups ComponentForge uses, each value checked by its group's
grammar, numbers that JSON can carry, errors that name the group and the token."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from core.spec import JobSpec
from core.tokens import Tokens
from tests.unit.core.exemplar_tokens import EXEMPLAR_TOKENS


def refusal(tokens: dict[str, Any]) -> tuple[str, str]:
    """(field, message) of the one error a job with these tokens gets."""
    body = {"component_name": "Box", "component_type": "card",
            "source": {"figma_file_key": "k"}, "tokens": tokens}  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        JobSpec.model_validate(body)
    [error] = caught.value.errors()
    return ".".join(str(p) for p in error["loc"]), error["msg"].removeprefix("Value error, ")


@pytest.mark.parametrize("exemplar", sorted(EXEMPLAR_TOKENS))
def test_componentforge_exemplar_tokens_are_accepted(exemplar: str) -> None:
    tokens = Tokens.model_validate(EXEMPLAR_TOKENS[exemplar])
    assert tokens.model_dump(exclude_defaults=True) == EXEMPLAR_TOKENS[exemplar]


def test_nested_colours_and_new_groups_are_kept() -> None:
    tokens = Tokens.model_validate(EXEMPLAR_TOKENS["alert"] | {"sizes": {"checkbox": 16}})
    assert tokens.colors["error"] == {"background": "#FEF2F2", "border": "#EF4444",
                                      "text": "#991B1B", "icon": "#EF4444"}  # fmt: skip
    assert tokens.borders == {"radius": "6px", "width": "1px"}
    assert tokens.sizes == {"checkbox": 16}


@pytest.mark.parametrize(
    ("group", "value"),
    [("colors", 'image-set("//host/x.png")'), ("colors", "url(x)"),
     ("colors", "red;background:url(x)"), ("colors", "expression(alert(1))"),
     ("colors", "\\75rl(x)"), ("colors", "var(--x)"), ("spacing", "1px;}"),
     ("shadows", "0 0 1px url(x)"), ("borders", "1px solid var(--x)"),
     ("sizes", "attr(data-x)"), ("borderRadius", "4px /* */")],
)  # fmt: skip
def test_hostile_values_are_refused_naming_group_and_token(group: str, value: str) -> None:
    field, message = refusal({group: {"brand": value}})
    assert field == f"tokens.{group}"
    assert message.startswith(f"brand: {json.dumps(value)} is not ")


def test_a_colour_error_says_what_to_use() -> None:
    assert refusal({"colors": {"brand": "image-set(x)"}}) == (
        "tokens.colors",
        'brand: "image-set(x)" is not a colour (use #rrggbb, rgb(...), hsl(...) or a colour '
        "name): image-set() is not allowed (only rgb(), rgba(), hsl(), hsla())",
    )


def test_nested_tokens_are_named_by_their_path() -> None:
    field, message = refusal({"colors": {"info": {"background": "url(x)"}}})
    assert (field, message.split(":")[0]) == ("tokens.colors", "info.background")


@pytest.mark.parametrize(
    ("tokens", "wanted"),
    [({"typography": {"titleSize": "bold"}}, "titleSize: \"bold\" is not a font size"),
     ({"typography": {"titleWeight": "14px"}}, "titleWeight: \"14px\" is not a font weight"),
     ({"typography": {"body": {"fontFamily": "12px"}}},
      "body.fontFamily: \"12px\" is not a font family"),
     ({"typography": {"h1": "url(x)"}}, "h1: \"url(x)\" is not a typography value"),
     ({"spacing": {"md": "12"}}, "md: \"12\" is not 1 to 4 lengths"),
     ({"shadows": {"sm": "#000"}}, "sm: \"#000\" is not a shadow")],
)  # fmt: skip
def test_typography_and_sizes_follow_what_the_name_says(
    tokens: dict[str, Any], wanted: str
) -> None:
    assert refusal(tokens)[1].startswith(wanted)


@pytest.mark.parametrize(
    ("value", "wanted"),
    [(float("nan"), "is not a finite number"), (float("inf"), "is not a finite number"),
     (float("-inf"), "is not a finite number"), (1e400, "is not a finite number"),
     (10**4000, "numbers must be within ±10000"), (10_001, "numbers must be within ±10000"),
     (True, "not bool"), (None, "not NoneType"), ([1], "not list")],
)  # fmt: skip
def test_numbers_must_be_finite_and_sane(value: Any, wanted: str) -> None:
    # The queue path validates Python objects, where NaN and huge ints do exist.
    for group in ("spacing", "colors", "typography"):
        field, message = refusal({group: {"md": value}})
        assert field == f"tokens.{group}" and wanted in message, message


def test_valid_tokens_always_dump_as_strict_json() -> None:
    tokens = Tokens.model_validate({"spacing": {"md": 12.5, "lg": 10_000}, "typography": {
        "body": {"lineHeight": 1.5, "fontWeight": 600}}})  # fmt: skip
    json.dumps(tokens.model_dump(mode="json"), allow_nan=False)


def test_unknown_groups_are_refused_listing_the_known_ones() -> None:
    field, message = refusal({"colours": {"primary": "#fff"}})
    assert field == "tokens"
    assert message == (
        'unknown token group "colours"; the groups are colors, typography, spacing, '
        "borderRadius, shadows, borders, sizes"
    )


def test_only_colours_and_typography_nest() -> None:
    field, _ = refusal({"spacing": {"padding": {"x": "1px"}}})
    assert field.startswith("tokens.spacing")


def test_a_lone_surrogate_is_refused_not_crashing() -> None:
    assert refusal({"colors": {"brand": "red\ud800"}})[0] == "tokens.colors"
