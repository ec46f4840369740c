"""A job past its time limits ends failed with a reason, never stuck in running.

Soft limit: the job's process (prefork) or greenlet (gevent, workers.green) gets
SoftTimeLimitExceeded and the task fails the job. Hard limit: the prefork pool kills the
process, the gevent pool the greenlet, and GenerationRequest.on_timeout fails the job.
Reaching the hard limit needs a job the soft limit cannot end: its bookkeeping INSERT
waits on a row lock past the soft limit, and the soft limit's own failure row waits on
the same lock (prefork: psycopg2 blocks in libpq, which retries its poll on EINTR, so
the signal is not even seen) - as a locked or stalled Postgres would in production.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, insert, text

from devstack.processes import ManagedProcess
from tests.helpers import generation_rows, make_job, queue_job, wait_for_end
from workers.storage.models import Generation

pytestmark = pytest.mark.integration


def wait_for_log(worker: ManagedProcess, needle: str, *, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if needle in worker.log_path.read_text(errors="replace"):
            return
        time.sleep(0.05)
    raise AssertionError(f"{worker.name} never logged {needle!r}:\n{worker.log_tail()}")


def test_a_job_past_its_soft_limit_fails_with_a_reason(
    start_worker: Callable[..., Any], api: httpx.Client, engine: Engine
) -> None:
    # Given a worker whose jobs take longer than its soft limit (5 steps of 600 ms, 1 s)
    queue = f"soft-{uuid.uuid4().hex[:8]}"
    limits = {"TEMPLATE_DELAY_MS": "600", "TASK_SOFT_TIME_LIMIT_S": "1", "TASK_TIME_LIMIT_S": "5"}
    start_worker(queue=queue, env=limits)
    # When a job runs there
    job_id = queue_job(queue, make_job(component_name="SlowButton"))
    # Then it ends failed, naming the limit to raise, with one row
    status = wait_for_end(api, job_id)
    assert status["status"] == "failed"
    assert status["error"]["type"] == "timeout"
    assert "soft time limit (1 s)" in status["error"]["message"]
    assert "TASK_SOFT_TIME_LIMIT_S" in status["error"]["message"]
    assert generation_rows(engine, job_id) == 1


@pytest.mark.parametrize("pool", ["gevent", "prefork"])
def test_a_job_past_its_hard_limit_fails_with_a_reason(
    start_worker: Callable[..., Any], api: httpx.Client, engine: Engine, pool: str
) -> None:
    # Given a worker with a 2 s soft and 3 s hard limit, and the job's row locked by an
    # open transaction, so its bookkeeping INSERT blocks in libpq past both limits
    queue = f"hard-{uuid.uuid4().hex[:8]}"
    limits = {"TASK_SOFT_TIME_LIMIT_S": "2", "TASK_TIME_LIMIT_S": "3", "TYPECHECK": "false"}
    worker = start_worker(queue=queue, env=limits, pool=pool)
    job_id = uuid.uuid4().hex
    now = datetime.now(UTC)
    with engine.connect() as blocker:
        blocker.begin()
        blocker.execute(
            insert(Generation).values(
                id=job_id, component_type="button", component_name="Blocker",
                created_at=now, finished_at=now, success=False, status="failed",
            )
        )  # fmt: skip
        # When the job runs into it
        queue_job(queue, make_job(component_name="StuckButton"), task_id=job_id)
        wait_for_log(worker, "Hard time limit (3")
        # (the process is gone; the main process's own INSERT now waits on the lock)
        blocker.rollback()
    # Then the job ends failed (not running) with a time-out, and exactly one row
    status = wait_for_end(api, job_id)
    assert status["status"] == "failed", status
    assert status["error"]["type"] == "timeout"
    assert generation_rows(engine, job_id) == 1
    # And the pool replaced the killed process: the next job succeeds
    assert wait_for_end(api, queue_job(queue, make_job(component_name="NextButton")))["status"] == (
        "succeeded"
    )
    # And the reason, in Redis and the row alike, names the hard limit (the child was
    # killed before its own pending soft-limit handling could end the job differently)
    status = api.get(f"/v1/generations/{job_id}").json()
    with engine.connect() as conn:
        row_message = conn.execute(
            text("SELECT error_message FROM generations WHERE id = :id"), {"id": job_id}
        ).scalar_one()
    assert row_message == status["error"]["message"]
    assert "hard time limit (3 s)" in row_message
    assert "TASK_TIME_LIMIT_S" in row_message
