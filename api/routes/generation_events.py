"""GET /v1/generations/{id}/events: a job's changes as Server-Sent Events.

`state` events (one per status or stage change; without Last-Event-ID the first is the
current state), then `end` with the status document, then the stream closes. A stream
idle for STREAM_IDLE_S, or open for STREAM_MAX_S, ends with a `reconnect` event instead
(resume with Last-Event-ID); a tenant holds at most STREAMS_PER_TENANT streams and
long-polls at once (api.stream_slots; 429 past it). Each
event's id is its job-events stream entry id, so `Last-Event-ID` resumes right after
it. Waiting is on the process's change notifications (api.job_notifications), with a
re-read every EVENTS_REREAD_S and a `: keep-alive` comment every EVENTS_KEEPALIVE_S.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from fastapi.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse

from api import job_views
from api.deps import ClientsDep, Reader
from api.routes.generations import JobId, recorded_end, row_check_due
from api.schemas import ErrorResponse, GenerationPublic, error_responses
from api.stream_slots import refuse_if_recently_full, take_slot
from config.settings import Settings
from core.errors import JobNotFound
from core.state import JobState
from workers.storage import job_events
from workers.storage.job_events import FIRST_ID, JobEvent
from workers.storage.records import load_generation

router = APIRouter(prefix="/v1/generations", tags=["generations"])

EVENT_ID_PATTERN = r"^([0-9]{1,19}-[0-9]{1,19})?$"
"""An event id as this stream sends them (a Redis Stream entry id), or none."""
KEEP_ALIVE = b": keep-alive\n\n"


class EventStreamResponse(StreamingResponse):
    media_type = "text/event-stream"


_STREAM_DOC = (
    "`text/event-stream`: `state` events (data: job_id, status, stage, cache_layer, "
    "attempts, at), then one `end` event (data: the status document, as GET "
    "/v1/generations/{id} answers it), then the stream closes; `: keep-alive` comments "
    "meanwhile. After STREAM_IDLE_S without an event, or STREAM_MAX_S in all, one "
    "`reconnect` event (data: reason, last_event_id) ends it instead. Every event has "
    "an `id:` to resume after with Last-Event-ID."
)


def _as_json(responses: dict[int | str, dict[str, Any]]) -> dict[int | str, dict[str, Any]]:
    """Error responses stated as JSON: given as a model, FastAPI would document them in
    the route's own media type (text/event-stream)."""
    return {
        status: {
            "description": response["description"],
            "content": {"application/json": {"schema": {"$ref": _ERROR_SCHEMA}}},
        }
        for status, response in responses.items()
    }


_ERROR_SCHEMA = f"#/components/schemas/{ErrorResponse.__name__}"


