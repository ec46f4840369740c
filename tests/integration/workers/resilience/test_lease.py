"""Job leases on a real Redis: one holder at a time, dead holders replaced."""

from __future__ import annotations

import socket
import subprocess
import time
import uuid

import pytest
import redis

from workers.resilience.lease import JobLease, LeaseHeld

pytestmark = pytest.mark.integration


def test_second_delivery_is_refused_while_the_first_holds(redis_db: redis.Redis) -> None:
    job_id = uuid.uuid4().hex
    first = JobLease(redis_db, job_id, ttl_s=30)
    redis_db.hset(f"job:{job_id}", mapping={"status": "queued"})
    assert first.acquire(read_key=f"job:{job_id}") == {"status": "queued"}
    with pytest.raises(LeaseHeld) as held:
        JobLease(redis_db, job_id, ttl_s=30).acquire()
    assert 1 <= held.value.retry_in_s <= 30
    first.release()
    JobLease(redis_db, job_id, ttl_s=30).acquire()


def test_lease_of_a_dead_process_on_this_host_is_taken_over(redis_db: redis.Redis) -> None:
    job_id = uuid.uuid4().hex
    dead_pid = subprocess.Popen(["true"])
    dead_pid.wait()
    redis_db.set(f"lease:job:{job_id}", f"{socket.gethostname()}:{dead_pid.pid}:1", px=30_000)

    lease = JobLease(redis_db, job_id, ttl_s=30)
    assert lease.acquire(read_key=f"job:{job_id}") is None  # taken over: state must be re-read
    assert redis_db.get(f"lease:job:{job_id}") != f"{socket.gethostname()}:{dead_pid.pid}:1"
    lease.release()
    assert redis_db.get(f"lease:job:{job_id}") is None


def test_release_never_removes_someone_elses_lease(redis_db: redis.Redis) -> None:
    job_id = uuid.uuid4().hex
    lease = JobLease(redis_db, job_id, ttl_s=30)
    lease.acquire()
    redis_db.set(f"lease:job:{job_id}", "other-host:1:1", px=30_000)  # it lapsed, someone took it
    lease.release()
    assert redis_db.get(f"lease:job:{job_id}") == "other-host:1:1"


def test_a_live_lease_on_another_host_is_respected(redis_db: redis.Redis) -> None:
    job_id = uuid.uuid4().hex
    redis_db.set(f"lease:job:{job_id}", "another-host:1:1", px=5_000)
    with pytest.raises(LeaseHeld):
        JobLease(redis_db, job_id, ttl_s=30).acquire()


def test_a_held_lease_is_renewed_past_its_ttl_until_released(redis_db: redis.Redis) -> None:
    # Given two leases held at once with a 1 s TTL (renewed every third of it)
    job_ids = [uuid.uuid4().hex, uuid.uuid4().hex]
    leases = [JobLease(redis_db, job_id, ttl_s=1) for job_id in job_ids]
    for lease in leases:
        lease.acquire()
    # When several TTLs pass, then both are still held
    time.sleep(2.5)
    assert all(redis_db.exists(f"lease:job:{job_id}") for job_id in job_ids)
    # And once one is released, it is gone and stays gone; the other is still renewed
    leases[0].release()
    time.sleep(1.5)
    assert not redis_db.exists(f"lease:job:{job_ids[0]}")
    assert redis_db.exists(f"lease:job:{job_ids[1]}")
    leases[1].release()
    assert not redis_db.exists(f"lease:job:{job_ids[1]}")
