"""Retry policies: how often, how patiently and on which errors each dependency and
step is retried. RETRY_POLICIES (JSON) overrides any field of any entry, e.g.
RETRY_POLICIES='{"llm": {"attempts": 5}, "generate_code": {"backoff_cap_s": 20}}'.

Names are dependencies (figma, llm, s3, postgres), steps that call one
(extract_tokens -> figma; propose_requirements, generate_code -> llm), whose entry
starts from their dependency's, and "task": the Celery task's own retries when a
dependency is still down after the call-level attempts.
"""

from __future__ import annotations

import random
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

ErrorKind = Literal["connection", "timeout", "rate_limit", "server_error"]
ALL_KINDS: tuple[ErrorKind, ...] = ("connection", "timeout", "rate_limit", "server_error")


class RetryPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    attempts: int = Field(ge=1, le=50)
    """Tries in all (1 means no retry)."""
    backoff_base_s: float = Field(ge=0)
    backoff_cap_s: float = Field(ge=0)
    retry_on: tuple[ErrorKind, ...] = ALL_KINDS
    """Error kinds worth another try; any other error fails at once."""
    max_retry_after_s: float = Field(default=30.0, ge=0)
    """A rate limit asking to wait longer than this is not waited out in-process."""

    def delay_s(self, retries_done: int, retry_after_s: float | None = None) -> float:
        """Full jitter: uniform(0, min(cap, base * 2^retries)); a server's Retry-After
        (when given) is a floor, since asking sooner only earns another 429."""
        jittered = random.uniform(0, min(self.backoff_cap_s, self.backoff_base_s * 2**retries_done))
        return max(jittered, retry_after_s or 0.0)


STEP_DEPENDENCY = {
    "extract_tokens": "figma",
    "propose_requirements": "llm",
    "generate_code": "llm",
}

DEFAULTS: dict[str, RetryPolicy] = {
    # Retries inside the call are short; a longer outage goes back to the queue.
    "figma": RetryPolicy(attempts=3, backoff_base_s=0.2, backoff_cap_s=2.0),
    "llm": RetryPolicy(attempts=3, backoff_base_s=0.5, backoff_cap_s=8.0),
    "s3": RetryPolicy(attempts=3, backoff_base_s=0.1, backoff_cap_s=1.0),
    # A second try covers a dropped pooled connection; past that the row is spooled.
    "postgres": RetryPolicy(
        attempts=2, backoff_base_s=0.1, backoff_cap_s=0.5, retry_on=("connection", "timeout")
    ),
    # The task itself: attempts = deliveries of a job whose dependency stays down.
    "task": RetryPolicy(attempts=6, backoff_base_s=1.0, backoff_cap_s=60.0),
}


def resolve(overrides: dict[str, dict[str, object]]) -> dict[str, RetryPolicy]:
    """Defaults with `overrides` applied; steps start from their dependency's entry."""
    unknown = set(overrides) - set(DEFAULTS) - set(STEP_DEPENDENCY)
    if unknown:
        known = ", ".join([*DEFAULTS, *STEP_DEPENDENCY])
        raise ValueError(f"RETRY_POLICIES names {sorted(unknown)}; known names: {known}")
    policies = {name: _merge(name, base, overrides) for name, base in DEFAULTS.items()}
    for step, dependency in STEP_DEPENDENCY.items():
        policies[step] = _merge(step, policies[dependency], overrides)
    return policies


def _merge(name: str, base: RetryPolicy, overrides: dict[str, dict[str, object]]) -> RetryPolicy:
    try:
        return RetryPolicy.model_validate(base.model_dump() | dict(overrides.get(name) or {}))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise ValueError(f"RETRY_POLICIES {name}: {problems}") from None
