"""The demo batch is valid, varied, and ordered so that its repeats hit the L1 cache."""

from __future__ import annotations

import json
from typing import Any

import pytest

from core.spec import JobSpec
from devstack.demo import BATCH, short_url, waves


@pytest.fixture(scope="module")
def batch() -> list[dict[str, Any]]:
    batch: list[dict[str, Any]] = json.loads(BATCH.read_text())
    return batch


def test_every_job_is_a_valid_jobspec(batch: list[dict[str, Any]]) -> None:
    for index, body in enumerate(batch):
        spec = JobSpec.model_validate(body)  # raises, naming the field, when invalid
        assert spec.tokens and spec.requirements, f"job {index} leaves tokens/requirements out"


def test_the_batch_is_varied_and_repeats_itself(batch: list[dict[str, Any]]) -> None:
    assert len(batch) >= 14
    assert len({body["component_type"] for body in batch}) >= 6
    first, repeats = waves(batch)
    assert len(repeats) >= 3
    assert len(first) + len(repeats) == len(batch)
    # Realistic inputs: every token group, enum props with values, events, states, a11y
    for body in first:
        assert set(body["tokens"]) >= {"colors", "typography", "spacing", "borderRadius"}
    props = [prop for body in first for prop in body["requirements"]["props"]]
    assert any(prop.get("type") == "enum" and prop.get("values") for prop in props)
    for group in ("events", "states", "accessibility"):
        assert any(body["requirements"][group] for body in first), group


def test_waves_put_each_first_occurrence_before_its_repeats() -> None:
    a, b = {"component_name": "A"}, {"component_name": "B"}
    first, repeats = waves([a, b, dict(a), a, dict(b)])
    assert first == [a, b]
    assert repeats == [a, a, b]


def test_short_url_keeps_host_id_and_name_only() -> None:
    url = (
        "http://127.0.0.1:4000/componentforge-artifacts/components/"
        "5366f093425d449d8638a31f28e9cccb/component.tsx?X-Amz-Signature=abc"
    )
    assert short_url(url) == "127.0.0.1:4000/…/5366f093…/component.tsx?…"
