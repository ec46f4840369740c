"""GET /v1/generations/{id}/events and the long-poll, woken by Redis pub/sub: a real API
process and a real worker (each step slowed) on a queue of their own, read with an SSE
client library (httpx-sse).

The API here re-reads a waiting job only every EVENTS_REREAD_S = 600 s, so every event
and every end these tests see came through a change notification, not a re-read."""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from httpx_sse import ServerSentEvent, connect_sse

from config.settings import get_settings
from core.keys import events_key, job_key, stream_slots_key
from devstack import processes
from devstack.processes import ManagedProcess
from tests.conftest import Keys, bearer
from tests.helpers import make_job, wait_for_end
from workers.chain.steps import STEP_NAMES

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]

STEP_DELAY_MS = 300
"""Each template step's pause: time to read, drop and resume a stream mid-job."""


@dataclass
class Stack:
    api: httpx.Client
    api_process: ManagedProcess


@pytest.fixture(scope="module")
def stack(workdir: Path, keys: Keys) -> Iterator[Stack]:
    queue = f"events-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "GENERATION_QUEUE": queue}
    worker = processes.start_worker(
        env={**env, "TEMPLATE_DELAY_MS": str(STEP_DELAY_MS)},
        workdir=workdir,
        queue=queue,
        concurrency=2,
    )
    api_env = {**env, "EVENTS_REREAD_S": "600", "EVENTS_KEEPALIVE_S": "600"}
    api_process, base_url = processes.start_api(env=api_env, workdir=workdir)
    client = httpx.Client(base_url=base_url, timeout=60, headers=bearer(keys.submit))
    try:
        yield Stack(client, api_process)
    finally:
        client.close()
        api_process.stop()
        worker.stop()


def _submit(api: httpx.Client) -> str:
    body = make_job(component_name=f"Events{uuid.uuid4().hex[:8]}")  # never an L1 hit
    accepted = api.post("/v1/generations", json=body)
    assert accepted.status_code == 202, accepted.text
    return str(accepted.json()["id"])


def _events(
    api: httpx.Client,
    job_id: str,
    *,
    headers: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
    stop_after: int = 0,
) -> list[ServerSentEvent]:
    """The stream's events until it closes (or until `stop_after` events, then drop it)."""
    seen: list[ServerSentEvent] = []
    url = f"/v1/generations/{job_id}/events"
    with connect_sse(api, "GET", url, headers=headers or {}, params=params) as source:
        assert source.response.status_code == 200
        assert source.response.headers["content-type"].startswith("text/event-stream")
        for event in source.iter_sse():
            seen.append(event)
            if len(seen) == stop_after:
                break
    return seen


def _order(event_id: str) -> tuple[int, ...]:
    """Event ids are stream entry ids, `{ms}-{seq}`."""
    return tuple(map(int, event_id.split("-")))


def _stages(events: list[ServerSentEvent]) -> list[str | None]:
    return [json.loads(e.data)["stage"] for e in events if e.event == "state"]


def test_a_stream_shows_every_stage_in_order_then_the_end(stack: Stack) -> None:
    # Given a job just submitted
    job_id = _submit(stack.api)
    # When its event stream is read to the end, from its first event on (0-0: the id
    # before every event; a client's first connection, with no Last-Event-ID, starts at
    # the job's current state instead)
    events = _events(stack.api, job_id, headers={"Last-Event-ID": "0-0"})
    # Then it was queued, then ran every step in order, succeeded, and the end came
    assert all(e.event == "state" for e in events[:-1])
    states = [json.loads(e.data) for e in events[:-1]]
    assert {s["job_id"] for s in states} == {job_id}
    assert states[0]["status"] == "queued"
    assert [s for s in _stages(events) if s in STEP_NAMES] == list(STEP_NAMES)
    assert states[-1]["status"] == "succeeded" and states[-1]["cache_layer"] == "L4"
    assert events[-1].event == "end"
    end = json.loads(events[-1].data)
    assert end["id"] == job_id and end["status"] == "succeeded"
    assert end == stack.api.get(f"/v1/generations/{job_id}").json() | {"result": end["result"]}
    # And ids increase, so a resume knows where it was
    ids = [_order(e.id) for e in events[:-1]]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)


def test_a_first_connection_starts_at_the_current_state(stack: Stack) -> None:
    # Given a job part-way through its steps
    job_id = _submit(stack.api)
    _events(stack.api, job_id, headers={"Last-Event-ID": "0-0"}, stop_after=4)
    # When a client connects with no Last-Event-ID
    events = _events(stack.api, job_id)
    # Then its first event is the job's state now, the changes after it follow, then end
    first = json.loads(events[0].data)
    assert events[0].event == "state" and first["status"] == "running"
    assert first["stage"] != "extract_tokens"
    assert [s for s in _stages(events) if s in STEP_NAMES] == list(
        STEP_NAMES[STEP_NAMES.index(first["stage"]) :]
    )
    assert events[-1].event == "end"


