"""Orphaned jobs (no lease, no message) are found by the reaper and end within its bound
(workers.resilience.reaper): a real worker with short intervals, on a queue of its own."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import redis
from sqlalchemy import Engine, text

from core.keys import LIVE_JOBS, job_key
from core.spec import JobSpec
from core.state import JobStatus, new_job
from tests.helpers import generation_rows, make_job, queue_job, wait_for_end
from workers.resilience import reaper
from workers.storage import job_state

pytestmark = pytest.mark.integration

STALE_AFTER_S = 4
REAPER = {"REAPER_INTERVAL_S": "1", "REAPER_STALE_AFTER_S": str(STALE_AFTER_S)}
# A job lost now is found after the stale bound and a sweep, then runs (a few seconds).
BOUND_S = STALE_AFTER_S + 1 + 20


def lost_job(redis_db: redis.Redis, queue: str, name: str, **fields: str) -> str:
    """A job's live state with no message anywhere, as a lost publish leaves it."""
    job_id = uuid.uuid4().hex
    spec = JobSpec.model_validate(make_job(component_name=name, tenant_id="tenant-a"))
    state = new_job(job_id, spec.model_dump(mode="json", exclude_none=True))
    job_state.create(redis_db, state, ttl_s=3600, queue=queue)
    if fields:
        redis_db.hset(job_key(job_id), mapping=fields)
    return job_id


def wait_for_running(api: httpx.Client, job_id: str, *, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        response = api.get(f"/v1/generations/{job_id}")
        if response.status_code == 200 and response.json()["status"] == "running":
            return
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} never ran")


def test_a_queued_job_whose_message_was_lost_is_requeued_and_succeeds(
    start_worker: Callable[..., Any], api: httpx.Client, redis_db: redis.Redis, engine: Engine
) -> None:
    # Given a worker with a quick reaper, and a queued job whose message never arrived
    queue = f"reaper-{uuid.uuid4().hex[:8]}"
    start_worker(queue=queue, env=REAPER)
    began = time.monotonic()
    job_id = lost_job(redis_db, queue, "LostMessageButton")
    # When the reaper sweeps
    status = wait_for_end(api, job_id, timeout_s=BOUND_S)
    # Then it published the job again, and it ran once and succeeded within the bound
    assert status["status"] == "succeeded", status
    assert time.monotonic() - began < BOUND_S
    assert redis_db.hget(job_key(job_id), "requeues") == "1"
    assert status["attempts"] == 1
    assert generation_rows(engine, job_id) == 1
    assert redis_db.zscore(LIVE_JOBS, job_id) is None


def test_stale_jobs_of_queues_no_one_sweeps_do_not_hide_a_workers_own(
    start_worker: Callable[..., Any], api: httpx.Client, redis_db: redis.Redis
) -> None:
    # Given more stale jobs than a sweep acts on, of a queue no worker here consumes,
    # all older than a lost job of the worker's own queue
    unswept = f"reaper-unswept-{uuid.uuid4().hex[:8]}"
    foreign = [lost_job(redis_db, unswept, f"Foreign{i}") for i in range(2 * reaper.BATCH + 50)]
    try:
        queue = f"reaper-{uuid.uuid4().hex[:8]}"
        start_worker(queue=queue, env=REAPER)
        job_id = lost_job(redis_db, queue, "BehindTheOthersButton")
        # When the reaper sweeps, then it reads past them to its own job, which succeeds
        assert wait_for_end(api, job_id, timeout_s=BOUND_S)["status"] == "succeeded"
        # and the other queue's jobs are left as they were
        assert redis_db.zmscore(LIVE_JOBS, foreign[:5]) != [None] * 5
        assert redis_db.hget(job_key(foreign[0]), "requeues") is None
    finally:
        redis_db.zrem(LIVE_JOBS, *foreign)
        redis_db.delete(*(job_key(job_id) for job_id in foreign))


