"""ComponentForge's five exemplars (samples/exemplars, from kchia/component-forge) run
through the template chain: the job succeeds, its quality report passes, and the
component and stories pass `tsc --strict`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from core.spec import JobSpec
from tests.unit.workers.chain.quality.test_typecheck import typecheck_or_skip
from workers.chain import run_chain

EXEMPLARS = Path(__file__).resolve().parents[4] / "samples" / "exemplars"
NAMES = ("alert", "button", "card", "checkbox", "input")


def load(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((EXEMPLARS / f"{name}.json").read_text())
    return body


def assert_passes(body: dict[str, Any]) -> None:
    spec = JobSpec.model_validate(body)
    result = run_chain(spec)
    quality = result.quality
    assert quality["typescript"]["checked"], quality["typescript"]
    assert quality["typescript"]["errors"] == {"component.tsx": 0, "stories.tsx": 0}, quality
    assert quality["requirements"]["missing"] == []
    assert quality["score"] == 1.0  # every check that can be judged passed
    assert quality["passed"] is True


@pytest.mark.parametrize("name", NAMES)
def test_exemplar_as_given_passes_quality_and_tsc(name: str) -> None:
    typecheck_or_skip()
    assert_passes(load(name))


def test_requirements_export_sample_uses_the_approved_proposals() -> None:
    typecheck_or_skip()
    body = load("button-export")
    spec = JobSpec.model_validate(body)
    assert spec.component_type == "button"  # from the export's componentType
    assert spec.requirements is not None
    assert [p.name for p in spec.requirements.props] == [
        "variant",
        "size",
        "disabled",
        "children",
    ]  # fullWidth was not approved
    assert [e.name for e in spec.requirements.events] == ["onClick"]
    grouped = JobSpec.model_validate(load("button"))
    assert spec.requirements == grouped.requirements
    assert_passes(body)