def test_a_dropped_stream_resumes_with_exactly_the_missed_events(stack: Stack) -> None:
    # Given a client that read three events of a running job, then lost the connection
    job_id = _submit(stack.api)
    first = _events(stack.api, job_id, headers={"Last-Event-ID": "0-0"}, stop_after=3)
    assert first[-1].event == "state"
    # When it reconnects with Last-Event-ID after the job moved on
    wait_for_end(stack.api, job_id)
    rest = _events(stack.api, job_id, headers={"Last-Event-ID": first[-1].id})
    # Then it gets the events after that one, the same as a stream read whole, then end
    whole = _events(stack.api, job_id, headers={"Last-Event-ID": "0-0"})
    missed = [e for e in whole[:-1] if _order(e.id) > _order(first[-1].id)]
    assert missed, "the job made no change after the third event"
    assert [(e.id, e.data) for e in rest[:-1]] == [(e.id, e.data) for e in missed]
    stages = _stages(first) + _stages(rest)
    assert [s for s in stages if s in STEP_NAMES] == list(STEP_NAMES)
    assert rest[-1].event == "end"
    # And the query parameter resumes the same way
    by_query = _events(stack.api, job_id, params={"last_event_id": first[-1].id})
    assert [e.id for e in by_query] == [e.id for e in rest]


def test_an_ended_job_answers_its_end_at_once(stack: Stack, redis_db: redis.Redis) -> None:
    # Given a job that ended
    job_id = _submit(stack.api)
    status = wait_for_end(stack.api, job_id)
    # When its stream is opened: its state, then the end, then the stream closes
    events = _events(stack.api, job_id)
    assert [e.event for e in events] == ["state", "end"]
    assert json.loads(events[1].data)["status"] == status["status"]
    # And with every stream slot of its tenant held, it still answers: it takes none
    slots = stream_slots_key("tenant-a")
    held = {f"held-{i}": time.time() + 60 for i in range(get_settings().streams_per_tenant)}
    redis_db.zadd(slots, held)
    try:
        assert [e.event for e in _events(stack.api, job_id)] == ["state", "end"]
    finally:
        redis_db.zrem(slots, *held)
    # And once its live state is gone, the end comes from its Postgres row
    redis_db.delete(job_key(job_id), events_key(job_id))
    events = _events(stack.api, job_id)
    assert [e.event for e in events] == ["end"]
    assert json.loads(events[0].data)["status"] == status["status"]
    assert json.loads(events[0].data)["result"]["component_id"] == status["result"]["component_id"]


def test_another_tenants_job_and_an_unknown_one_are_404(stack: Stack, keys: Keys) -> None:
    job_id = _submit(stack.api)
    other = stack.api.get(f"/v1/generations/{job_id}/events", headers=bearer(keys.other))
    assert other.status_code == 404
    assert other.json()["error"]["type"] == "not_found"
    unknown = stack.api.get(f"/v1/generations/{uuid.uuid4().hex}/events")
    assert unknown.status_code == 404
    # And the job's own tenant, with a read key, follows it
    reader = _events(stack.api, job_id, headers=bearer(keys.read))
    assert reader[-1].event == "end"


def test_a_bad_last_event_id_is_refused_naming_it(stack: Stack) -> None:
    job_id = _submit(stack.api)
    refused = stack.api.get(f"/v1/generations/{job_id}/events", params={"last_event_id": "x"})
    assert refused.status_code == 422
    assert "last_event_id" in refused.text


def test_a_long_poll_returns_when_the_job_ends(stack: Stack) -> None:
    # Given a running job
    job_id = _submit(stack.api)
    # When a client long-polls it for longer than the job takes (the API re-reads only
    # every 600 s; its row check, for jobs over 2 s old, every second)
    status = stack.api.get(f"/v1/generations/{job_id}", params={"wait": 50}).json()
    # Then the poll answers with the job's end
    assert status["status"] == "succeeded", status


def _subscriptions(redis_db: redis.Redis, pid: int) -> list[dict[str, Any]]:
    name = f"job-notifications:{pid}"
    return [c for c in redis_db.client_list(_type="pubsub") if c.get("name") == name]


def test_the_subscriber_recovers_after_redis_drops_it(stack: Stack, redis_db: redis.Redis) -> None:
    # Given the API's subscription and a job being followed
    pid = stack.api_process.pid
    before = _subscriptions(redis_db, pid)
    assert len(before) == 1, before
    job_id = _submit(stack.api)
    url = f"/v1/generations/{job_id}/events"
    seen: list[ServerSentEvent] = []
    with connect_sse(stack.api, "GET", url, headers={"Last-Event-ID": "0-0"}) as source:
        for event in source.iter_sse():
            seen.append(event)
            if len(seen) == 2:  # queued, then running its cache look-up
                # When Redis kills the API's pub/sub connection mid-job
                redis_db.client_kill_filter(_id=before[0]["id"], _type="pubsub")
    # Then the stream still gets the rest of the job's changes and its end
    assert seen[-1].event == "end"
    assert json.loads(seen[-1].data)["status"] == "succeeded"
    assert "validate_quality" in _stages(seen)
    # And the API subscribed again (a new connection)
    after = _subscriptions(redis_db, pid)
    assert len(after) == 1 and after[0]["id"] != before[0]["id"], after
    # And a long-poll afterwards is woken by the new subscription
    second = _submit(stack.api)
    status = stack.api.get(f"/v1/generations/{second}", params={"wait": 50}).json()
    assert status["status"] == "succeeded", status
