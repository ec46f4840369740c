"""POST /v1/generations (submit) and GET /v1/generations/{id} (status, long-poll)."""

from __future__ import annotations

import logging
import re
import time
from typing import Annotated

import redis
from fastapi import APIRouter, Header, Path, Query, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from api import job_views
from api.deps import EngineDep, PresignS3Dep, Reader, RedisDep, SettingsDep, Submitter
from api.errors import rate_limit_headers
from api.job_notifications import NotificationsDep
from api.schemas import (
    GenerationAccepted,
    GenerationCreate,
    GenerationPublic,
    error_responses,
)
from api.strict_body import StrictJsonRoute
from api.submissions import submit_as
from core.errors import BadRequest, JobNotFound
from core.state import JobState, JobStatus
from workers.pipeline.recorded_end import follow_row
from workers.storage import job_state
from workers.storage.models import Generation
from workers.storage.records import load_generation

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/generations", tags=["generations"], route_class=StrictJsonRoute)

ROW_CHECK_AFTER_S = 2.0
"""A queued or running job older than this is checked against its generations row, at
most every ROW_CHECK_EVERY_S while a long-poll waits: the row is the truth for an ended
job, and a live state that missed its ending (the write lost with Redis) would otherwise
say `running` for ever. The read is one primary-key look-up, ~0.8 ms p50 against ~0.07 ms
for the state (2-core dev box): ten times the poll's cost, so young jobs, the common
poll, skip it."""
ROW_CHECK_EVERY_S = 1.0

_IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,200}")

JobId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="job id")]
_ERRORS = error_responses(
    400, 401, 403, 409, 413, 415, 422, 429, 503,
    described={403: "the key's role cannot submit", 503: "queue unavailable; nothing was queued"},
)  # fmt: skip


def status_url(job_id: str) -> str:
    return f"/v1/generations/{job_id}"


@router.post("", status_code=202, response_model=GenerationAccepted, responses=_ERRORS)
def create_generation(
    spec: GenerationCreate,
    caller: Submitter,
    response: Response,
    client: RedisDep,
    engine: EngineDep,
    settings: SettingsDep,
    idempotency_key: Annotated[
        str | None,
        Header(description="same key + same body returns the same job; other body: 409"),
    ] = None,
) -> GenerationAccepted:
    """Validate and queue a job. Never waits on a worker."""
    if idempotency_key is not None and not _IDEMPOTENCY_KEY.fullmatch(idempotency_key):
        raise BadRequest(
            "Idempotency-Key", "use 1 to 200 visible ASCII characters, no spaces (e.g. a UUID)"
        )
    job_id, created, admission, quota = submit_as(
        caller, spec, client=client, settings=settings, engine=engine,
        idempotency_key=idempotency_key,
    )  # fmt: skip
    if created:
        response.headers.update(rate_limit_headers(quota.requests_per_minute, admission))
    status = JobStatus.QUEUED
    if not created and (state := job_state.load(client, job_id)) is not None:
        status = state.status
    response.headers["Location"] = status_url(job_id)
    return GenerationAccepted(id=job_id, status=status, status_url=status_url(job_id))


@router.get(
    "/{job_id}",
    response_model=GenerationPublic,
    responses=error_responses(
        401, 404, 422, 503, described={404: "no job with that id in your tenant"}
    ),
)
async def get_generation(
    job_id: JobId,
    caller: Reader,
    client: RedisDep,
    engine: EngineDep,
    s3: PresignS3Dep,
    settings: SettingsDep,
    notifications: NotificationsDep,
    wait: Annotated[
        float,
        Query(
            ge=0,
            le=3600,
            description="long-poll: seconds to wait for the job to end (capped at MAX_WAIT_S)",
        ),
    ] = 0,
) -> GenerationPublic:
    deadline = time.monotonic() + min(wait, settings.max_wait_s)
    next_row_check = 0.0
    # Registered before the first read: a change between a read and the wait still wakes.
    with notifications.watch(job_id) as waiter:
        while True:
            state = await run_in_threadpool(job_state.load, client, job_id)
            if state is None:
                row = await run_in_threadpool(load_generation, engine, job_id)
                if row is None or not caller.sees(row.tenant_id):
                    raise JobNotFound(f"no job {job_id}")
                return await run_in_threadpool(job_views.from_row, row, s3, settings)
            if not caller.sees(state.tenant_id):
                raise JobNotFound(f"no job {job_id}")  # the same answer as an unknown id
            if row_check_due(state, next_row_check):
                next_row_check = time.monotonic() + ROW_CHECK_EVERY_S
                row = await run_in_threadpool(recorded_end, client, engine, job_id)
                if row is not None:
                    return await run_in_threadpool(job_views.from_row, row, s3, settings)
            remaining_s = deadline - time.monotonic()
            if state.is_terminal or remaining_s <= 0:
                return await run_in_threadpool(job_views.from_state, state, s3, settings)
            # Woken by the job's change notification; the timeouts re-read anyway, for a
            # notification missed while the subscriber reconnected and for the row check.
            await waiter.wait(
                min(remaining_s, settings.events_reread_s, row_check_in(state, next_row_check))
            )


def row_check_due(state: JobState, next_check: float) -> bool:
    return (
        not state.is_terminal
        and time.time() - state.created_at >= ROW_CHECK_AFTER_S
        and time.monotonic() >= next_check
    )


def row_check_in(state: JobState, next_check: float) -> float:
    """Seconds until row_check_due can next be true (for a wait to end by then)."""
    return max(
        state.created_at + ROW_CHECK_AFTER_S - time.time(),
        next_check - time.monotonic(),
        0.0,
    )


def recorded_end(client: redis.Redis, engine: Engine, job_id: str) -> Generation | None:
    """The job's row, if it has ended there, after repairing its live state to say the
    same; None when there is no row or Postgres does not answer (the state answers)."""
    try:
        row = load_generation(engine, job_id)
    except SQLAlchemyError as exc:
        logger.warning("job %s: could not read its row (%s); answering from Redis", job_id, exc)
        return None
    if row is None:
        return None
    logger.warning("job %s: its row says it ended, its live state does not; repairing", job_id)
    try:
        follow_row(client, row)
    except redis.RedisError as exc:
        logger.warning("job %s: could not repair its live state (%s)", job_id, exc)
    return row
