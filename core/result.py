"""What a succeeded job produced: the `result` of its live state, of its generations row
and (with presigned URLs added) of GET /v1/generations/{id}.

One type for all three, so the JSON they hold cannot drift apart. `as_dict` is that JSON;
its keys are a contract (api.schemas.GenerationResult reads them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal


@dataclass(frozen=True)
class JobCost:
    """What the job spent (0 on a cache hit) and what a hit saved, in USD."""

    usd: float
    prompt_tokens: int
    completion_tokens: int
    saved_usd: float = 0.0

    @classmethod
    def of(cls, calls: Sequence[CostLine], *, saved_usd: float = 0.0) -> JobCost:
        """What these paid calls cost together."""
        return cls(
            usd=round(sum(line.usd for line in calls), 6),
            prompt_tokens=sum(line.prompt_tokens for line in calls),
            completion_tokens=sum(line.completion_tokens for line in calls),
            saved_usd=saved_usd,
        )


@dataclass(frozen=True)
class CostLine:
    """One paid call: a row of the costs table and an LLM run's usage in the trace. The
    template provider makes none; an LLM provider records each."""

    stage: str
    provider: str
    model: str | None
    prompt_tokens: int
    completion_tokens: int
    usd: float


@dataclass(frozen=True)
class JobResult:
    component_id: str
    artifacts: dict[str, str]  # artifact name -> S3 key
    quality: dict[str, Any]
    pattern_id: str | None
    cost: JobCost
    cache_key: str | None
    trace_url: str | None = None
    # Set only when the job succeeded without a dependency, and absent from the JSON
    # otherwise; api.schemas.GenerationResult says what each means to a client.
    bookkeeping: Literal["spooled"] | None = None
    uploads: Literal["pending"] | None = None
    cache: Literal["unavailable"] | None = None
    # The identical job whose generation this one waited for and reuses (single-flight).
    coalesced_with: str | None = None

    def as_dict(self) -> dict[str, Any]:
        flags = {
            "bookkeeping": self.bookkeeping,
            "uploads": self.uploads,
            "cache": self.cache,
            "coalesced_with": self.coalesced_with,
        }
        return {
            "component_id": self.component_id,
            "artifacts": self.artifacts,
            "quality": self.quality,
            "pattern_id": self.pattern_id,
            "cost": asdict(self.cost),
            "cache_key": self.cache_key,
            "trace_url": self.trace_url,
        } | {name: value for name, value in flags.items() if value is not None}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> JobResult:
        return cls(**{**raw, "cost": JobCost(**raw["cost"])})
