"""The template chain: every type, real TSX, requirements implemented, safe from input."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import tree_sitter_typescript
from pydantic import ValidationError
from tree_sitter import Language, Parser

from core.spec import COMPONENT_TYPES, JobSpec
from workers.chain import ARTIFACT_NAMES, STEP_NAMES, run_chain
from workers.chain.codegen.tsx import js_string
from workers.chain.quality.report_html import render_report

# Every way out of a JS string, a JSX expression, a comment or a <script>; "zqx" marks
# the text so a test can look for it outside string literals.
HOSTILE = "zqx \"q\" 's' `t` ${x} {zqx} </script> */ /* \u2028 \u2029 \\ zqx\nzqx & <b>"


def make_spec(**overrides: Any) -> JobSpec:
    body: dict[str, Any] = {
        "component_name": "PrimaryButton",
        "component_type": "button",
        "source": {"figma_file_key": "abc123"},
        "tokens": {
            "colors": {"primary": "#2563eb", "on-primary": "#ffffff", "border": "#d1d5db"},
            "typography": {"body": {"fontFamily": "Inter, sans-serif", "fontSize": "16px"}},
            "spacing": {"md": "12px"},
            "borderRadius": {"md": "8px"},
        },
        "requirements": {
            "props": [
                {"name": "label", "type": "string", "required": True},
                {"name": "variant", "values": ["primary", "secondary", "ghost"]},
            ],
            "events": [{"name": "onClick"}],
            "states": [{"name": "disabled"}, {"name": "loading"}],
            "accessibility": [{"name": "aria-label"}, {"name": "keyboard"}],
        },
    }
    body.update(overrides)
    return JobSpec.model_validate(body)


def parse_errors(source: bytes) -> list[str]:
    tree = Parser(Language(tree_sitter_typescript.language_tsx())).parse(source)
    found: list[str] = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            found.append(f"{node.type} at {node.start_point}")
        stack.extend(node.children)
    return found


@pytest.mark.parametrize("component_type", COMPONENT_TYPES)
def test_every_type_gives_parseable_code_that_implements_its_requirements(
    component_type: str,
) -> None:
    result = run_chain(make_spec(component_type=component_type, component_name="ThingWidget"))

    assert set(result.files) == set(ARTIFACT_NAMES)
    assert parse_errors(result.files["component.tsx"]) == []
    assert parse_errors(result.files["stories.tsx"]) == []
    component = result.files["component.tsx"].decode()
    assert "export interface ThingWidgetProps {" in component
    assert re.search(r"^\s+label: string;$", component, re.MULTILINE)
    assert "export default ThingWidget;" in component
    assert result.quality["tsx_parses"] == {"component.tsx": True, "stories.tsx": True}
    assert result.quality["requirements"]["missing"] == []
    assert result.pattern_id.startswith(component_type)
    assert set(result.timings_ms) == set(STEP_NAMES)


def test_tokens_become_css_variables_used_by_styles() -> None:
    result = run_chain(make_spec())
    component = result.files["component.tsx"].decode()
    assert '"--cf-color-primary": "#2563eb"' in component
    assert 'backgroundColor: "var(--cf-color-primary)"' in component
    assert "--cf-color-primary" in result.quality["tokens"]["applied"]
    tokens = json.loads(result.files["tokens.json"])
    assert tokens["tokens"]["colors"]["primary"] == "#2563eb"


def test_events_states_and_aria_are_wired() -> None:
    component = run_chain(make_spec()).files["component.tsx"].decode()
    assert "onClick?: (event: React.MouseEvent<HTMLButtonElement>) => void;" in component
    assert "onClick?.(event);" in component
    assert "if (disabled || loading) return;" in component
    assert "aria-disabled={disabled || undefined}" in component
    assert "aria-busy={loading || undefined}" in component
    assert "aria-label={ariaLabel ?? label}" in component


def test_one_story_per_enum_value_and_state() -> None:
    stories = run_chain(make_spec()).files["stories.tsx"].decode()
    exports = re.findall(r"^export const (\w+): Story", stories, re.MULTILINE)
    assert exports == [
        "Default",
        "VariantPrimary",
        "VariantSecondary",
        "VariantGhost",
        "Disabled",
        "Loading",
    ]
    # Text from the prop, not the component's own name; the enum's default in the meta.
    assert 'args: { label: "Label", variant: "primary" }' in stories
    assert "Primary Button" not in stories
    assert "satisfies Meta<typeof PrimaryButton>" in stories


def test_requirements_are_proposed_when_absent() -> None:
    result = run_chain(make_spec(component_type="switch", requirements=None))
    requirements = json.loads(result.files["requirements.json"])
    assert requirements["origin"] == "proposed by template"
    assert requirements["requirements"]["events"] == [{"name": "onToggle"}]
    assert 'role="switch"' in result.files["component.tsx"].decode()
    assert result.quality["requirements"]["missing"] == []


def outside_strings(source: bytes) -> str:
    """The source with the content of every string literal blanked, comments kept."""
    data = bytearray(source)
    tree = Parser(Language(tree_sitter_typescript.language_tsx())).parse(source)
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == "string":
            data[node.start_byte + 1 : node.end_byte - 1] = b" " * (
                node.end_byte - node.start_byte - 2
            )
        else:
            stack.extend(node.children)
    return data.decode()


@pytest.mark.parametrize("component_type", COMPONENT_TYPES)
def test_hostile_strings_stay_inside_string_literals(component_type: str) -> None:
    # Given hostile text in a description and in enum values (options, tabs, variants)
    spec = make_spec(
        component_type=component_type,
        requirements={
            "props": [
                {"name": "label", "type": "string", "required": True, "description": HOSTILE},
                {"name": "choice", "values": [HOSTILE, "plain", "{label}"]},
            ],
            "events": [{"name": "onClick", "description": HOSTILE}],
            "states": [{"name": "disabled", "description": HOSTILE}],
        },
    )
    # When the chain runs
    result = run_chain(spec)
    # Then the code parses, the text is only ever a string literal, and nothing it
    # contains confuses the checks
    for name in ("component.tsx", "stories.tsx"):
        source = result.files[name]
        assert parse_errors(source) == [], name
        text = source.decode()
        assert "zqx" not in outside_strings(source), name
        assert "</script>" not in text and "*/" not in text and "\u2028" not in text
        assert "\u2029" not in text and "`t`" not in text and "${x}" not in text
        assert js_string(HOSTILE) in text, name
    assert result.quality["requirements"]["missing"] == []
    stories = result.files["stories.tsx"].decode()
    exports = re.findall(r"^export const (\w+): Story", stories, re.MULTILINE)
    assert len(exports) == len(set(exports)) == 1 + 3 + 1  # Default, 3 values, disabled
    assert all(re.fullmatch(r"[A-Z][A-Za-z0-9]*", e) for e in exports)


def test_report_escapes_input_and_shows_checks() -> None:
    # Given a requirement the chain cannot verify automatically
    spec = make_spec(
        requirements={
            "props": [{"name": "label", "type": "string"}],
            "accessibility": [{"name": "announce changes"}],
        },
    )
    # When the chain runs, Then the report is one self-contained page listing every check
    report = run_chain(spec).files["quality-report.html"].decode()
    assert report.startswith("<!doctype html>")
    assert "<script" not in report and "src=" not in report and "href=" not in report
    assert "prop: label" in report
    assert "accessibility: announce changes" in report
    assert "not verifiable" in report  # reported as such, not as passed


def test_report_html_escapes_every_string() -> None:
    # Given hostile text in every field the report shows (check names and details can
    # carry input: tsc diagnostics quote enum values)
    quality: dict[str, Any] = {
        "score": 0.5,
        "passed": False,
        "tsx_parses": {HOSTILE: True},
        "requirements": {"total": 1, "implemented": 0, "missing": [HOSTILE]},
        "tokens": {"applied": [HOSTILE], "unused": [HOSTILE], "adherence": {"raw": [HOSTILE]}},
        "typescript": {"checked": False, "reason": HOSTILE},
        "checks": [{"name": HOSTILE, "passed": False, "detail": HOSTILE}],
    }
    # When it is rendered
    report = render_report(
        component_name=HOSTILE,
        component_type=HOSTILE,
        quality=quality,
        pattern_id=HOSTILE,
        candidates=[(HOSTILE, 1.0)],
        notes=[HOSTILE],
    )
    # Then no input markup survives, only its escaped text
    assert "<b>" not in report and "</script>" not in report and '"q"' not in report
    assert report.count("&lt;b&gt;") >= 10
    assert "&lt;/script&gt;" in report


def test_same_input_gives_byte_identical_artifacts() -> None:
    first = run_chain(make_spec(component_type="tabs", requirements=None))
    second = run_chain(make_spec(component_type="tabs", requirements=None))
    assert first.files == second.files


def test_names_clashing_with_generated_code_are_refused() -> None:
    # Refused when the job is validated (a 422 at the API), not when a worker runs it.
    with pytest.raises(ValidationError, match="styles"):
        make_spec(requirements={"props": [{"name": "styles", "type": "string"}]})


def test_steps_are_reported_in_order() -> None:
    seen: list[str] = []
    run_chain(make_spec(), on_step=seen.append)
    assert tuple(seen) == STEP_NAMES
