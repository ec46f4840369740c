# LEAD'S TEMPORARY SCAFFOLD to exercise the pipeline; helper-1 replaces this file entirely.
from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from workers.jobspec import JobSpec

GENERATOR_VERSION = "scaffold-0"
STEP_NAMES = ("extract_tokens", "propose_requirements", "retrieve_pattern", "generate_code", "validate_quality")
ARTIFACT_NAMES = ("component.tsx", "stories.tsx", "tokens.json", "requirements.json", "quality-report.html")


@dataclass(frozen=True)
class CostLine:
    stage: str
    provider: str
    model: str | None
    prompt_tokens: int
    completion_tokens: int
    usd: float


@dataclass(frozen=True)
class ChainResult:
    files: dict[str, bytes]
    quality: dict[str, Any]
    pattern_id: str
    provider: str
    model: str | None
    costs: list[CostLine]
    timings_ms: dict[str, float]


def run_chain(spec: JobSpec, *, on_step: Callable[[str], None] | None = None, step_delay_ms: int = 0) -> ChainResult:
    timings = {}
    for step in STEP_NAMES:
        t = time.perf_counter()
        if on_step:
            on_step(step)
        time.sleep(step_delay_ms / 1000)
        timings[step] = (time.perf_counter() - t) * 1000
    name = spec.component_name
    files = {
        "component.tsx": f"export const {name} = () => null;\n".encode(),
        "stories.tsx": b"export default {};\n",
        "tokens.json": json.dumps(spec.tokens.model_dump() if spec.tokens else {}).encode(),
        "requirements.json": b"{}",
        "quality-report.html": b"<!doctype html><title>q</title>",
    }
    return ChainResult(files, {"score": 1.0}, f"{spec.component_type}-basic", "template", None, [], timings)
