"""Accepting jobs (POST /v1/generations, api/submissions.py) with the API in this process
against the run's Redis and broker, and no worker: what the API does on its own."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
import pytest
import redis
from fastapi.testclient import TestClient

from config.settings import get_settings
from core.keys import LIVE_JOBS
from tests.helpers import get_one, make_job

pytestmark = pytest.mark.integration


@pytest.fixture
def queue(in_process_api: TestClient) -> str:
    """A queue of the test's own that no worker consumes, so its jobs stay queued."""
    name = f"api-test-{uuid.uuid4().hex[:8]}"
    settings = get_settings().model_copy(update={"generation_queue": name})
    in_process_api.app.dependency_overrides[get_settings] = lambda: settings  # type: ignore[attr-defined]
    return name


def test_a_job_is_accepted_queued_and_published(in_process_api: TestClient, queue: str) -> None:
    # When a valid job is submitted
    accepted = in_process_api.post("/v1/generations", json=make_job())
    # Then it is accepted at once, queued, with where to look
    assert accepted.status_code == 202, accepted.text
    job_id = accepted.json()["id"]
    assert accepted.json() == {
        "id": job_id,
        "status": "queued",
        "status_url": f"/v1/generations/{job_id}",
    }
    assert accepted.headers["Location"] == f"/v1/generations/{job_id}"
    # And its status reads queued
    status = in_process_api.get(f"/v1/generations/{job_id}").json()
    assert (status["status"], status["component_name"], status["attempts"]) == (
        "queued",
        "PrimaryButton",
        0,
    )
    # And one generation.run message naming it waits on the queue
    message = get_one(get_settings().broker_url, queue, timeout_s=5)
    assert (message.headers["task"], message.headers["id"]) == ("generation.run", job_id)


def test_the_same_idempotency_key_and_body_is_the_same_job(
    in_process_api: TestClient, queue: str
) -> None:
    body = make_job(component_name="IdempotentButton")
    headers = {"Idempotency-Key": f"key-{uuid.uuid4().hex}"}
    first = in_process_api.post("/v1/generations", json=body, headers=headers)
    # When the same body comes again under the key
    replay = in_process_api.post("/v1/generations", json=body, headers=headers)
    # Then it is the same job, as it now stands
    assert first.status_code == replay.status_code == 202
    assert replay.json() == first.json()
    # And another body under the key is refused
    other = in_process_api.post(
        "/v1/generations", json={**body, "component_name": "OtherButton"}, headers=headers
    )
    assert other.status_code == 409
    assert other.json()["error"]["type"] == "idempotency_conflict"


def test_an_unknown_job_is_404(in_process_api: TestClient) -> None:
    # Neither Redis nor Postgres knows the id
    response = in_process_api.get(f"/v1/generations/{uuid.uuid4().hex}")
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "not_found"


def test_a_job_whose_message_cannot_be_queued_is_a_503_that_leaves_nothing(
    start_api: Callable[..., httpx.Client], redis_db: redis.Redis
) -> None:
    # Given an API process on a queue the broker refuses messages on (its key holds a
    # string: WRONGTYPE)
    queue = f"api-test-{uuid.uuid4().hex[:8]}"
    api = start_api(env={"GENERATION_QUEUE": queue})
    redis_db.set(queue, "not a list")
    live_before = set(redis_db.zrange(LIVE_JOBS, 0, -1))
    body, idempotency = make_job(component_name="UnqueueableButton"), uuid.uuid4().hex
    try:
        # When a job is submitted twice (the first reads the tenant's limits from
        # Postgres, in a thread; the second has them cached and stays on the event loop)
        refused = [
            api.post("/v1/generations", json=body, headers={"Idempotency-Key": idempotency})
            for _ in range(2)
        ]
        # Then each is a 503 saying nothing was queued, and nothing was left behind
        for response in refused:
            assert response.status_code == 503, response.text
            assert "nothing was queued" in response.json()["error"]["message"]
        assert set(redis_db.zrange(LIVE_JOBS, 0, -1)) <= live_before
        assert not list(redis_db.scan_iter(match=f"idem:*{idempotency}*"))
    finally:
        redis_db.delete(queue)
    # And once the queue takes messages, the same key and body make a new job
    accepted = api.post("/v1/generations", json=body, headers={"Idempotency-Key": idempotency})
    assert accepted.status_code == 202, accepted.text
    message = get_one(get_settings().broker_url, queue, timeout_s=5)
    assert message.headers["id"] == accepted.json()["id"]
