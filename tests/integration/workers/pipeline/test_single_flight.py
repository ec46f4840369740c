"""Single-flight through real workers: identical jobs in flight make one generation, and
a leader killed mid-job is taken over by a follower."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest
import redis

from core.keys import inflight_key, job_key
from devstack.fakes.openai_api import LLMState
from tests.conftest import LLM_KEY
from tests.helpers import KILLABLE_WORKER_ENV, make_job, queue_job, wait_for_end

pytestmark = pytest.mark.integration


def _submit_identical(queue: str, body: dict[str, Any], count: int) -> list[str]:
    return [queue_job(queue, body) for _ in range(count)]


def _leader_running(client: redis.Redis, job_ids: list[str], timeout_s: float = 30) -> str:
    """The job holding the in-flight claim, once it is inside the chain."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for job_id in job_ids:
            key = client.hget(job_key(job_id), "cache_key")
            leader = client.get(inflight_key(key)) if key else None
            if leader and client.hget(job_key(leader), "stage") not in (None, "cache_lookup"):
                return leader
        time.sleep(0.05)
    raise AssertionError("no job ever led the generation")


def test_identical_jobs_in_flight_make_one_generation(
    start_worker: Callable[..., Any], api: httpx.Client, llm: LLMState
) -> None:
    # Given a worker running four jobs at once, with the paid provider
    queue = f"single-flight-{uuid.uuid4().hex[:8]}"
    start_worker(
        queue=queue, concurrency=4, env={"OPENAI_API_KEY": LLM_KEY, "TEMPLATE_DELAY_MS": "200"}
    )
    name = f"Flight{uuid.uuid4().hex[:6].upper()}Button"
    body = make_job(component_name=name, requirements=None, options={"provider": "openai"})
    # When twenty identical new jobs arrive together
    job_ids = _submit_identical(queue, body, 20)
    ends = [wait_for_end(api, job_id, timeout_s=90) for job_id in job_ids]
    # Then all succeed, one of them generated and the others were served its result
    assert [end["status"] for end in ends] == ["succeeded"] * 20, ends
    layers = Counter(end["cache_layer"] for end in ends)
    assert layers == {"L4": 1, "L1": 19}
    [leader] = [end for end in ends if end["cache_layer"] == "L4"]
    coalesced = [end for end in ends if end["result"].get("coalesced_with")]
    assert coalesced, "no job waited for the generation in flight"
    assert {end["result"]["coalesced_with"] for end in coalesced} == {leader["id"]}
    # The LLM was asked for one generation only (propose requirements, generate code)
    assert len(llm.requests_about(name)) == 2
    # Its cost is counted once; every other job cost nothing and saved that much
    cost = Decimal(str(leader["result"]["cost"]["usd"]))
    assert cost > 0
    for end in ends:
        if end is not leader:
            assert end["result"]["cost"]["usd"] == 0
            assert Decimal(str(end["result"]["cost"]["saved_usd"])) == cost


def test_a_killed_leader_is_taken_over_by_a_follower(
    start_worker: Callable[..., Any], api: httpx.Client, redis_db: redis.Redis
) -> None:
    # Given a worker whose steps take a while, leading a generation for twenty jobs
    queue = f"flight-kill-{uuid.uuid4().hex[:8]}"
    first = start_worker(queue=queue, concurrency=1, env=KILLABLE_WORKER_ENV)
    body = make_job(component_name=f"Orphan{uuid.uuid4().hex[:6].upper()}Card")
    job_ids = _submit_identical(queue, body, 20)
    killed = _leader_running(redis_db, job_ids)
    # When that worker is killed -9 mid-generation and another one starts
    first.kill9()
    start_worker(queue=queue, concurrency=2, env=KILLABLE_WORKER_ENV)
    # Then a follower generates, and all twenty still succeed
    ends = [wait_for_end(api, job_id, timeout_s=120) for job_id in job_ids]
    assert [end["status"] for end in ends] == ["succeeded"] * 20, ends
    generated = [end["id"] for end in ends if end["cache_layer"] == "L4"]
    assert len(generated) == 1
    assert generated != [killed]


def test_no_cache_jobs_never_wait_for_each_other(
    start_worker: Callable[..., Any], api: httpx.Client
) -> None:
    # Given a worker running three jobs at once
    queue = f"flight-no-cache-{uuid.uuid4().hex[:8]}"
    start_worker(queue=queue, concurrency=3, env={"TEMPLATE_DELAY_MS": "200"})
    body = make_job(
        component_name=f"Fresh{uuid.uuid4().hex[:6].upper()}Badge",
        component_type="badge",
        options={"cache": "no-cache"},
    )
    # When identical jobs that skip the lookup arrive together
    ends = [wait_for_end(api, job_id) for job_id in _submit_identical(queue, body, 3)]
    # Then each generates on its own
    assert [(end["status"], end["cache_layer"]) for end in ends] == [("succeeded", "L4")] * 3
    assert not any(end["result"].get("coalesced_with") for end in ends)
