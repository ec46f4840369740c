"""A job's paid calls kept across its attempts, against a real Redis."""

from __future__ import annotations

import time
import uuid

import pytest
import redis

from core.result import CostLine
from core.state import new_job
from tests.helpers import make_job
from workers.storage import job_state, paid_calls

pytestmark = pytest.mark.integration


def call(stage: str, usd: float) -> CostLine:
    return CostLine(stage, "openai", "gpt-4o-mini", 100, 50, usd)


def test_the_next_delivery_reads_every_earlier_attempt_s_calls_in_order(
    redis_db: redis.Redis,
) -> None:
    job_id = uuid.uuid4().hex
    job_state.create(redis_db, new_job(job_id, make_job()), ttl_s=600)
    # Given a first attempt that kept two calls at step boundaries, one at a time
    first = paid_calls.AttemptCalls(job_id)
    first.lines.append(call("propose_requirements", 0.01))
    job_state.set_stage(redis_db, job_id, "retrieve_pattern", also=first.send_new_in)
    first.lines.append(call("generate_code", 0.02))
    job_state.set_stage(redis_db, job_id, "validate_quality", also=first.send_new_in)
    # and a second that left with an error after one more, sent twice (a lost reply)
    time.sleep(0.001)
    second = paid_calls.AttemptCalls(job_id)
    second.lines.append(call("propose_requirements", 0.03))
    second.send_all(redis_db)
    second.send_all(redis_db)
    # When the next delivery starts
    started = job_state.mark_running(redis_db, job_id, stage="cache_lookup", cache_key="k")
    # Then it reads the three calls, once each, in the order they were paid
    assert [line.usd for line in started.paid_before] == [0.01, 0.02, 0.03]
    assert paid_calls.of_job(redis_db, job_id) == started.paid_before
    # And they expire with the job
    assert 0 < redis_db.ttl(f"paid-calls:{job_id}") <= 7 * 24 * 3600


def test_a_job_that_paid_nothing_reads_no_calls(redis_db: redis.Redis) -> None:
    job_id = uuid.uuid4().hex
    job_state.create(redis_db, new_job(job_id, make_job()), ttl_s=600)
    nothing = paid_calls.AttemptCalls(job_id)
    job_state.set_stage(redis_db, job_id, "extract_tokens", also=nothing.send_new_in)
    nothing.send_all(redis_db)
    started = job_state.mark_running(redis_db, job_id, stage="cache_lookup", cache_key="k")
    assert started.paid_before == []
    assert not redis_db.exists(f"paid-calls:{job_id}")


def test_many_calls_come_back_in_the_order_paid(redis_db: redis.Redis) -> None:
    # Past 128 fields Redis keeps a hash unordered: the order is the fields' names'
    job_id = uuid.uuid4().hex
    many = paid_calls.AttemptCalls(job_id)
    many.lines.extend(call("generate_code", n / 1000) for n in range(300))
    many.send_all(redis_db)
    assert [line.usd for line in paid_calls.of_job(redis_db, job_id)] == [
        n / 1000 for n in range(300)
    ]