def test_an_orphan_whose_deliveries_are_spent_fails_with_the_reason(
    start_worker: Callable[..., Any], api: httpx.Client, redis_db: redis.Redis, engine: Engine
) -> None:
    # Given a job left running with no lease and no message, delivered the most times
    queue = f"reaper-{uuid.uuid4().hex[:8]}"
    start_worker(queue=queue, env={**REAPER, "JOB_MAX_DELIVERIES": "7"})
    job_id = lost_job(redis_db, queue, "SpentButton", status=JobStatus.RUNNING, attempts="7")
    # When the reaper sweeps, then it fails the job, saying why
    status = wait_for_end(api, job_id, timeout_s=BOUND_S)
    assert status["status"] == "failed"
    assert status["error"]["type"] == "orphaned"
    assert "delivered 7 times" in status["error"]["message"]
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT success, error_type FROM generations WHERE id = :id"), {"id": job_id}
        ).one()
    assert (row.success, row.error_type) == (False, "orphaned")
    assert redis_db.zscore(LIVE_JOBS, job_id) is None


def test_a_running_job_whose_message_was_deleted_is_found_and_ends(
    start_worker: Callable[..., Any], api: httpx.Client, engine: Engine
) -> None:
    if not os.environ["BROKER_URL"].startswith(("redis://", "rediss://", "unix://")):
        pytest.skip("deletes a message from the Redis broker's unacked hash")
    # Given a job running on a worker (slow steps, a short lease)
    queue = f"reaper-{uuid.uuid4().hex[:8]}"
    env = {**REAPER, "GENERATION_QUEUE": queue, "TEMPLATE_DELAY_MS": "400", "JOB_LEASE_S": "5"}
    first = start_worker(queue=queue, env=env)
    job_id = queue_job(queue, make_job(component_name="DeletedMessageButton"))
    wait_for_running(api, job_id)
    # When its message is deleted from the broker by hand, and its whole worker dies
    broker = redis.Redis.from_url(os.environ["BROKER_URL"], decode_responses=True)
    tags = [tag for tag, m in broker.hgetall("unacked").items() if job_id in m]
    assert tags, "the running job's message is not in the broker's unacked hash"
    broker.hdel("unacked", *tags)
    broker.zrem("unacked_index", *tags)
    first.kill9()
    began = time.monotonic()
    start_worker(queue=queue, env=env)
    # Then the reaper finds it once its lease has lapsed, and it runs again to the end
    status = wait_for_end(api, job_id, timeout_s=BOUND_S + 5)
    assert status["status"] == "succeeded", status
    assert time.monotonic() - began < BOUND_S + 5
    assert status["attempts"] == 2
    assert generation_rows(engine, job_id) == 1


def test_a_requeued_jobs_state_is_written_before_its_message_is_published(
    monkeypatch: pytest.MonkeyPatch, redis_db: redis.Redis
) -> None:
    # Given a job left running with no lease and no message, on a queue of its own
    queue = f"reaper-{uuid.uuid4().hex[:8]}"
    job_id = lost_job(redis_db, queue, "OrderButton", status=JobStatus.RUNNING)
    redis_db.zadd(LIVE_JOBS, {job_id: time.time() - 3600})
    seen_at_publish: list[list[str | None]] = []

    def publish(published: str, *, queue: str) -> None:
        # A worker taking the message at once would find the job as it is now
        seen_at_publish.append(redis_db.hmget(job_key(published), "status", "stage", "requeues"))

    monkeypatch.setattr(reaper.job_message, "publish", publish)
    # When the reaper sweeps that queue
    counts = reaper.sweep_once([queue], client=redis_db)
    # Then the job's state said re-queued before its message could be taken: the sweep's
    # write cannot land on a job a worker has since marked running
    assert counts == {reaper.Action.REQUEUE: 1}
    assert seen_at_publish == [["queued", "requeued", "1"]]
    redis_db.zrem(LIVE_JOBS, job_id)
    redis_db.delete(job_key(job_id))
