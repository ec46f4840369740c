"""Model call limits shared by every worker (workers.chain.providers.model_limits), on a
real Redis: calls in flight capped across processes, the tokens-per-minute bucket, a
429's Retry-After held for every caller without holding a slot."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import pytest
import redis

from core.keys import llm_limit_keys
from workers.chain.providers.model_limits import ModelLimits, scope

pytestmark = pytest.mark.integration


def limits(name: str, *, cap: int = 3, per_minute: int = 0) -> ModelLimits:
    return ModelLimits(name, max_in_flight=cap, tokens_per_minute=per_minute, call_lease_ms=10_000)


def new_scope() -> str:
    return scope("http://llm.test/v1", f"key-{uuid.uuid4().hex}", "gpt-test")


class RateLimited(Exception):
    status_code = 429

    def __init__(self, retry_after: str) -> None:
        super().__init__("429")
        self.response = type("Response", (), {"headers": {"retry-after": retry_after}})()


def test_calls_in_flight_are_capped_across_processes(redis_db: redis.Redis) -> None:
    name = new_scope()
    # Two processes' limits of one model and key: their gates alone would allow 6.
    workers = [limits(name, cap=3), limits(name, cap=3)]
    now, most = 0, 0
    lock = threading.Lock()

    def call() -> int:
        nonlocal now, most
        with lock:
            now += 1
            most = max(most, now)
        time.sleep(0.03)
        with lock:
            now -= 1
        return 10

    threads = [
        threading.Thread(target=lambda w=w: w.call(call, reserve=100, used=lambda r: r))
        for w in workers * 8
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert most == 3
    calls_key = llm_limit_keys(name)[0]
    assert redis_db.zcard(calls_key) == 0  # every slot given back


def test_the_provider_key_never_reaches_redis(redis_db: redis.Redis) -> None:
    secret = f"sk-{uuid.uuid4().hex}"
    name = scope("http://llm.test/v1", secret, "gpt-test")
    limits(name).call(lambda: 1, reserve=10, used=lambda r: r)
    limits(name, per_minute=1000).call(lambda: 1, reserve=10, used=lambda r: r)
    keys = [k for k in redis_db.scan_iter(match="llm:*", count=1000)]
    assert keys and not any(secret in k for k in keys)
    assert secret not in name


def test_the_token_bucket_makes_a_call_wait_and_gives_back_what_was_not_used() -> None:
    bucket = limits(new_scope(), per_minute=6000)  # 100 tokens a second
    assert bucket.try_acquire("first", 5000) == (True, 0)
    granted, wait_ms = bucket.try_acquire("second", 5000)  # 1,000 left: 4,000 to wait for
    assert not granted and 38_000 <= wait_ms <= 41_000
    bucket._release("first", 5000)  # it used nothing
    assert bucket.try_acquire("second", 5000) == (True, 0)


def test_a_call_larger_than_the_budget_waits_for_a_full_bucket_not_for_ever() -> None:
    bucket = limits(new_scope(), per_minute=600)
    assert bucket.try_acquire("huge", 10_000) == (True, 0)  # capped at one minute's worth


def test_a_429_pauses_every_caller_for_its_retry_after_without_holding_a_slot(
    redis_db: redis.Redis,
) -> None:
    name = new_scope()
    one, other = limits(name, cap=1), limits(name, cap=1)

    def rate_limited() -> Any:
        raise RateLimited("0.6")

    with pytest.raises(RateLimited):
        one.call(rate_limited, reserve=10, used=lambda r: 0)
    calls_key, _, pause_key = llm_limit_keys(name)
    assert redis_db.zcard(calls_key) == 0  # no slot held while paused
    assert 0 < redis_db.pttl(pause_key) <= 600
    granted, wait_ms = other.try_acquire("next", 10)
    assert not granted and 0 < wait_ms <= 600
    started = time.monotonic()
    assert other.call(lambda: "answered", reserve=10, used=lambda r: 0) == "answered"
    assert time.monotonic() - started >= 0.3  # it waited for the pause to end


def test_a_bad_retry_after_cannot_stall_a_model_for_long(redis_db: redis.Redis) -> None:
    name = new_scope()
    limits(name).pause(86_400)
    assert redis_db.pttl(llm_limit_keys(name)[2]) <= 60_000
