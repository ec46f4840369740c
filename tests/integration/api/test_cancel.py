"""POST /v1/generations/{id}/cancel against a real API, real workers, Redis, Postgres and
S3: a queued job never runs, a running one stops at its next step and leaves nothing."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import redis
from sqlalchemy import Engine, text

from core.keys import job_key
from devstack.fakes.openai_api import LLMState
from tests.conftest import LLM_KEY, Keys, bearer
from tests.helpers import (
    make_job,
    object_versions,
    queue_job,
    submit_and_wait,
    wait_for_end,
)
from workers.clients import cache_redis_client

pytestmark = pytest.mark.integration

CHAIN_STEPS = {"extract_tokens", "retrieve_pattern", "generate_code", "validate_quality"}


def _row(engine: Engine, job_id: str) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT status, success, error_type FROM generations WHERE id = :id"),
            {"id": job_id},
        ).first()
    return dict(row._mapping) if row is not None else None


def _cancelled_total(api: httpx.Client, keys: Keys) -> float:
    answer = httpx.get(f"{api.base_url}/metrics", headers=bearer(keys.admin))
    found = re.search(r"^generation_cancelled_total (\S+)$", answer.text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def _artifacts(s3: Any, bucket: str, component_id: str) -> list[tuple[str, str]]:
    return object_versions(s3, bucket, f"components/{component_id}/") + object_versions(
        s3, bucket, f"reports/{component_id}/"
    )


def _wait_for_log(worker: Any, *needles: str, timeout_s: float = 30) -> None:
    """Until the worker logged one of `needles`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        log = worker.log_path.read_text(errors="replace")
        if any(needle in log for needle in needles):
            return
        time.sleep(0.05)
    raise AssertionError(f"{worker.name} never logged {needles!r}:\n{worker.log_tail()}")


def test_a_queued_job_cancelled_never_runs(
    start_api: Callable[..., httpx.Client],
    start_worker: Callable[..., Any],
    keys: Keys,
    engine: Engine,
    redis_db: redis.Redis,
    s3: Any,
    bucket: str,
) -> None:
    # Given a job queued where no worker consumes yet
    queue = f"cancel-q-{uuid.uuid4().hex[:8]}"
    api = start_api(env={"GENERATION_QUEUE": queue})
    job_id = api.post("/v1/generations", json=make_job(component_name="NeverRun")).json()["id"]
    before = _cancelled_total(api, keys)
    # When it is cancelled, twice
    first = api.post(f"/v1/generations/{job_id}/cancel")
    second = api.post(f"/v1/generations/{job_id}/cancel")
    # Then it is cancelled at once, and the second answer is the same
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "cancelled"
    assert first.json()["result"] is None
    assert first.json()["error"]["type"] == "cancelled"
    assert first.json()["error"]["message"].startswith("cancelled by key ")
    assert second.status_code == 200
    assert second.json() == first.json()
    assert _cancelled_total(api, keys) == before + 1
    # And when a worker gets its message, it drops it without running the job
    worker = start_worker(queue=queue)
    _wait_for_log(
        worker, f"job {job_id} already cancelled", f"job {job_id} was cancelled before it ran"
    )
    status = api.get(f"/v1/generations/{job_id}").json()
    assert status["status"] == "cancelled"
    assert status["attempts"] == 0 and status["started_at"] is None
    assert _row(engine, job_id) == {"status": "cancelled", "success": False,
                                    "error_type": "cancelled"}  # fmt: skip
    component_id = redis_db.hget(job_key(job_id), "component_id")
    assert component_id and _artifacts(s3, bucket, component_id) == []


