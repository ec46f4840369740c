"""Tokens as CSS custom properties and styling roles, for the groups ComponentForge's own
exemplars use (nested colours, borders, sizes, typography named by what it is)."""

from __future__ import annotations

import json

import pytest

from core.spec import JobSpec
from core.tokens import Tokens
from tests.unit.core.exemplar_tokens import EXEMPLAR_TOKENS
from workers.chain import run_chain
from workers.chain.codegen.token_styles import token_vars
from workers.chain.inputs.w3c_tokens import to_w3c


def vars_of(exemplar: str) -> tuple[dict[str, str | int | float], dict[str, str], dict[str, str]]:
    tokens = token_vars(Tokens.model_validate(EXEMPLAR_TOKENS[exemplar]))
    return tokens.declarations, tokens.roles, tokens.font


def test_nested_colour_groups_are_declared_and_fill_roles() -> None:
    declarations, roles, _ = vars_of("alert")
    assert declarations["--cf-color-info-background"] == "#EFF6FF"
    assert declarations["--cf-color-error-text"] == "#991B1B"
    assert roles["surface"] == "var(--cf-color-info-background)"  # info: the default group
    assert roles["text"] == "var(--cf-color-info-text)"
    assert roles["danger"] == "var(--cf-color-error-text)"
    assert roles["success"] == "var(--cf-color-success-text)"
    assert roles["warning"] == "var(--cf-color-warning-text)"


def test_borders_give_a_radius_and_a_border_width() -> None:
    declarations, roles, _ = vars_of("card")
    assert declarations["--cf-radius-border"] == "8px"
    assert declarations["--cf-border-width"] == "1px"
    assert roles["radius"] == "var(--cf-radius-border)"
    assert roles["border-width"] == "var(--cf-border-width)"


def test_border_radius_group_wins_over_borders_radius() -> None:
    tokens = Tokens.model_validate({"borderRadius": {"md": 4}, "borders": {"radius": "6px"}})
    assert token_vars(tokens).roles["radius"] == "var(--cf-radius-md)"


def test_sizes_are_declared_with_a_size_role() -> None:
    declarations, roles, _ = vars_of("checkbox")
    assert declarations["--cf-size-checkbox"] == "16px"
    assert roles["size"] == "var(--cf-size-checkbox)"
    assert roles["text"] == "var(--cf-color-label)"


def test_typography_named_by_property_sets_that_property() -> None:
    declarations, _, font = vars_of("card")
    assert declarations["--cf-font-title-weight"] == "600"
    assert font == {"fontSize": "var(--cf-font-body-size)",
                    "fontWeight": "var(--cf-font-body-weight)"}  # fmt: skip
    _, roles, _ = vars_of("alert")
    assert roles["spacing"] == "var(--cf-spacing-padding)"
    assert roles["gap"] == "var(--cf-spacing-gap)"


def test_a_font_shorthand_token_still_sets_font() -> None:
    tokens = Tokens.model_validate({"typography": {"h1": "bold 20px 'A b'"}})
    assert token_vars(tokens).font == {"font": "var(--cf-font-h1)"}


def test_bare_numbers_are_pixels_only_where_they_mean_pixels() -> None:
    body = {"fontSize": 14, "lineHeight": 1.5, "fontWeight": 600}
    tokens = Tokens.model_validate(
        {"sizes": {"icon": 16}, "borders": {"width": 1}, "typography": {"body": body}}
    )
    declarations = token_vars(tokens).declarations
    assert declarations["--cf-size-icon"] == "16px"
    assert declarations["--cf-border-width"] == "1px"
    assert declarations["--cf-font-body-font-size"] == "14px"
    assert declarations["--cf-font-body-line-height"] == 1.5
    assert declarations["--cf-font-body-font-weight"] == 600


def test_w3c_export_has_the_new_groups() -> None:
    w3c = to_w3c(Tokens.model_validate(EXEMPLAR_TOKENS["alert"] | {"sizes": {"box": 16}}))
    assert w3c["color"]["info"]["background"] == {"$type": "color", "$value": "#EFF6FF"}
    assert w3c["border"]["width"] == {"$type": "dimension", "$value": "1px"}
    assert w3c["size"]["box"] == {"$type": "dimension", "$value": "16px"}
    assert w3c["typography"]["titleWeight"] == {"$type": "fontWeight", "$value": "600"}


@pytest.mark.parametrize("exemplar", sorted(EXEMPLAR_TOKENS))
def test_exemplar_tokens_drive_a_whole_job(exemplar: str) -> None:
    spec = JobSpec.model_validate(
        {"component_name": "Sample", "component_type": exemplar,
         "source": {"figma_file_key": "k"}, "tokens": EXEMPLAR_TOKENS[exemplar]}
    )  # fmt: skip
    result = run_chain(spec)
    saved = json.loads(result.files["tokens.json"], parse_constant=pytest.fail)
    assert saved["tokens"] == Tokens.model_validate(EXEMPLAR_TOKENS[exemplar]).model_dump()
    component = result.files["component.tsx"].decode()
    assert 'borderRadius: "var(--cf-radius-border)"' in component
