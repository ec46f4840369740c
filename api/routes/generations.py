"""POST /v1/generations (submit) and GET /v1/generations/{id} (status, long-poll)."""

from __future__ import annotations

import logging
import re
import time
from functools import partial
from typing import Annotated, Any

import redis
from fastapi import APIRouter, Header, Path, Query, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from api import job_views
from api.deps import Clients, ClientsDep, Reader, Submitter
from api.errors import rate_limit_headers
from api.schemas import (
    GenerationAccepted,
    GenerationCreate,
    GenerationPublic,
    error_responses,
)
from api.stream_slots import StreamSlot, refuse_if_recently_full, take_slot
from api.strict_body import StrictJsonRoute
from api.submissions import submit_as, submit_as_on_loop
from config.settings import Settings
from core.access import Principal
from core.errors import BadRequest, JobNotFound
from core.keys import job_key
from core.state import JobState, JobStatus, decode
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
"""Per job and process: many clients polling one old queued job cost one row read a
second between them, not one each."""

_IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,200}")
JSON = "application/json"

JobId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="job id")]
_ERRORS = error_responses(
    400, 401, 403, 409, 413, 415, 422, 429, 503,
    described={403: "the key's role cannot submit", 503: "queue unavailable; nothing was queued"},
)  # fmt: skip


def status_url(job_id: str) -> str:
    return f"/v1/generations/{job_id}"


@router.post("", status_code=202, response_model=GenerationAccepted, responses=_ERRORS)
async def create_generation(
    spec: GenerationCreate,
    caller: Submitter,
    clients: ClientsDep,
    idempotency_key: Annotated[
        str | None,
        Header(description="same key + same body returns the same job; other body: 409"),
    ] = None,
) -> Response:
    """Validate and queue a job. Never waits on a worker."""
    if idempotency_key is not None and not _IDEMPOTENCY_KEY.fullmatch(idempotency_key):
        raise BadRequest(
            "Idempotency-Key", "use 1 to 200 visible ASCII characters, no spaces (e.g. a UUID)"
        )
    submitted = None
    settings, aclient = clients.settings, clients.async_redis
    if aclient is not None:
        submitted = await submit_as_on_loop(
            caller, spec, client=aclient, settings=settings, idempotency_key=idempotency_key
        )
    if submitted is None:  # it needs Postgres or LangSmith: in a thread
        submitted = await run_in_threadpool(
            partial(submit_as, caller, spec, client=clients.redis, settings=settings,
                    engine=clients.engine, idempotency_key=idempotency_key)
        )  # fmt: skip
    job_id, created, admission, quota = submitted
    url = status_url(job_id)
    headers = {"Location": url}
    status = JobStatus.QUEUED
    if created:
        headers.update(rate_limit_headers(quota.requests_per_minute, admission))
    else:  # a replay: the job's status now
        replayed = await run_in_threadpool(job_state.load, clients.redis, job_id)
        status = replayed.status if replayed is not None else status
    # Encoded here, not by FastAPI's response_model pass (validated again, then encoded):
    # a submit's answer is built from values this route made.
    accepted = GenerationAccepted(id=job_id, status=status, status_url=url)
    return Response(accepted.model_dump_json(), status_code=202, headers=headers, media_type=JSON)


@router.get(
    "/{job_id}",
    response_model=GenerationPublic,
    responses=error_responses(
        401,
        404,
        422,
        429,
        503,
        described={
            404: "no job with that id in your tenant",
            429: "a long-poll (wait > 0) while your tenant holds STREAMS_PER_TENANT "
            "streams and long-polls",
        },
    ),
)
async def get_generation(
    job_id: JobId,
    caller: Reader,
    clients: ClientsDep,
    wait: Annotated[
        float,
        Query(
            ge=0,
            le=3600,
            description="long-poll: seconds to wait for the job to end (capped at MAX_WAIT_S)",
        ),
    ] = 0,
) -> GenerationPublic:
    settings, client, aclient = clients.settings, clients.redis, clients.async_redis
    s3 = clients.presign_s3
    deadline = time.monotonic() + min(wait, settings.max_wait_s)
    if wait <= 0:  # the common poll: one read, nothing to wait on, so no waiter
        if aclient is not None:
            state = decode(job_id, await aclient.hgetall(job_key(job_id)))
        else:  # an app run without its lifespan (a TestClient not entered)
            state = await run_in_threadpool(job_state.load, client, job_id)
        if (view := answer_from_state(state, s3, settings, caller)) is not None:
            return view
        # Postgres may be needed (no state, an old job's row, its webhook): in a thread,
        # from the state just read.
        return await run_in_threadpool(
            answer_now, state, client, clients.engine, s3, settings, caller, job_id
        )
    # A waiting poll holds one of its tenant's stream slots (429 past STREAMS_PER_TENANT).
    refuse_if_recently_full(caller.tenant_id, settings)
    slot = await run_in_threadpool(take_slot, client, caller.tenant_id, settings)
    try:
        return await _long_poll(clients, caller, job_id, slot, deadline)
    finally:
        await run_in_threadpool(slot.release)


