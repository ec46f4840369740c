"""Runs the five steps in order and packages the artifacts."""

from __future__ import annotations

import time
from collections.abc import Callable

from core.result import CostLine
from core.spec import JobSpec
from workers.chain.inputs.w3c_tokens import to_w3c
from workers.chain.providers import get_provider
from workers.chain.steps import STEPS, pretty_json
from workers.chain.types import ChainContext, ChainResult, FigmaFiles


def run_chain(
    spec: JobSpec,
    *,
    on_step: Callable[[str], None] | None = None,
    step_delay_ms: int = 0,
    figma: FigmaFiles | None = None,
    costs: list[CostLine] | None = None,
) -> ChainResult:
    """Run extract_tokens -> ... -> validate_quality. `on_step(name)` is called as each
    step starts; `step_delay_ms` pauses inside each step (demos and fault drills);
    `figma` fetches the file of a job that names a figma_file_key. `costs`: the list paid
    calls are appended to as they happen, so a caller still has them when the chain
    stops early (a job cancelled mid-chain is billed for what it spent)."""
    provider = get_provider(spec.options.provider, spec.options.model)
    ctx = ChainContext(spec=spec, figma=figma)
    if costs is not None:
        ctx.costs = costs
    timings: dict[str, float] = {}
    for step in STEPS:
        if on_step is not None:
            on_step(step.name)
        started = time.perf_counter()
        if step_delay_ms:
            time.sleep(step_delay_ms / 1000)
        step.run(ctx, provider)
        timings[step.name] = (time.perf_counter() - started) * 1000
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
    )
