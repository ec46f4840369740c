"""The workload's mix generator (devstack.workload.mix): its counts, its Zipf skew, its
determinism for a seed, and near-duplicates that are valid jobs differing as they say."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from core.spec import JobSpec
from devstack.workload.designs import base_designs
from devstack.workload.mix import (
    FIGMA_PRIMARY_NODE,
    FIGMA_SHARE,
    NEAR_DUPLICATE_SHARE,
    FigmaEdit,
    Job,
    colour_paths,
    jobs_of,
    nudge_colour,
    plan,
    zipf_weights,
)

OPENAI = {"provider": "openai"}


@pytest.fixture(scope="module")
def steps() -> list[Job | FigmaEdit]:
    return plan(500, seed=14, controls=20, options=OPENAI)


def by_name(name: str) -> dict[str, Any]:
    return next(d for d in base_designs() if d["component_name"] == name)


def test_the_pool_holds_forty_to_sixty_distinct_valid_designs() -> None:
    designs = base_designs()
    assert 40 <= len(designs) <= 60
    assert len({d["component_name"] for d in designs}) == len(designs)
    assert len({d["source"]["screenshot_sha256"] for d in designs}) == len(designs)
    for design in designs:
        JobSpec.model_validate(design)


def test_counts_add_up(steps: list[Job | FigmaEdit]) -> None:
    jobs = jobs_of(steps)
    kinds = Counter(job.kind for job in jobs)
    assert len(jobs) == 520  # 500 workload jobs and 20 controls
    assert kinds["control"] == 20
    assert [job.index for job in jobs] == list(range(520))
    # The shares are probabilities per job: near their targets, not exactly on them.
    assert abs(kinds["figma"] / 500 - FIGMA_SHARE) < 0.04
    near = kinds["nudged"] + kinds["renamed"] + kinds["prop-added"]
    assert abs(near / 500 - NEAR_DUPLICATE_SHARE) < 0.05
    assert all(kinds[kind] > 0 for kind in ("nudged", "renamed", "prop-added"))
    assert any(isinstance(step, FigmaEdit) for step in steps)


def test_popularity_is_zipf_skewed(steps: list[Job | FigmaEdit]) -> None:
    draws = Counter(job.origin for job in jobs_of(steps) if job.kind == "design")
    counts = [n for _, n in draws.most_common()]
    total = sum(counts)
    # Rank 1 of 48 under s = 1.1 has about a fifth of the draws; a uniform pick 1/48.
    assert counts[0] / total > 0.12
    assert sum(counts[:5]) / total > 0.4
    weights = zipf_weights(48)
    assert weights[0] / weights[9] == pytest.approx(10**1.1)


def test_repeats_are_exact_copies_of_an_earlier_body(steps: list[Job | FigmaEdit]) -> None:
    jobs = jobs_of(steps)
    repeats = [job for job in jobs if job.repeat]
    assert len(repeats) > len(jobs) / 2
    for job in repeats:
        assert any(earlier.body == job.body for earlier in jobs[: job.index])


def test_the_same_seed_plans_the_same_and_another_seed_not() -> None:
    assert plan(200, seed=7, options=OPENAI) == plan(200, seed=7, options=OPENAI)
    assert plan(200, seed=7, options=OPENAI) != plan(200, seed=8, options=OPENAI)


def test_near_duplicates_are_valid_and_differ_as_their_kind_says(
    steps: list[Job | FigmaEdit],
) -> None:
    near = [job for job in jobs_of(steps) if job.kind in ("nudged", "renamed", "prop-added")]
    for job in near:
        spec = JobSpec.model_validate(job.body)
        assert spec.options.provider == "openai"
        original = by_name(job.origin)
        body = job.body
        if job.kind == "nudged":
            assert body["component_name"] == original["component_name"]
            assert body["requirements"] == original["requirements"]
            changed = [p for p in colour_paths(original["tokens"])
                       if _at(body["tokens"], p) != _at(original["tokens"], p)]  # fmt: skip
            assert len(changed) == 1
        elif job.kind == "renamed":
            assert body["component_name"] != original["component_name"]
            assert (body["tokens"], body["requirements"], body["source"]) == (
                original["tokens"], original["requirements"], original["source"])  # fmt: skip
        else:
            assert body["tokens"] == original["tokens"]
            assert len(body["requirements"]["props"]) == len(original["requirements"]["props"]) + 1
            assert body["source"] != original["source"]


def test_figma_jobs_name_a_file_and_edits_change_its_primary_colour(
    steps: list[Job | FigmaEdit],
) -> None:
    figma = [job for job in jobs_of(steps) if job.kind == "figma"]
    files = {job.body["source"]["figma_file_key"] for job in figma}
    assert 1 < len(files) <= 3
    for job in figma:
        assert JobSpec.model_validate(job.body).tokens is None  # extracted from the file
    for edit in (step for step in steps if isinstance(step, FigmaEdit)):
        assert edit.file_key in files
        assert edit.node_id == FIGMA_PRIMARY_NODE
        assert len(edit.colour) == 7 and edit.colour.startswith("#")


def test_control_jobs_are_template_no_store_and_unlike_any_other(
    steps: list[Job | FigmaEdit],
) -> None:
    jobs = jobs_of(steps)
    controls = [job for job in jobs if job.kind == "control"]
    others = [job for job in jobs if job.kind != "control"]
    for job in controls:
        spec = JobSpec.model_validate(job.body)
        assert (spec.options.provider, spec.options.cache) == ("template", "no-store")
        assert all(job.body["tokens"] != other.body.get("tokens") for other in others)
    assert len({job.body["component_name"] for job in controls}) == len(controls)
    # Spread through the run, not bunched at one end.
    positions = [job.index for job in controls]
    assert positions[0] < 50 and positions[-1] > 450


def test_nudge_moves_one_channel_a_little_and_stays_a_colour() -> None:
    for colour in ("#000000", "#ffffff", "#3b82f6"):
        for amount in (-12, -8, 8, 12):
            moved = nudge_colour(colour, amount)
            deltas = [
                abs(int(moved[i : i + 2], 16) - int(colour[i : i + 2], 16)) for i in (1, 3, 5)
            ]
            assert sorted(deltas) == [0, 0, abs(amount)]
    assert nudge_colour("#3b82f6", 8) != "#3b82f6"


def _at(tokens: dict[str, Any], path: tuple[str, ...]) -> Any:
    for key in path:
        tokens = tokens[key]
    return tokens
