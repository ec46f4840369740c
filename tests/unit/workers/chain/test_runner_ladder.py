"""The chain with a ladder: an adapted neighbour ends the chain only when it passes the
quality gate; a refused one leaves nothing behind; an L3 hit skips retrieval and asks no
model. The ladder here is a plain object; the real one is tested on real services."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest

from core.spec import JobSpec
from tests.helpers import ROOT
from workers.chain import run_chain
from workers.chain.codegen.token_styles import token_vars
from workers.chain.inputs.retrieval import rank
from workers.chain.types import ChainContext, GeneratedCode


def sample() -> JobSpec:
    body = json.loads((ROOT / "samples" / "exemplars" / "button.json").read_text())
    return JobSpec.model_validate(body)


@dataclass
class Ladder:
    """Answers L2 with `neighbour` code (None: a miss) and L3 when `styled`."""

    neighbour: GeneratedCode | None = None
    styled: bool = False
    calls: list[str] = field(default_factory=list)

    def adapt_neighbour(self, ctx: ChainContext) -> bool:
        self.calls.append("adapt")
        if self.neighbour is None:
            return False
        ctx.code, ctx.requirements, ctx.requirements_origin = (
            self.neighbour,
            ctx.spec.requirements,
            "given",
        )
        ctx.pattern = rank(ctx.spec, ctx.requirements)[0][0]
        ctx.typescript = {"checked": False, "reason": "carried"}
        ctx.reuse = {"layer": "L2", "source_job_id": "neighbour"}
        ctx.notes.append("L2 note")
        return True

    def neighbour_served(self, ctx: ChainContext) -> None:
        self.calls.append("served")

    def neighbour_refused(self, ctx: ChainContext, reason: str) -> None:
        self.calls.append(f"refused: {reason}")

    def styled_pattern(self, ctx: ChainContext) -> bool:
        self.calls.append("styled")
        if not self.styled:
            return False
        assert ctx.tokens is not None
        ctx.pattern = rank(ctx.spec, ctx.requirements)[0][0]
        ctx.token_vars = token_vars(ctx.tokens)
        ctx.reuse = {"layer": "L3"}
        return True


def test_a_neighbour_that_passes_the_gate_ends_the_chain_as_l2() -> None:
    spec = sample()
    generated = run_chain(spec).code
    assert generated is not None
    ladder = Ladder(neighbour=generated)
    steps: list[str] = []
    result = run_chain(spec, ladder=ladder, on_step=steps.append)
    assert result.layer == "L2"
    assert ladder.calls == ["adapt", "served"]
    assert steps == ["extract_tokens", "validate_quality"]
    assert result.quality["reuse"]["source_job_id"] == "neighbour"


def test_a_neighbour_missing_a_requirement_is_refused_and_the_job_generates() -> None:
    spec = sample()
    generated = run_chain(spec).code
    assert generated is not None
    # The neighbour's code lacks one of the job's props entirely.
    prop = spec.requirements.props[0].name if spec.requirements else pytest.fail("no props")
    stripped = GeneratedCode(generated.component_tsx.replace(prop, "other"), generated.stories_tsx)
    ladder = Ladder(neighbour=stripped)
    result = run_chain(spec, ladder=ladder)
    assert result.layer == "L4"
    assert ladder.calls[0] == "adapt" and ladder.calls[1].startswith("refused: ")
    assert "reuse" not in result.quality  # nothing of the refused neighbour is left
    assert result.files["component.tsx"].decode() == generated.component_tsx


def test_an_l3_hit_skips_retrieval_and_renders_from_the_styled_pattern() -> None:
    spec = JobSpec.model_validate({**json.loads(sample().model_dump_json()),
                                   "options": {"provider": "openai"}})  # fmt: skip
    steps: list[str] = []
    result = run_chain(spec, ladder=Ladder(styled=True), on_step=steps.append)
    assert result.layer == "L3"
    assert "retrieve_pattern" not in steps
    assert result.costs == []  # no model was asked, though the job names openai
    assert result.quality["requirements"]["missing"] == []
