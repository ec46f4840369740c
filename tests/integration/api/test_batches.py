"""POST /v1/generations/batch and GET /v1/batches/{id} against a real API, real workers,
Redis and Postgres."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import redis
from sqlalchemy import Engine

from core.keys import batch_key, job_key
from tests.conftest import Keys, bearer
from tests.helpers import make_job
from tests.integration.api.test_quotas import new_tenant

pytestmark = pytest.mark.integration


def _invalid_job() -> dict[str, Any]:
    return {**make_job(component_name="BadOne"), "component_type": "spaceship"}


def _wait_for_counts(
    api: httpx.Client, batch_id: str, want: dict[str, int], *, timeout_s: float = 60
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        batch = api.get(f"/v1/batches/{batch_id}").json()
        if all(batch["counts"][status] == n for status, n in want.items()):
            return batch
        assert time.monotonic() < deadline, batch
        time.sleep(0.2)


def test_a_batch_queues_the_valid_items_and_refuses_the_others(
    start_api: Callable[..., httpx.Client],
    start_worker: Callable[..., Any],
    keys: Keys,
    redis_db: redis.Redis,
) -> None:
    # Given an API whose queue no worker consumes yet, and a batch of two valid jobs and
    # an invalid one
    queue = f"batch-{uuid.uuid4().hex[:8]}"
    api = start_api(env={"GENERATION_QUEUE": queue})
    jobs = [make_job(component_name="FirstOne"), _invalid_job(),
            make_job(component_name="SecondOne", component_type="input")]  # fmt: skip
    # When it is submitted
    answer = api.post("/v1/generations/batch", json={"jobs": jobs})
    # Then the valid ones are queued and the invalid one is refused with the field errors
    # a single submit of it gets
    assert answer.status_code == 202, answer.text
    batch = answer.json()
    assert (batch["accepted"], batch["refused"]) == (2, 1)
    assert batch["status_url"] == f"/v1/batches/{batch['id']}"
    first, refused, second = batch["items"]
    assert first["index"] == 0 and first["status"] == "queued" and "error" not in first
    assert second["index"] == 2 and second["status"] == "queued"
    single = api.post("/v1/generations", json=_invalid_job())
    assert single.status_code == 422
    assert refused == {"index": 1, "error": single.json()["error"]}
    assert any(f["field"] == "component_type" for f in refused["error"]["fields"])
    # And the batch lists both, queued, in order
    listed = api.get(batch["status_url"]).json()
    assert listed["total"] == 2
    assert [job["id"] for job in listed["jobs"]] == [first["id"], second["id"]]
    assert listed["counts"] == {"queued": 2, "running": 0, "succeeded": 0, "failed": 0,
                                "cancelled": 0}  # fmt: skip
    assert listed["jobs"][1]["component_type"] == "input"
    # When a worker runs them, the counts follow
    start_worker(queue=queue)
    done = _wait_for_counts(api, batch["id"], {"succeeded": 2})
    assert {job["cache_layer"] for job in done["jobs"]} <= {"L1", "L4"}
    # And once their live state (and the batch's Redis copy) is gone, the rows answer
    for job_id in (first["id"], second["id"]):
        redis_db.delete(job_key(job_id))
    redis_db.delete(batch_key(batch["id"]))
    later = api.get(batch["status_url"]).json()
    assert later["counts"]["succeeded"] == 2
    assert [job["status"] for job in later["jobs"]] == ["succeeded", "succeeded"]
    # And another tenant cannot see it; a read key of the tenant can
    assert api.get(batch["status_url"], headers=bearer(keys.other)).status_code == 404
    assert api.get(batch["status_url"], headers=bearer(keys.read)).status_code == 200


def test_batch_limits_and_roles(api: httpx.Client, keys: Keys) -> None:
    # 101 jobs: the whole batch is refused, naming `jobs`
    too_many = api.post("/v1/generations/batch", json={"jobs": [make_job()] * 101})
    assert too_many.status_code == 422, too_many.text
    assert [f["field"] for f in too_many.json()["error"]["fields"]] == ["jobs"]
    # An empty batch too
    assert api.post("/v1/generations/batch", json={"jobs": []}).status_code == 422
    # A read key may not submit one
    read = api.post("/v1/generations/batch", json={"jobs": [make_job()]}, headers=bearer(keys.read))
    assert read.status_code == 403
    assert api.get("/v1/batches/no-such-batch").status_code == 404


def test_a_batch_replayed_with_its_idempotency_key_is_the_same_batch(
    start_api: Callable[..., httpx.Client],
) -> None:
    api = start_api(env={"GENERATION_QUEUE": f"batch-idem-{uuid.uuid4().hex[:8]}"})
    body = {"jobs": [make_job(component_name="Again"), _invalid_job()]}
    key = {"Idempotency-Key": uuid.uuid4().hex}
    first = api.post("/v1/generations/batch", json=body, headers=key).json()
    second = api.post("/v1/generations/batch", json=body, headers=key).json()
    assert second["id"] == first["id"]
    assert second["items"][0]["id"] == first["items"][0]["id"]
    assert api.get(first["status_url"]).json()["total"] == 1


def test_each_item_takes_its_own_quota_slot(
    start_api: Callable[..., httpx.Client], engine: Engine
) -> None:
    # Given a tenant that may have two jobs in flight, and no worker running them
    api = start_api(env={"GENERATION_QUEUE": f"batch-quota-{uuid.uuid4().hex[:8]}"})
    _, headers = new_tenant(engine, max_in_flight=2)
    jobs = [make_job(component_name=f"Slot{i}") for i in range(3)]
    # When a batch of three is submitted
    batch = api.post("/v1/generations/batch", json={"jobs": jobs}, headers=headers).json()
    # Then two are accepted and the third is refused by the limit
    assert (batch["accepted"], batch["refused"]) == (2, 1)
    refused = batch["items"][2]
    assert refused["error"]["type"] == "quota_exceeded"
    assert "limit is 2" in refused["error"]["message"]
