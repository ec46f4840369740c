"""Ending a job as failed, with a reason a user can act on, in Redis and Postgres."""

from __future__ import annotations

import logging
import time
from typing import Any

from config.settings import get_settings
from core.access import valid_tenant
from core.errors import ComponentForgeError
from core.redaction import public_message
from core.state import JobState, JobStatus
from core.webhook_url import check_url
from workers.clients import db_engine, redis_client
from workers.observability import metrics, tracing
from workers.pipeline.recorded_end import adopt_recorded_end
from workers.resilience.bookkeeping_spool import EXISTED, Recorded, record_or_spool
from workers.storage import job_state, paid_calls, tenant_lookups
from workers.storage.generation_row import GenerationRow

logger = logging.getLogger(__name__)


def fail_job(
    job_id: str, error: ComponentForgeError, *, request: dict[str, Any] | None = None
) -> None:
    """End a job as failed with a reason a user can act on, in Redis and Postgres.
    `request` is the body of a job that came straight onto the queue and has no state."""
    client = redis_client()
    now = time.time()
    # Users read this reason: a dependency's address stays in the logs (core.redaction).
    reason = {"type": error.error_type, "message": public_message(error)}
    state = job_state.load(client, job_id)
    unaccepted = state is None
    if state is None:
        state = _state_of_unaccepted(job_id, request, now, reason)
    elif state.is_terminal:
        return
    trace = tracing.TraceRef.from_fields(state.trace_fields)
    # Its attempts' paid calls (each attempt left them in Redis): billed like any job's.
    costs = [] if unaccepted else paid_calls.of_job(client, job_id)
    row = GenerationRow.failed(
        state,
        error_type=reason["type"],
        error_message=reason["message"],
        finished_at=now,
        trace_id=trace.trace_id if trace else None,
        costs=costs,
    )
    recorded: Recorded | None = None
    try:
        recorded = record_or_spool(row, costs=costs)
    finally:
        # Another delivery ended the job first: its row is the record, Redis follows it.
        adopted = recorded == EXISTED and adopt_recorded_end(client, job_id)
        if not adopted:
            if unaccepted:
                # Written after the row: a client that reads this state finds the row too.
                job_state.create(client, state, ttl_s=get_settings().ended_job_state_ttl_s)
            _end_failed(state, reason, trace, now)
    if adopted:
        logger.info("job %s had already ended (its row says so); not failing it", job_id)
        return
    metrics.GENERATION_FAILURE.labels(
        component_type=state.component_type or "unknown", error_type=reason["type"]
    ).inc()
    logger.warning("job %s failed: %s", job_id, reason["message"])


def _state_of_unaccepted(
    job_id: str, request: dict[str, Any] | None, now: float, reason: dict[str, str]
) -> JobState:
    """The state of a job failed before it was accepted (its body did not validate), so a
    client polling its id reads the reason: with it from the start, as a client may read
    the state before the ending is written. Its spec stays empty: only the type and name
    are kept, cut to their columns' lengths. The caller writes it, after the row."""
    body = request if isinstance(request, dict) else {}
    state = JobState(
        id=job_id,
        status=JobStatus.FAILED,
        spec={},
        component_type=_storable(body.get("component_type", ""), 32),
        component_name=_storable(body.get("component_name", ""), 64),
        cache_key="",
        created_at=now,
        attempts=1,
        error=reason,
        tenant_id=_existing_tenant(body.get("tenant_id")),
        webhook_url=_webhook_url(body),
    )
    return state


def _webhook_url(body: dict[str, Any]) -> str | None:
    """The refused body's options.webhook_url, when it is a URL of the allowed form: it
    is told of the refusal (the delivery checks the tenant's allow-list and address)."""
    options = body.get("options")
    url = options.get("webhook_url") if isinstance(options, dict) else None
    if not isinstance(url, str):
        return None
    try:
        check_url(url, allow_http=get_settings().webhook_allow_http)
    except ValueError:
        return None
    return url


def _storable(value: Any, length: int) -> str:
    """A refused body's text, cut to its column, lone surrogates replaced (such a body
    is refused for them, and Redis and Postgres cannot store them)."""
    return str(value)[:length].encode("utf-8", "replace").decode()


def _existing_tenant(named: Any) -> str | None:
    """The tenant a refused body names, if it exists: its keys then read the reason
    (broker credentials may submit for any tenant, so this grants nothing more)."""
    if not isinstance(named, str) or not valid_tenant(named):
        return None
    try:
        return named if tenant_lookups.tenant_exists(db_engine(), named) else None
    except Exception:  # Postgres down: the failure is recorded without its tenant
        logger.warning("could not look tenant %r up; the failure is recorded without it", named)
        return None


def _end_failed(
    state: JobState, reason: dict[str, str], trace: tracing.TraceRef | None, now: float
) -> None:
    """Write the failed ending to the live state, and end the job's trace."""
    job_state.finish(
        redis_client(),
        state.id,
        status=JobStatus.FAILED,
        ttl_s=get_settings().ended_job_state_ttl_s,
        error=reason,
    )
    if trace is not None:
        tracing.finish_job_trace(
            trace, started_at=state.started_at or now, finished_at=now, steps_ms={},
            costs=[], cache_layer=None, tenant=None, outputs={}, error=reason["message"],
        )  # fmt: skip