def test_a_running_job_cancelled_stops_and_leaves_nothing(
    start_api: Callable[..., httpx.Client],
    start_worker: Callable[..., Any],
    engine: Engine,
    redis_db: redis.Redis,
    s3: Any,
    bucket: str,
) -> None:
    # Given a job running on a slow worker (800 ms per step)
    queue = f"cancel-r-{uuid.uuid4().hex[:8]}"
    api = start_api(env={"GENERATION_QUEUE": queue})
    start_worker(queue=queue, env={"TEMPLATE_DELAY_MS": "800"})
    job_id = api.post("/v1/generations", json=make_job(component_name="Stopped")).json()["id"]
    deadline = time.monotonic() + 30
    while (status := api.get(f"/v1/generations/{job_id}").json())["stage"] not in CHAIN_STEPS:
        assert time.monotonic() < deadline, status
        time.sleep(0.05)
    # When it is cancelled mid-chain
    asked = api.post(f"/v1/generations/{job_id}/cancel")
    # Then it is asked to stop (202), and ends cancelled at its next step boundary
    assert asked.status_code == 202, asked.text
    assert asked.json()["status"] == "running"
    assert asked.json()["cancel_requested"] is True
    ended = wait_for_end(api, job_id)
    assert ended["status"] == "cancelled", ended
    assert ended["result"] is None
    assert ended["error"]["type"] == "cancelled"
    # And it left no artifacts, no L1 entry, and a row that says cancelled
    component_id = redis_db.hget(job_key(job_id), "component_id")
    assert component_id and _artifacts(s3, bucket, component_id) == []
    cache_key = redis_db.hget(job_key(job_id), "cache_key")
    assert cache_key and cache_redis_client().exists(cache_key) == 0
    assert _row(engine, job_id) == {"status": "cancelled", "success": False,
                                    "error_type": "cancelled"}  # fmt: skip
    # And cancelling it again answers the same
    again = api.post(f"/v1/generations/{job_id}/cancel")
    assert again.status_code == 200 and again.json()["status"] == "cancelled"


@pytest.mark.usefixtures("worker")
def test_an_ended_job_answers_409_and_other_callers_are_refused(
    api: httpx.Client, keys: Keys
) -> None:
    # Given a job that succeeded
    done = submit_and_wait(api, make_job(component_name="AlreadyDone"))
    assert done["status"] == "succeeded"
    url = f"/v1/generations/{done['id']}/cancel"
    # Then cancelling it is a conflict, and it stays succeeded
    conflict = api.post(url)
    assert conflict.status_code == 409, conflict.text
    assert conflict.json()["error"]["type"] == "conflict"
    assert "already succeeded" in conflict.json()["error"]["message"]
    assert api.get(f"/v1/generations/{done['id']}").json()["status"] == "succeeded"
    # And another tenant's key finds no such job, a read key may not cancel
    assert api.post(url, headers=bearer(keys.other)).status_code == 404
    assert api.post(url, headers=bearer(keys.read)).status_code == 403
    assert api.post("/v1/generations/no-such-job/cancel").status_code == 404


def test_a_paid_job_cancelled_mid_chain_is_billed_for_what_it_spent(
    start_worker: Callable[..., Any],
    api: httpx.Client,
    engine: Engine,
    llm: LLMState,
    keys: Keys,
) -> None:
    # Given a job of the paid provider, slowed so it can be stopped after its LLM calls
    queue = f"cancel-paid-{uuid.uuid4().hex[:8]}"
    start_worker(queue=queue, env={"OPENAI_API_KEY": LLM_KEY, "TEMPLATE_DELAY_MS": "700"})
    name = f"Paid{uuid.uuid4().hex[:6].upper()}Button"
    body = make_job(component_name=name, requirements=None, options={"provider": "openai"})
    job_id = queue_job(queue, body)
    # The queue's tenant is not tenant-a's: an admin key follows the job
    admin = httpx.Client(base_url=api.base_url, headers=bearer(keys.admin), timeout=30)
    deadline = time.monotonic() + 30
    # (404 until a worker received the message and made its state)
    while admin.get(f"/v1/generations/{job_id}").json().get("stage") != "validate_quality":
        assert time.monotonic() < deadline, "never reached validate_quality"
        time.sleep(0.02)
    # When it is cancelled after the model answered (propose_requirements, generate_code)
    assert admin.post(f"/v1/generations/{job_id}/cancel").status_code == 202
    ended = wait_for_end(admin, job_id)
    assert ended["status"] == "cancelled", ended
    # Then what it paid is on its row and in the costs table (so the tenant's spend and
    # budget count it): cancelling is no way round a budget
    assert len(llm.requests_about(name)) == 2
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT cost_usd, prompt_tokens FROM generations WHERE id = :id"),
            {"id": job_id},
        ).one()
        billed = conn.execute(
            text("SELECT count(*), coalesce(sum(usd), 0) FROM costs WHERE generation_id = :id"),
            {"id": job_id},
        ).one()
    assert billed[0] == 2 and billed[1] > 0
    assert row.cost_usd == billed[1] and row.prompt_tokens > 0
    admin.close()