@router.get(
    "/{job_id}/events",
    response_class=EventStreamResponse,
    responses={
        200: {
            "description": _STREAM_DOC,
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        },
        **_as_json(
            error_responses(
                401,
                404,
                422,
                429,
                503,
                described={
                    404: "no job with that id in your tenant",
                    429: "your tenant holds STREAMS_PER_TENANT streams and long-polls",
                },
            )
        ),
    },
)
async def generation_events(
    job_id: JobId,
    caller: Reader,
    clients: ClientsDep,
    # "" (not None) when absent: an optional string is documented as string-or-null,
    # and a client would then be right to send the header `Last-Event-ID: null`.
    last_event_id_header: Annotated[
        str,
        Header(
            alias="Last-Event-ID",
            pattern=EVENT_ID_PATTERN,
            description="resume after this event (the id of the last event received)",
        ),
    ] = "",
    last_event_id: Annotated[
        str,
        Query(pattern=EVENT_ID_PATTERN, description="the same as the Last-Event-ID header"),
    ] = "",
) -> EventStreamResponse:
    """Follow a job until it ends, as Server-Sent Events."""
    client, engine, s3, settings = (
        clients.redis,
        clients.engine,
        clients.presign_s3,
        clients.settings,
    )
    notifications = clients.notifications

    async def document(view: Callable[..., GenerationPublic], source: Any) -> GenerationPublic:
        # Off the event loop: a job's webhook attempts are read from Postgres.
        return await run_in_threadpool(view, source, s3, settings)

    # A tenant at its cap a moment ago is refused before any thread or Redis call.
    refuse_if_recently_full(caller.tenant_id, settings)
    state, newest = await run_in_threadpool(job_events.current, client, job_id)
    if state is None:
        row = await run_in_threadpool(load_generation, engine, job_id)
        if row is None or not caller.sees(row.tenant_id):
            raise JobNotFound(f"no job {job_id}")
        # Its live state is gone: it ended long ago, so the end at once.
        return EventStreamResponse(_once(_end(await document(job_views.from_row, row), FIRST_ID)))
    if not caller.sees(state.tenant_id):
        raise JobNotFound(f"no job {job_id}")  # the same answer as an unknown id
    first: JobState = state
    resume_from = last_event_id_header or last_event_id
    if first.is_terminal and not resume_from:
        # Its stream is its last state and its end, at once: no slot, nothing to follow
        # (what a client re-opening an ended job's stream in a loop costs).
        last_id = newest.id if newest else FIRST_ID
        at = newest.at if newest else first.created_at
        end = _end(await document(job_views.from_state, first), last_id)
        chunks = (_state(_event_of(first, last_id, at), job_id), end)
        return EventStreamResponse(_each(chunks), headers={"Cache-Control": "no-store"})
    # Taken before the answer starts, so a tenant over its cap gets a plain 429.
    slot = await run_in_threadpool(take_slot, client, caller.tenant_id, settings)

    async def follow() -> AsyncIterator[bytes]:
        started = last_event_at = time.monotonic()
        try:
            with notifications.watch(job_id) as waiter:
                if resume_from:
                    last_id = resume_from
                else:
                    last_id = newest.id if newest else FIRST_ID
                    at = newest.at if newest else first.created_at
                    yield _state(_event_of(first, last_id, at), job_id)
                last_sent = time.monotonic()
                next_row_check = 0.0
                while True:
                    events, now_state = await run_in_threadpool(
                        job_events.changes_after, client, job_id, last_id
                    )
                    for event in events:
                        yield _state(event, job_id)
                        last_id = event.id
                        last_sent = last_event_at = time.monotonic()
                    if now_state is None:
                        row = await run_in_threadpool(load_generation, engine, job_id)
                        if row is not None:
                            yield _end(await document(job_views.from_row, row), last_id)
                        return  # no row either: the job was taken back, nothing more to say
                    if now_state.is_terminal:
                        yield _end(await document(job_views.from_state, now_state), last_id)
                        return
                    if row_check_due(now_state, next_row_check):
                        next_row_check = time.monotonic() + settings.events_reread_s
                        row = await run_in_threadpool(recorded_end, client, engine, job_id)
                        if row is not None:
                            yield _end(await document(job_views.from_row, row), last_id)
                            return
                    deadline = _deadline(started, last_event_at, settings)
                    if deadline.reason is not None:
                        yield _reconnect(deadline.reason, last_id)
                        return
                    keep_alive_in = settings.events_keepalive_s - (time.monotonic() - last_sent)
                    if keep_alive_in <= 0:
                        yield KEEP_ALIVE
                        last_sent = time.monotonic()
                        keep_alive_in = settings.events_keepalive_s
                    await run_in_threadpool(slot.renew_if_due)
                    # A change wakes it; the timeout re-reads anyway (a notification missed
                    # while the subscriber reconnected) and keeps the connection alive.
                    await waiter.wait(min(keep_alive_in, settings.events_reread_s, deadline.in_s))
        finally:
            # Not awaited: a closed connection cancels this generator, and an await in
            # its cleanup could be cancelled too (the lease would then free the slot).
            slot.release()

    return EventStreamResponse(follow(), headers={"Cache-Control": "no-store"})


@dataclass(frozen=True)
class _Deadline:
    reason: str | None
    """"idle" or "max_duration" once one passed; None while the stream may go on."""
    in_s: float
    """Seconds until the nearer one passes."""


def _deadline(started: float, last_event_at: float, settings: Settings) -> _Deadline:
    """A stream ends (asking the client to reconnect) after STREAM_IDLE_S without an
    event or STREAM_MAX_S in all: an idle follower cannot hold a connection for ever."""
    now = time.monotonic()
    total_in = settings.stream_max_s - (now - started)
    idle_in = settings.stream_idle_s - (now - last_event_at)
    if total_in <= 0:
        return _Deadline("max_duration", 0.0)
    if idle_in <= 0:
        return _Deadline("idle", 0.0)
    return _Deadline(None, min(total_in, idle_in))


def _reconnect(reason: str, last_id: str) -> bytes:
    """The stream's last event: reconnect (with Last-Event-ID) to go on following."""
    data = {
        "reason": reason,
        "last_event_id": last_id,
        "message": "the stream reached its time limit; reconnect with Last-Event-ID to go on",
    }
    return b"retry: 1000\n" + _sse("reconnect", last_id, data)


def _event_of(state: JobState, event_id: str, at: float) -> JobEvent:
    return JobEvent(
        id=event_id,
        status=state.status,
        stage=state.stage,
        cache_layer=state.cache_layer,
        attempts=state.attempts,
        at=at,
    )


def _sse(name: str, event_id: str, data: Any) -> bytes:
    payload = json.dumps(data, separators=(",", ":"))
    return f"id: {event_id}\nevent: {name}\ndata: {payload}\n\n".encode()


def _state(event: JobEvent, job_id: str) -> bytes:
    at = datetime.fromtimestamp(event.at, UTC).isoformat().replace("+00:00", "Z")
    data = {
        "job_id": job_id,
        "status": event.status,
        "stage": event.stage,
        "cache_layer": event.cache_layer,
        "attempts": event.attempts,
        "at": at,
    }
    return _sse("state", event.id, data)


def _end(document: GenerationPublic, last_id: str) -> bytes:
    """The end carries the id of the last change: a resume after it gets the end again."""
    return _sse("end", last_id, document.model_dump(mode="json"))


async def _once(chunk: bytes) -> AsyncIterator[bytes]:
    yield chunk


async def _each(chunks: tuple[bytes, ...]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk
