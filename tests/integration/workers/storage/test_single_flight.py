"""The single-flight claim's rules against a real Redis: one leader per cache key while
its lease lives; a hit, a re-delivery, a dead or ended leader, and no-store jobs."""

from __future__ import annotations

import uuid

import pytest
import redis

from core.keys import inflight_key, job_key, lease_key
from core.state import new_job
from tests.helpers import make_job
from workers.storage import job_state, single_flight
from workers.storage.cancellation import ENDING
from workers.storage.single_flight import Role

pytestmark = pytest.mark.integration


def _job(client: redis.Redis, *, leased: bool = True) -> str:
    job_id = uuid.uuid4().hex
    job_state.create(client, new_job(job_id, make_job()), ttl_s=600)
    if leased:
        client.set(lease_key(job_id), f"elsewhere:1:{job_id}", px=60_000)
    return job_id


def _claim(
    client: redis.Redis, key: str, job_id: str, *, may_lead: bool = True, read_l1: bool = True,
    dead_lease: str | None = None, ending_stage: str | None = None,
) -> single_flight.Claim:  # fmt: skip
    reply = single_flight.claim_in(
        client, key, job_id, ttl_s=60, may_lead=may_lead, read_l1=read_l1,
        dead_lease=dead_lease, ending_stage=ending_stage,
    )  # fmt: skip
    return single_flight.parse(reply)  # type: ignore[arg-type]


@pytest.fixture
def key() -> str:
    return f"exact:{uuid.uuid4().hex}"


def test_the_first_leads_and_the_others_follow_it(redis_db: redis.Redis, key: str) -> None:
    leader, other = _job(redis_db), _job(redis_db)
    assert _claim(redis_db, key, leader).role is Role.LEADER
    follower = _claim(redis_db, key, other)
    assert (follower.role, follower.holder) == (Role.FOLLOWER, leader)
    assert follower.holder_lease == f"elsewhere:1:{leader}"
    # The leader's own re-delivery still leads
    assert _claim(redis_db, key, leader).role is Role.LEADER


def test_an_entry_present_is_a_hit_and_claims_nothing(redis_db: redis.Redis, key: str) -> None:
    redis_db.set(key, '{"entry": 1}')
    claim = _claim(redis_db, key, _job(redis_db))
    assert (claim.role, claim.entry) == (Role.HIT, '{"entry": 1}')
    assert redis_db.get(inflight_key(key)) is None


def test_a_hit_of_a_running_job_claims_its_ending_in_the_same_step(
    redis_db: redis.Redis, key: str
) -> None:
    redis_db.set(key, '{"entry": 1}')
    running, asked, cancelled = _job(redis_db), _job(redis_db), _job(redis_db)
    for job_id in (running, asked):
        redis_db.hset(job_key(job_id), mapping={"status": "running", "stage": "cache_lookup"})
    redis_db.hset(job_key(asked), "cancel_requested", "key a")
    redis_db.hset(job_key(cancelled), mapping={"status": "cancelled", "stage": "cache_lookup"})
    # A running job's hit is past cancelling at once, as claim_ending would leave it
    claim = _claim(redis_db, key, running, ending_stage=ENDING)
    assert (claim.role, claim.ending) == (Role.HIT, "claimed")
    assert redis_db.hget(job_key(running), "stage") == ENDING
    # One asked to stop first says who asked, and keeps its stage
    claim = _claim(redis_db, key, asked, ending_stage=ENDING)
    assert (claim.role, claim.ending) == (Role.HIT, "asked:key a")
    assert redis_db.hget(job_key(asked), "stage") == "cache_lookup"
    # A job not running (cancelled while its message waited) is left as it is
    claim = _claim(redis_db, key, cancelled, ending_stage=ENDING)
    assert (claim.role, claim.ending) == (Role.HIT, None)
    assert redis_db.hget(job_key(cancelled), "stage") == "cache_lookup"
    # And a miss claims no ending
    redis_db.delete(key)
    fresh = _job(redis_db)
    redis_db.hset(job_key(fresh), mapping={"status": "running", "stage": "cache_lookup"})
    assert _claim(redis_db, key, fresh, ending_stage=ENDING).ending is None
    assert redis_db.hget(job_key(fresh), "stage") == "cache_lookup"


def test_a_leader_without_a_live_lease_is_taken_over(redis_db: redis.Redis, key: str) -> None:
    leader, other = _job(redis_db), _job(redis_db)
    _claim(redis_db, key, leader)
    redis_db.delete(lease_key(leader))  # its worker died: the lease lapsed
    taken = _claim(redis_db, key, other)
    assert (taken.role, taken.holder) == (Role.LEADER, leader)
    assert single_flight.holder(redis_db, key) == other


def test_a_lease_known_dead_is_taken_over_at_once(redis_db: redis.Redis, key: str) -> None:
    leader, other = _job(redis_db), _job(redis_db)
    _claim(redis_db, key, leader)
    dead = redis_db.get(lease_key(leader))
    assert _claim(redis_db, key, other, dead_lease=dead).role is Role.LEADER
    assert single_flight.holder(redis_db, key) == other


def test_only_the_holder_releases(redis_db: redis.Redis, key: str) -> None:
    leader, other = _job(redis_db), _job(redis_db)
    _claim(redis_db, key, leader)
    single_flight.release_in(redis_db, key, other)
    assert single_flight.holder(redis_db, key) == leader
    single_flight.release_in(redis_db, key, leader)
    assert single_flight.holder(redis_db, key) is None
    # Released (the leader failed): the next one leads
    assert _claim(redis_db, key, other).role is Role.LEADER


def test_no_store_jobs_follow_but_never_lead(redis_db: redis.Redis, key: str) -> None:
    no_store = _job(redis_db)
    alone = _claim(redis_db, key, no_store, may_lead=False)
    assert alone.role is Role.ALONE
    assert redis_db.get(inflight_key(key)) is None
    leader = _job(redis_db)
    _claim(redis_db, key, leader)
    assert _claim(redis_db, key, no_store, may_lead=False).role is Role.FOLLOWER


def test_a_wait_gives_its_delivery_back_and_is_remembered(redis_db: redis.Redis, key: str) -> None:
    leader, other = _job(redis_db), _job(redis_db)
    _claim(redis_db, key, leader)
    attempt, reply, _ = job_state.mark_running(
        redis_db, other, stage="cache_lookup", cache_key=key,
        read=lambda pipe: single_flight.claim_in(
            pipe, key, other, ttl_s=60, may_lead=True, read_l1=True
        ),
    )  # fmt: skip
    first = single_flight.parse(reply)
    assert (attempt, first.role, first.waiting_since) == (1, Role.FOLLOWER, None)
    assert job_state.mark_waiting(redis_db, other, leader=leader) == 1
    state = job_state.load(redis_db, other)
    assert state is not None
    assert (state.status, state.stage, state.attempts) == ("queued", "waiting_for_identical_job", 0)
    again = _claim(redis_db, key, other)
    assert again.waiting_since is not None
