"""How the CLI follows a job's events: a stream closed before `end` is resumed after the
last event received (Last-Event-ID), and a server without the events route is polled."""

from __future__ import annotations

import json
import queue

import httpx
import pytest

from client import job_watch
from client.http_api import ComponentForgeApi
from client.job_watch import JobUpdate, stream_job

DOCUMENT = {"id": "j1", "status": "succeeded", "stage": None, "cache_layer": "L4"}


def sse(event_id: str, name: str, data: dict[str, object]) -> str:
    return f"id: {event_id}\nevent: {name}\ndata: {json.dumps(data)}\n\n"


@pytest.fixture(autouse=True)
def _no_pauses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(job_watch, "POLL_EVERY_S", 0.001)


def updates_of(handler: httpx.MockTransport) -> list[JobUpdate]:
    updates: job_watch.Updates = queue.Queue()
    with ComponentForgeApi("http://api.test", "cf_k", transport=handler) as api:
        stream_job(api, "j1", updates)
    return list(updates.queue)


def test_a_stream_closed_before_the_end_resumes_after_the_last_event() -> None:
    # Given a server whose first stream closes after one state event
    asked: list[str | None] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request.headers.get("Last-Event-ID"))
        if len(asked) == 1:
            state = {"job_id": "j1", "status": "running", "stage": "generate_code"}
            return httpx.Response(200, text=": keep-alive\n\n" + sse("5-0", "state", state))
        return httpx.Response(200, text=sse("6-0", "end", DOCUMENT))

    # When the job is followed
    updates = updates_of(httpx.MockTransport(answer))
    # Then the second request resumed after 5-0, and the end carries the document
    assert asked == [None, "5-0"]
    assert [(u.status, u.stage) for u in updates] == [("running", "generate_code"),
                                                      ("succeeded", None)]  # fmt: skip
    assert updates[-1].document == DOCUMENT


def test_a_server_without_the_events_route_is_polled() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/events"):
            return httpx.Response(404, json={"error": {"type": "not_found", "message": "no"}})
        return httpx.Response(200, json=DOCUMENT)

    updates = updates_of(httpx.MockTransport(answer))
    assert [u.document for u in updates] == [DOCUMENT]


def test_an_unknown_job_is_reported_not_waited_for() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json={"error": {"type": "not_found", "message": "no job"}})

    (update,) = updates_of(httpx.MockTransport(answer))
    assert update.problem == "no job (404)"
