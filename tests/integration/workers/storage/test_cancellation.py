"""The atomic decisions of a cancel against a real Redis: whichever of the API's cancel
and the worker's start or ending comes first, the other sees it."""

from __future__ import annotations

import uuid

import pytest
import redis

from core.keys import job_key
from core.state import JobStatus, new_job
from tests.helpers import make_job
from workers.storage import job_state
from workers.storage.cancellation import ENDING, CancelOutcome, claim_ending, request_cancel

pytestmark = pytest.mark.integration


def _queued(client: redis.Redis) -> str:
    job_id = uuid.uuid4().hex
    job_state.create(client, new_job(job_id, make_job()), ttl_s=600)
    return job_id


def _running(client: redis.Redis) -> str:
    job_id = _queued(client)
    started = job_state.mark_running(client, job_id, stage="cache_lookup", cache_key="k")
    assert started.attempt == 1
    return job_id


def test_a_queued_job_cancelled_is_not_started_by_a_delivery(redis_db: redis.Redis) -> None:
    job_id = _queued(redis_db)
    assert request_cancel(redis_db, job_id, by="key a") is CancelOutcome.CANCELLED_QUEUED
    # A delivery that read it queued, starting after the cancel, does not start it
    started = job_state.mark_running(redis_db, job_id, stage="cache_lookup", cache_key="k")
    assert started.attempt == 0
    assert redis_db.hget(job_key(job_id), "status") == JobStatus.CANCELLED
    assert redis_db.hget(job_key(job_id), "started_at") is None
    assert request_cancel(redis_db, job_id, by="key a") is CancelOutcome.ALREADY


def test_a_running_job_is_asked_and_its_next_stage_write_says_so(redis_db: redis.Redis) -> None:
    job_id = _running(redis_db)
    assert job_state.set_stage(redis_db, job_id, "extract_tokens") is None
    assert request_cancel(redis_db, job_id, by="key a") is CancelOutcome.REQUESTED
    assert redis_db.hget(job_key(job_id), "status") == JobStatus.RUNNING
    # The step boundary reads who asked, in its stage write; asking again changes nothing
    assert job_state.set_stage(redis_db, job_id, "generate_code") == "key a"
    assert request_cancel(redis_db, job_id, by="key b") is CancelOutcome.ALREADY
    assert claim_ending(redis_db, job_id) == "key a"


def test_a_job_past_its_last_boundary_cannot_be_cancelled(redis_db: redis.Redis) -> None:
    job_id = _running(redis_db)
    assert claim_ending(redis_db, job_id) is None
    assert redis_db.hget(job_key(job_id), "stage") == ENDING
    assert request_cancel(redis_db, job_id, by="key a") is CancelOutcome.TOO_LATE
    assert redis_db.hget(job_key(job_id), "cancel_requested") is None


def test_a_job_that_ended_first_cannot_be_cancelled(redis_db: redis.Redis) -> None:
    for status in (JobStatus.SUCCEEDED, JobStatus.FAILED):
        job_id = _running(redis_db)
        job_state.finish(redis_db, job_id, status=status, ttl_s=600)
        assert request_cancel(redis_db, job_id, by="key a") is CancelOutcome.TOO_LATE
        assert redis_db.hget(job_key(job_id), "status") == status
    assert request_cancel(redis_db, uuid.uuid4().hex, by="key a") is CancelOutcome.MISSING
