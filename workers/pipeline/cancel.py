"""Ending a job cancelled: its row (status cancelled), its live state, its trace and the
metric. The decision to cancel is workers.storage.cancellation's; this writes it down.

The API ends a queued job this way at once; the worker ends a running one at its next
step boundary (after deleting what it had uploaded: a cancelled job leaves no artifacts
and no L1 entry).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

import redis

from config.settings import get_settings
from core.result import CostLine
from core.state import JobState, JobStatus
from workers.observability import metrics, tracing
from workers.pipeline.recorded_end import adopt_recorded_end
from workers.storage import budget_holds, job_state
from workers.storage.generation_row import GenerationRow

logger = logging.getLogger(__name__)


class JobCancelled(Exception):
    """Raised at a step boundary of a job asked to stop (workers.pipeline.run ends it)."""

    def __init__(self, *, by: str, stage: str, costs: Sequence[CostLine] = ()) -> None:
        super().__init__(cancel_message(by=by, stage=stage))
        self.by = by
        self.stage = stage
        self.costs = list(costs)  # paid calls made before it stopped: still billed


def cancel_message(*, by: str, stage: str | None) -> str:
    return f"cancelled by {by} at {stage or 'queued'}"


def end_cancelled(
    client: redis.Redis,
    state: JobState,
    *,
    by: str,
    stage: str | None,
    record_row: Callable[[GenerationRow], bool],
    also: Callable[[redis.client.Pipeline], None] | None = None,
    costs: Sequence[CostLine] = (),
) -> bool:
    """Write the cancelled ending: the row through `record_row` (False: a row was already
    there, another ending came first), then the live state (`also` joins its round trip).
    Returns False when that other ending was kept instead."""
    now = time.time()
    message = cancel_message(by=by, stage=stage)
    trace = tracing.TraceRef.from_fields(state.trace_fields)
    row = GenerationRow.cancelled(
        state,
        message=message,
        finished_at=now,
        trace_id=trace.trace_id if trace else None,
        costs=costs,
    )
    if not record_row(row) and adopt_recorded_end(client, state.id, also=also):
        logger.info("job %s had already ended (its row says so); not cancelling it", state.id)
        return False
    if not costs:  # nothing to book, so nothing settles its budget hold: release it here
        budget_holds.release(client, state.tenant_id, state.id)
    job_state.finish(
        client,
        state.id,
        status=JobStatus.CANCELLED,
        ttl_s=get_settings().ended_job_state_ttl_s,
        error={"type": "cancelled", "message": message},
        finished_at=now,
        also=also,
    )
    if trace is not None:
        tracing.finish_job_trace(
            trace, started_at=state.started_at or now, finished_at=now, steps_ms={},
            costs=list(costs), cache_layer=None, tenant=state.tenant_id, outputs={},
            error=message,
        )  # fmt: skip
    metrics.GENERATION_CANCELLED.inc()
    for line in costs:
        metrics.GENERATION_COST.labels(component_type=state.component_type, api=line.provider).inc(
            line.usd
        )
    logger.info("job %s %s", state.id, message)
    return True
