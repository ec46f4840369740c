"""The workload's model behind the fake OpenAI server: a competent, slow one.

It answers each step with what the template provider would write for the data it was
sent (so the code declares the job's own tokens, as a good model's would, and the
semantic cache can adapt it), after a pause per call (a real model's latency), billing
a realistic number of tokens per call so L4 costs what it would at the configured price.
"""

from __future__ import annotations

import json
import time
from typing import Any

from core.requirements import Requirements
from core.spec import JobSpec
from core.tokens import Tokens
from devstack.fakes.openai_api import Responder, request_data, request_step
from workers.chain.providers.template import TemplateProvider
from workers.chain.types import ChainContext

# A generate_code call sends the rules, the tokens and the requirements (~2k tokens) and
# gets a component and its stories back (~1k tokens).
PROMPT_TOKENS = 2000
COMPLETION_TOKENS = 1000

_TEMPLATE = TemplateProvider()


def _context(data: dict[str, Any]) -> ChainContext:
    spec = JobSpec.model_validate({
        "component_name": data["component_name"],
        "component_type": data["component_type"],
        "source": {"screenshot_sha256": "0" * 64},
        "tokens": data.get("design_tokens") or {},
    })  # fmt: skip
    requirements = data.get("requirements")
    return ChainContext(
        spec=spec,
        tokens=spec.tokens,
        requirements=Requirements.model_validate(requirements) if requirements else None,
    )


def competent_answer(body: dict[str, Any]) -> str:
    """The step's answer as JSON: the template provider's work on the request's data."""
    ctx = _context(request_data(body))
    if request_step(body) == "propose_requirements":
        proposed = _TEMPLATE.propose_requirements(ctx)
        return json.dumps(proposed.model_dump(mode="json", exclude_none=True))
    ctx.tokens = ctx.tokens or Tokens()
    code = _TEMPLATE.generate_code(ctx)
    return json.dumps({"component_tsx": code.component_tsx, "stories_tsx": code.stories_tsx})


def slow(responder: Responder, *, latency_ms: float) -> Responder:
    """`responder` answering after `latency_ms` (the fake server answers calls in threads,
    so concurrent calls wait side by side, as a provider's do)."""

    def answer(body: dict[str, Any]) -> str:
        time.sleep(latency_ms / 1000)
        return responder(body)

    return answer
