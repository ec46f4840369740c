"""A tenant's webhook deliveries in flight are capped in Redis, atomically, with slots that
lapse on their own (a crashed worker's), and a tenant's backlog does not keep another
tenant's due deliveries from being claimed in the same round. Against the run's Redis."""

from __future__ import annotations

import time
import uuid

import pytest
import redis

from core.keys import webhook_key, webhooks_due_key
from workers.webhooks import schedule

pytestmark = pytest.mark.integration

CAP = 4
WAIT_S = 1.0


def due_delivery(client: redis.Redis, queue: str, tenant: str, *, at_ms: int) -> str:
    """A job whose delivery is due on `queue` at `at_ms`, as schedule_in leaves it."""
    job_id = uuid.uuid4().hex
    fields = {"url": "https://hooks.example.com/x", "tenant_id": tenant, "attempts": 0}
    client.hset(webhook_key(job_id), mapping={**fields, "status": "succeeded", "queue": queue})
    client.zadd(webhooks_due_key(queue), {job_id: at_ms})
    return job_id


def names() -> tuple[str, str, str]:
    tag = uuid.uuid4().hex[:8]
    return f"slots-{tag}", f"tenant-a-{tag}", f"tenant-b-{tag}"


def claim(client: redis.Redis, queue: str, *, claim_s: float = 60) -> list[schedule.Claimed]:
    claimed, _ = schedule.claim_due(
        client, queue, claim_s=claim_s, max_in_flight=CAP, wait_s=WAIT_S
    )
    return claimed


def test_a_tenants_backlog_does_not_hide_another_tenants_delivery(redis_db: redis.Redis) -> None:
    queue, tenant_a, tenant_b = names()
    now = schedule.now_ms()
    # Given tenant A's backlog, more than one scan reads, due before B's one delivery
    backlog = [
        due_delivery(redis_db, queue, tenant_a, at_ms=now - 10_000 + i)
        for i in range(schedule.SCAN + 200)
    ]
    b_job = due_delivery(redis_db, queue, tenant_b, at_ms=now - 1)
    # When one round claims
    claimed, deferred = schedule.claim_due(
        redis_db, queue, claim_s=60, max_in_flight=CAP, wait_s=WAIT_S
    )
    # Then A got its CAP, B its delivery, and A's others wait: none lost, none failed
    by_tenant = [(c.tenant_id, c.job_id) for c in claimed]
    assert (tenant_b, b_job) in by_tenant
    assert [job for tenant, job in by_tenant if tenant == tenant_a] == backlog[:CAP]
    assert deferred == len(backlog) - CAP
    assert schedule.slots_in_use(redis_db, tenant_a) == CAP
    assert redis_db.zcard(webhooks_due_key(queue)) == len(backlog) + 1
    # And A's waiting ones are spread over the next rounds, CAP a round
    scores = sorted(redis_db.zmscore(webhooks_due_key(queue), backlog[CAP:]))
    assert scores[0] > now and scores[-1] - scores[0] >= WAIT_S * 1000 * 100
    # And the next round claims nothing more of A while its CAP are in flight
    assert claim(redis_db, queue) == []


def test_a_slot_given_back_lets_the_next_delivery_go(redis_db: redis.Redis) -> None:
    queue, tenant_a, _ = names()
    now = schedule.now_ms()
    jobs = [due_delivery(redis_db, queue, tenant_a, at_ms=now - 100 + i) for i in range(CAP + 1)]
    first = claim(redis_db, queue)
    assert [c.job_id for c in first] == jobs[:CAP]
    # When one delivery ends, and the deferred one comes due
    schedule.release_slot(redis_db, tenant_a, jobs[0])
    redis_db.zadd(webhooks_due_key(queue), {jobs[CAP]: schedule.now_ms()}, xx=True)
    # Then it is claimed
    assert [c.job_id for c in claim(redis_db, queue)] == [jobs[CAP]]
    assert schedule.slots_in_use(redis_db, tenant_a) == CAP


def test_a_crashed_workers_slot_lapses(redis_db: redis.Redis) -> None:
    queue, tenant_a, _ = names()
    now = schedule.now_ms()
    jobs = [due_delivery(redis_db, queue, tenant_a, at_ms=now - 100 + i) for i in range(CAP)]
    # Given CAP deliveries claimed by a worker that then died (nothing gives them back)
    assert len(claim(redis_db, queue, claim_s=0.2)) == CAP
    assert schedule.slots_in_use(redis_db, tenant_a) == CAP
    assert 0 < redis_db.pttl(f"webhooks:in-flight:{tenant_a}") <= 200
    # When their claims lapse, then their slots are free, and the deliveries are claimed
    # (published) again
    time.sleep(0.3)
    assert schedule.slots_in_use(redis_db, tenant_a) == 0
    assert sorted(c.job_id for c in claim(redis_db, queue)) == sorted(jobs)
    assert schedule.slots_in_use(redis_db, tenant_a) == CAP


def test_an_attempt_whose_slot_lapsed_waits_when_others_took_them(redis_db: redis.Redis) -> None:
    queue, tenant_a, _ = names()
    now = schedule.now_ms()
    job = due_delivery(redis_db, queue, tenant_a, at_ms=now - 1000)
    # Given a claim whose message waited in the queue until its slot lapsed
    (claimed,) = claim(redis_db, queue, claim_s=0.2)
    time.sleep(0.3)
    # And CAP other deliveries of the tenant claimed since (no dispatcher took it again)
    redis_db.zrem(webhooks_due_key(queue), job)
    others = [due_delivery(redis_db, queue, tenant_a, at_ms=schedule.now_ms()) for _ in range(CAP)]
    assert sorted(c.job_id for c in claim(redis_db, queue)) == sorted(others)
    redis_db.zadd(webhooks_due_key(queue), {job: claimed.claim})  # still its claim
    # When its message finally runs, then no attempt starts (none counted) and it waits
    started = schedule.start_attempt(
        redis_db, queue, job, claim=claimed.claim, claim_s=60, max_in_flight=CAP, wait_s=WAIT_S
    )
    assert started is None
    assert redis_db.hget(webhook_key(job), "attempts") == "0"
    score = redis_db.zscore(webhooks_due_key(queue), job)
    assert score is not None and score > schedule.now_ms()