async def _long_poll(
    clients: Clients, caller: Principal, job_id: str, slot: StreamSlot, deadline: float
) -> GenerationPublic:
    """Read the job until it ends or `deadline` passes, woken by its changes."""
    settings, client, engine, s3 = (
        clients.settings,
        clients.redis,
        clients.engine,
        clients.presign_s3,
    )
    # Registered before the first read: a change between a read and the wait still wakes.
    with clients.notifications.watch(job_id) as waiter:
        while True:
            # One hand-off to a thread per read: the state, and what answers from it.
            read = await run_in_threadpool(
                lambda: status_of(
                    job_state.load(client, job_id),
                    client,
                    engine,
                    s3,
                    settings,
                    caller,
                    job_id,
                    deadline=deadline,
                )
            )
            if isinstance(read, GenerationPublic):
                return read
            await run_in_threadpool(slot.renew_if_due)
            remaining_s = deadline - time.monotonic()
            # Woken by the job's change notification; the timeouts re-read anyway, for a
            # notification missed while the subscriber reconnected and for the row check.
            await waiter.wait(
                max(min(remaining_s, settings.events_reread_s, row_check_in(read, job_id)), 0.0)
            )


def status_of(
    state: JobState | None,
    client: redis.Redis,
    engine: Engine,
    s3: Any,
    settings: Settings,
    caller: Principal,
    job_id: str,
    *,
    deadline: float,
) -> GenerationPublic | JobState:
    """The job's public view, or (before `deadline`, monotonic s, and the job not ended)
    its live state to wait on, from that state as read (`state`; None: there is none).
    Raises JobNotFound for an unknown job and for another tenant's."""
    if state is None:
        row = load_generation(engine, job_id)
        if row is None or not caller.sees(row.tenant_id):
            raise JobNotFound(f"no job {job_id}")
        return job_views.from_row(row, s3, settings)
    if not caller.sees(state.tenant_id):
        raise JobNotFound(f"no job {job_id}")  # the same answer as an unknown id
    if row_check_due(state) and claim_row_check(job_id):
        row = recorded_end(client, engine, job_id)
        if row is not None:
            return job_views.from_row(row, s3, settings)
    if state.is_terminal or time.monotonic() >= deadline:
        return job_views.from_state(state, s3, settings)
    return state


def answer_from_state(
    state: JobState | None, s3: Any, settings: Settings, caller: Principal
) -> GenerationPublic | None:
    """The view of a live state the caller may see, when nothing but the state is
    needed (no row check due, no webhook to read); None sends the poll to `answer_now`."""
    if state is None or not caller.sees(state.tenant_id) or state.webhook_url:
        return None
    if row_check_due(state, _next_row_check.get(state.id, 0.0)):
        return None
    return job_views.from_state(state, s3, settings, with_webhook=False)


def answer_now(
    state: JobState | None, client: redis.Redis, engine: Engine, s3: Any, settings: Settings,
    caller: Principal, job_id: str,
) -> GenerationPublic:  # fmt: skip
    """The job's public view from its live state as just read (status_of with its
    deadline passed)."""
    read = status_of(state, client, engine, s3, settings, caller, job_id, deadline=0.0)
    assert isinstance(read, GenerationPublic)
    return read


_next_row_check: dict[str, float] = {}
"""Per job, when this process may next read its row (monotonic s): polls of one job,
however many at once, share ROW_CHECK_EVERY_S. Bounded by clearing (an extra read)."""
_ROW_CHECKS_MAX = 10_000


def row_check_due(state: JobState, next_check: float = 0.0) -> bool:
    """The job is old enough, not ended, and `next_check` (monotonic s) has passed."""
    return (
        not state.is_terminal
        and time.time() - state.created_at >= ROW_CHECK_AFTER_S
        and time.monotonic() >= next_check
    )


def claim_row_check(job_id: str) -> bool:
    """True (and the next check put ROW_CHECK_EVERY_S away) if the job's row may be read
    now. Threads racing here may both read: harmless, one extra primary-key look-up."""
    now = time.monotonic()
    if _next_row_check.get(job_id, 0.0) > now:
        return False
    if len(_next_row_check) >= _ROW_CHECKS_MAX:
        _next_row_check.clear()
    _next_row_check[job_id] = now + ROW_CHECK_EVERY_S
    return True


def row_check_in(state: JobState, job_id: str) -> float:
    """Seconds until a row check can next be due (for a wait to end by then)."""
    return max(
        state.created_at + ROW_CHECK_AFTER_S - time.time(),
        _next_row_check.get(job_id, 0.0) - time.monotonic(),
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
