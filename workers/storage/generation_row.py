"""The generations row as a type: one per job, built by whichever path ends the job.

A job succeeds (workers.pipeline.run), fails (workers.pipeline.failure), is cancelled
(workers.pipeline.cancel, api.routes.cancel), or never runs
because its message was unrunnable (workers.resilience.dead_letters); each builds its row
with a constructor here. records.record_generation inserts `values()`, and the
bookkeeping spool keeps `values()` on disk and rebuilds the row with `from_values`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from core.result import CostLine, JobCost, JobResult
from core.state import JobState


def utc(epoch_s: float) -> datetime:
    return datetime.fromtimestamp(epoch_s, UTC)


@dataclass(frozen=True)
class GenerationRow:
    """The columns of workers.storage.models.Generation, typed as that model types them."""

    id: str
    component_type: str
    component_name: str
    created_at: datetime
    finished_at: datetime
    success: bool
    attempts: int = 1
    tenant_id: str | None = None
    session_id: str | None = None
    started_at: datetime | None = None
    duration_ms: float | None = None
    component_id: str | None = None
    cache_layer: str | None = None
    cache_key: str | None = None
    pattern_id: str | None = None
    provider: str | None = None
    model: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: Decimal = Decimal(0)
    saved_usd: Decimal = Decimal(0)
    quality_score: float | None = None
    error_type: str | None = None
    error_message: str | None = None
    trace_id: str | None = None
    result: JobResult | None = None
    status: str | None = None
    """succeeded, failed or cancelled; unset: what `success` says (a spooled row of an
    older version has none)."""

    @classmethod
    def succeeded(
        cls,
        state: JobState,
        result: JobResult,
        *,
        attempts: int,
        started_at: float,
        finished_at: float,
        duration_ms: float,
        cache_layer: str,
        provider: str | None,
        model: str | None,
        trace_id: str | None,
    ) -> GenerationRow:
        return cls(
            **_job_columns(state, finished_at, attempts),
            success=True,
            status="succeeded",
            started_at=utc(started_at),
            duration_ms=duration_ms,
            component_id=result.component_id,
            cache_layer=cache_layer,
            cache_key=result.cache_key,
            pattern_id=result.pattern_id,
            provider=provider,
            model=model,
            prompt_tokens=result.cost.prompt_tokens,
            completion_tokens=result.cost.completion_tokens,
            cost_usd=Decimal(str(result.cost.usd)),
            saved_usd=Decimal(str(result.cost.saved_usd)),
            quality_score=result.quality.get("score"),
            result=result,
            trace_id=trace_id,
        )

    @classmethod
    def failed(
        cls,
        state: JobState,
        *,
        error_type: str,
        error_message: str,
        finished_at: float,
        trace_id: str | None,
        costs: Sequence[CostLine] = (),
    ) -> GenerationRow:
        """A job that ended failed, whatever stage it had reached. `costs`: the paid
        calls its attempts made, which it is billed for like any job."""
        started_at = state.started_at
        return cls(
            **_cost_columns(costs),
            **_job_columns(state, finished_at, max(state.attempts, 1)),
            success=False,
            status="failed",
            started_at=utc(started_at) if started_at is not None else None,
            duration_ms=round((finished_at - (started_at or finished_at)) * 1000, 3),
            cache_key=state.cache_key or None,
            error_type=error_type,
            error_message=error_message,
            trace_id=trace_id,
        )

    @classmethod
    def cancelled(
        cls,
        state: JobState,
        *,
        message: str,
        finished_at: float,
        trace_id: str | None,
        costs: Sequence[CostLine] = (),
    ) -> GenerationRow:
        """A job stopped on request: no result, no artifacts; `success` stays False (it
        did not succeed), `status` says why. `costs`: paid calls made before it stopped,
        which it is billed for like any job."""
        started_at = state.started_at
        return cls(
            **_cost_columns(costs),
            **_job_columns(state, finished_at, state.attempts),
            success=False,
            status="cancelled",
            started_at=utc(started_at) if started_at is not None else None,
            duration_ms=round((finished_at - (started_at or finished_at)) * 1000, 3),
            error_type="cancelled",
            error_message=message,
            trace_id=trace_id,
        )

    @classmethod
    def unrunnable(
        cls, job_id: str, *, error_type: str, error_message: str, at: float
    ) -> GenerationRow:
        """A message no task could run, for a job nothing else knows: no type, no name."""
        moment = utc(at)
        return cls(
            id=job_id,
            component_type="",
            component_name="",
            created_at=moment,
            finished_at=moment,
            started_at=moment,
            duration_ms=0.0,
            success=False,
            status="failed",
            error_type=error_type,
            error_message=error_message,
        )

    def values(self) -> dict[str, Any]:
        """The insert's parameters. A column left NULL is left out rather than passed
        None: for `result` (JSONB) None would be stored as JSON null, not SQL NULL."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["result"] = self.result.as_dict() if self.result is not None else None
        values["status"] = self.status or ("succeeded" if self.success else "failed")
        return {name: value for name, value in values.items() if value is not None}

    @classmethod
    def from_values(cls, values: dict[str, Any]) -> GenerationRow:
        """The row back from `values()` (as the spool keeps it: columns left out default)."""
        result = values.get("result")
        return cls(**{**values, "result": JobResult.from_dict(result) if result else None})


def _cost_columns(costs: Sequence[CostLine]) -> dict[str, Any]:
    """A job's totals of the paid calls it is billed for."""
    total = JobCost.of(costs)
    return {
        "prompt_tokens": total.prompt_tokens,
        "completion_tokens": total.completion_tokens,
        "cost_usd": Decimal(str(total.usd)),
    }


def _job_columns(state: JobState, finished_at: float, attempts: int) -> dict[str, Any]:
    """What every ending of a job that has state records about it."""
    return {
        "id": state.id,
        "component_type": state.component_type,
        "component_name": state.component_name,
        "tenant_id": state.tenant_id or state.spec.get("tenant_id"),
        "session_id": state.spec.get("session_id"),
        "created_at": utc(state.created_at),
        "finished_at": utc(finished_at),
        "attempts": attempts,
    }
