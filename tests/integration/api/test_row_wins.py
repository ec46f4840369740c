"""Postgres is the truth for ended jobs (issue 10 item 3): when the live state in Redis
still says queued or running but the job's generations row says it ended, the status
answer comes from the row and the state is repaired. In-process API, no worker."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import replace

import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.routes.generations import ROW_CHECK_AFTER_S, ROW_CHECK_EVERY_S
from core.keys import job_key
from core.state import JobState, JobStatus, new_job
from tests.helpers import make_job
from workers.clients import redis_client
from workers.storage import job_state
from workers.storage.generation_row import GenerationRow
from workers.storage.records import record_generation

pytestmark = pytest.mark.integration


def _live_job(status: JobStatus, *, age_s: float) -> JobState:
    """A job whose live state says `status`, submitted `age_s` ago."""
    body = make_job(component_name="RowWinsCard", component_type="card", tenant_id="tenant-a")
    state = new_job(uuid.uuid4().hex, body, created_at=time.time() - age_s)
    state = replace(state, status=status, attempts=1)
    job_state.create(redis_client(), state, ttl_s=600)
    return state


def _record_failed(engine: Engine, state: JobState) -> None:
    row = GenerationRow.failed(
        state, error_type="job_timed_out", error_message="stopped at the hard time limit",
        finished_at=time.time(), trace_id=None,
    )  # fmt: skip
    assert record_generation(engine, row)


def test_the_row_answers_and_repairs_a_state_stuck_running(
    in_process_api: TestClient, engine: Engine, redis_db: redis.Redis
) -> None:
    # Given a job Redis says is running, whose row says it failed
    state = _live_job(JobStatus.RUNNING, age_s=ROW_CHECK_AFTER_S + 5)
    _record_failed(engine, state)
    # When a client asks for its status
    status = in_process_api.get(f"/v1/generations/{state.id}").json()
    # Then the row answers, and the live state now says the same
    assert status["status"] == "failed", status
    assert status["error"]["type"] == "job_timed_out"
    assert redis_db.hget(job_key(state.id), "status") == "failed"
    assert "job_timed_out" in (redis_db.hget(job_key(state.id), "error") or "")


def test_a_young_state_is_answered_from_redis_alone(
    in_process_api: TestClient, engine: Engine, redis_db: redis.Redis
) -> None:
    # Given a job submitted just now (no row read yet: the common poll stays one read)
    state = _live_job(JobStatus.QUEUED, age_s=0)
    _record_failed(engine, state)
    # When a client asks for its status, Then Redis answers
    assert in_process_api.get(f"/v1/generations/{state.id}").json()["status"] == "queued"
    assert redis_db.hget(job_key(state.id), "status") == "queued"


def test_a_long_poll_ends_when_the_row_appears(in_process_api: TestClient, engine: Engine) -> None:
    # Given a running job whose ending reaches only Postgres, a second into a long-poll
    state = _live_job(JobStatus.RUNNING, age_s=ROW_CHECK_AFTER_S + 5)
    timer = threading.Timer(1.0, _record_failed, args=(engine, state))
    timer.start()
    # When a client long-polls it
    started = time.monotonic()
    status = in_process_api.get(f"/v1/generations/{state.id}", params={"wait": 20}).json()
    timer.join()
    # Then the poll returns the row's ending within a row-check interval of it
    assert status["status"] == "failed", status
    assert time.monotonic() - started < 1.0 + ROW_CHECK_EVERY_S + 1.0
