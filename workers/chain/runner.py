"""Runs the five steps in order and packages the artifacts.

With a ladder (workers.pipeline.ladder), two caches sit inside the chain: after
extract_tokens, L2 may adapt a similar design's code (then only validate_quality runs);
before retrieve_pattern, L3 may give the pattern already styled for the tokens (then the
code is rendered from it, with no model call).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

from core.result import CostLine
from core.spec import JobSpec
from workers.chain.inputs.w3c_tokens import to_w3c
from workers.chain.providers import get_provider
from workers.chain.quality.policy import Allowances
from workers.chain.steps import PASS_SCORE, STEPS, pretty_json
from workers.chain.types import ChainContext, ChainResult, FigmaFiles, Ladder, Provider, Step

EXTRACT, PROPOSE, RETRIEVE, GENERATE, VALIDATE = STEPS


def run_chain(
    spec: JobSpec,
    *,
    on_step: Callable[[str], None] | None = None,
    step_delay_ms: int = 0,
    figma: FigmaFiles | None = None,
    costs: list[CostLine] | None = None,
    ladder: Ladder | None = None,
    allow: Allowances | None = None,
) -> ChainResult:
    """Run extract_tokens -> ... -> validate_quality. `on_step(name)` is called as each
    step starts; `step_delay_ms` pauses inside each step (demos and fault drills);
    `figma` fetches the file of a job that names a figma_file_key. `costs`: the list paid
    calls are appended to as they happen, so a caller still has them when the chain
    stops early (a job cancelled mid-chain is billed for what it spent). `ladder`: the
    L2 and L3 caches to consult (none: every step runs). `allow`: what the tenant's
    generated code may import and link to (none: the deployment's defaults)."""
    provider = get_provider(spec.options.provider, spec.options.model)
    ctx = ChainContext(spec=spec, figma=figma, allow=allow)
    if costs is not None:
        ctx.costs = costs
    timings: dict[str, float] = {}

    def run(step: Step, on: ChainContext) -> None:
        if on_step is not None:
            on_step(step.name)
        started = time.perf_counter()
        if step_delay_ms:
            time.sleep(step_delay_ms / 1000)
        step.run(on, provider)
        timings[step.name] = (time.perf_counter() - started) * 1000

    run(EXTRACT, ctx)
    adapted = _adapted(ctx, ladder, lambda trial: run(VALIDATE, trial)) if ladder else None
    if adapted is not None:
        ctx = adapted
    else:
        _generate(ctx, ladder, lambda step: run(step, ctx))
    return _result(ctx, provider, timings)


def _adapted(
    ctx: ChainContext, ladder: Ladder, validate: Callable[[ChainContext], None]
) -> ChainContext | None:
    """L2: the context of a neighbour's code adapted to this job, once it passed the same
    quality gate a generation must (every requirement implemented, no policy finding);
    None on a miss. Tried on a copy, so a refused neighbour leaves nothing behind."""
    trial = dataclasses.replace(ctx, notes=list(ctx.notes))  # costs stay shared: they are paid
    if not ladder.adapt_neighbour(trial):
        return None
    validate(trial)
    quality = trial.quality
    missing = quality["requirements"]["missing"]
    if quality["passed"] and quality["score"] >= PASS_SCORE and not missing:
        trial.layer = "L2"
        ladder.neighbour_served(trial)
        return trial
    reason = f"missing {', '.join(missing)}" if missing else f"score {quality['score']}"
    ladder.neighbour_refused(trial, f"the adapted code did not pass the quality gate ({reason})")
    return None


def _generate(ctx: ChainContext, ladder: Ladder | None, run: Callable[[Step], None]) -> None:
    """The steps after extract_tokens; retrieve_pattern is skipped on an L3 hit."""
    run(PROPOSE)
    if ladder is not None and ladder.styled_pattern(ctx):
        ctx.layer = "L3"
    else:
        run(RETRIEVE)
    run(GENERATE)
    run(VALIDATE)


def _result(ctx: ChainContext, provider: Provider, timings: dict[str, float]) -> ChainResult:
    assert ctx.code is not None and ctx.tokens is not None and ctx.requirements is not None
    assert ctx.pattern is not None
    files = {
        "component.tsx": ctx.code.component_tsx.encode(),
        "stories.tsx": ctx.code.stories_tsx.encode(),
        "tokens.json": pretty_json(
            {
                "origin": ctx.tokens_origin,
                "tokens": ctx.tokens.model_dump(mode="json"),
                "w3c": to_w3c(ctx.tokens),
            }
        ),
        "requirements.json": pretty_json(
            {
                "origin": ctx.requirements_origin,
                "requirements": ctx.requirements.model_dump(mode="json", exclude_none=True),
            }
        ),
        "quality-report.html": ctx.report_html.encode(),
    }
    return ChainResult(
        files=files,
        quality={k: v for k, v in ctx.quality.items() if k != "checks"},
        pattern_id=ctx.pattern.id,
        provider=provider.name,
        model=provider.model,
        costs=list(ctx.costs),
        timings_ms=timings,
        layer=ctx.layer,
        code=ctx.code,
        requirements=ctx.requirements,
        token_vars=ctx.token_vars,
    )
