"""Ending a job as failed, with a reason a user can act on, in Redis and Postgres."""

from __future__ import annotations

import logging
import time
from typing import Any

from config.settings import get_settings
from core.errors import ComponentForgeError
from core.spec import JobSpec
from core.state import FAILED, decode
from workers.clients import redis_client
from workers.observability import metrics, tracing
from workers.pipeline.recorded_end import adopt_recorded_end
from workers.resilience.bookkeeping_spool import EXISTED, Recorded, record_or_spool
from workers.storage import job_state
from workers.storage.records import utc

logger = logging.getLogger(__name__)


def row_base(
    job_id: str, spec: JobSpec | None, created_at: float, finished_at: float, attempts: int
) -> dict[str, Any]:
    return {
        "id": job_id,
        "component_type": spec.component_type if spec else "",
        "component_name": spec.component_name if spec else "",
        "tenant_id": spec.tenant_id if spec else None,
        "session_id": spec.session_id if spec else None,
        "created_at": utc(created_at),
        "finished_at": utc(finished_at),
        "attempts": attempts,
    }


def fail_job(
    job_id: str, error: ComponentForgeError, *, request: dict[str, Any] | None = None
) -> None:
    """End a job as failed with a reason a user can act on, in Redis and Postgres."""
    settings = get_settings()
    client = redis_client()
    state = job_state.load(client, job_id)
    now = time.time()
    reason = {"type": error.error_type, "message": str(error)}
    if state is None:
        body = request if isinstance(request, dict) else {}
        fields = {
            "status": FAILED,
            "spec": "{}",
            "component_type": str(body.get("component_type", ""))[:32],
            "component_name": str(body.get("component_name", ""))[:64],
            "cache_key": "",
            "created_at": repr(now),
            "attempts": "1",
        }
        pipe = client.pipeline(transaction=True)
        job_state.create(pipe, job_id, fields, ttl_s=settings.job_state_ttl_s)
        pipe.execute()
        state = decode(job_id, fields)
        assert state is not None
    elif state.is_terminal:
        return
    spec = JobSpec.model_validate(state.spec) if state.spec else None
    row = {
        **row_base(job_id, spec, state.created_at, now, max(state.attempts, 1)),
        "component_type": state.component_type,
        "component_name": state.component_name,
        "started_at": utc(state.started_at),
        "duration_ms": round((now - (state.started_at or now)) * 1000, 3),
        "cache_key": state.cache_key or None,
        "success": False,
        "error_type": reason["type"],
        "error_message": reason["message"],
    }
    trace = tracing.TraceRef.from_fields(state.trace_fields)
    row["trace_id"] = trace.trace_id if trace else None
    recorded: Recorded | None = None
    try:
        recorded = record_or_spool(row)
    finally:
        # Another delivery ended the job first: its row is the record, Redis follows it.
        adopted = recorded == EXISTED and adopt_recorded_end(client, job_id)
        if not adopted:
            job_state.finish(
                client, job_id, status=FAILED, ttl_s=settings.job_state_ttl_s, error=reason
            )
        if trace is not None and not adopted:
            tracing.finish_job_trace(
                trace, started_at=state.started_at or now, finished_at=now, timings_ms={},
                costs=[], cache_layer=None, tenant=None, outputs={}, error=reason["message"],
            )  # fmt: skip
    if adopted:
        logger.info("job %s had already ended (its row says so); not failing it", job_id)
        return
    metrics.GENERATION_FAILURE.labels(
        component_type=state.component_type or "unknown", error_type=reason["type"]
    ).inc()
    logger.warning("job %s failed: %s", job_id, reason["message"])
