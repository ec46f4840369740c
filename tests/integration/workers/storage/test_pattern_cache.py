"""The L3 pattern cache and its pre-compute against a real Redis: entries, tenants apart,
hit counts, and a sweep that re-styles what is due, decays usage and survives a dead cache."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from config.settings import get_settings
from core.keys import (
    PATTERN_HITS,
    PATTERN_PRECOMPUTE_LOCK,
    PATTERN_USAGE,
    circuit_key,
    pattern_key,
    pattern_tokens_key,
)
from core.tokens import Tokens
from workers.clients import close_clients
from workers.storage import pattern_cache, pattern_precompute

pytestmark = pytest.mark.integration
TTL_S = 3600
DEAD_CACHE = "redis://127.0.0.1:9/0"
TOKENS = Tokens(colors={"primary": "#0055ff", "text": "#111111"}, spacing={"md": "8px"})


@pytest.fixture
def cache(redis_db: redis.Redis) -> Iterator[redis.Redis]:
    """The cache Redis (the tests' REDIS_URL) with no usage, hits or sweep lock."""
    shared = (PATTERN_USAGE, PATTERN_HITS, PATTERN_PRECOMPUTE_LOCK)
    redis_db.delete(*shared)
    yield redis_db
    redis_db.delete(*shared)


@pytest.fixture
def pattern_id() -> str:
    return f"button-{uuid.uuid4().hex[:8]}"


def _hash(tenant: str = "tenant-a", tokens: Tokens = TOKENS) -> str:
    return pattern_cache.tokens_hash(tenant, tokens, "gen-1")


def _styled(pattern_id: str, tokens: Tokens) -> dict[str, Any]:
    """A stand-in for the chain's styling: the pattern and its token declarations."""
    return {"pattern_id": pattern_id, "declarations": tokens.model_dump(mode="json")["colors"]}


def _stored(cache: redis.Redis, pattern_id: str, hashed: str, tenant: str = "tenant-a") -> None:
    styled = _styled(pattern_id, TOKENS)
    pattern_cache.store(
        cache, pattern_id, hashed, styled, tenant=tenant, tokens=TOKENS, ttl_s=TTL_S
    )


def test_a_stored_entry_loads_back_and_expires(cache: redis.Redis, pattern_id: str) -> None:
    # Given an entry stored for a token set
    hashed = _hash()
    _stored(cache, pattern_id, hashed)
    # Then it loads back as stored, with its TTL, its token set kept a day, its use counted
    assert pattern_cache.load(cache, pattern_id, hashed) == _styled(pattern_id, TOKENS)
    assert 0 < cache.ttl(pattern_key(pattern_id, hashed)) <= TTL_S
    assert cache.ttl(pattern_tokens_key(hashed)) > TTL_S
    assert cache.zscore(PATTERN_USAGE, f"{pattern_id}:{hashed}") == 1


def test_a_miss_or_an_unreadable_value_loads_none(cache: redis.Redis, pattern_id: str) -> None:
    hashed = _hash()
    assert pattern_cache.load(cache, pattern_id, hashed) is None
    cache.set(pattern_key(pattern_id, hashed), "{not json", ex=60)
    assert pattern_cache.load(cache, pattern_id, hashed) is None
    cache.set(pattern_key(pattern_id, hashed), "[1, 2]", ex=60)
    assert pattern_cache.load(cache, pattern_id, hashed) is None


def test_tenants_do_not_share_entries(cache: redis.Redis, pattern_id: str) -> None:
    # Given tenant-a's entry for a token set
    _stored(cache, pattern_id, _hash("tenant-a"))
    # Then tenant-b, with the very same tokens, misses
    assert _hash("tenant-b") != _hash("tenant-a")
    assert pattern_cache.load(cache, pattern_id, _hash("tenant-b")) is None


def test_hits_are_counted_per_pattern_and_in_usage(cache: redis.Redis, pattern_id: str) -> None:
    # Given a stored entry hit twice
    hashed = _hash()
    _stored(cache, pattern_id, hashed)
    pattern_cache.count_hit(cache, pattern_id, hashed)
    pattern_cache.count_hit(cache, pattern_id, hashed)
    # Then the pattern has two hits and the combination a use per store and hit
    assert pattern_cache.hit_counts(cache) == {pattern_id: 2}
    assert cache.zscore(PATTERN_USAGE, f"{pattern_id}:{hashed}") == 3


def _sweep(cache: redis.Redis, calls: list[str] | None = None) -> int:
    def style(pattern_id: str, tokens: Tokens) -> dict[str, Any]:
        if calls is not None:
            calls.append(pattern_id)
        return {**_styled(pattern_id, tokens), "precomputed": True}

    return pattern_precompute.sweep(cache, style, top=50, ttl_s=TTL_S)


def test_a_sweep_restyles_missing_and_expiring_entries_only(
    cache: redis.Redis, pattern_id: str
) -> None:
    # Given three used combinations: one whose entry expired, one about to, one fresh
    missing, expiring, fresh = (_hash(tokens=Tokens(spacing={"md": f"{n}px"})) for n in (1, 2, 3))
    for hashed in (missing, expiring, fresh):
        pattern_cache.store(
            cache, pattern_id, hashed, {"old": True}, tenant="tenant-a",
            tokens=Tokens(spacing={"md": "4px"}), ttl_s=TTL_S,
        )  # fmt: skip
    cache.delete(pattern_key(pattern_id, missing))
    cache.expire(pattern_key(pattern_id, expiring), TTL_S // 20)
    # When a sweep runs
    calls: list[str] = []
    assert _sweep(cache, calls) == 2
    # Then the missing and expiring entries are styled again from the stored token set,
    # with a full TTL; the fresh one is left as it was
    assert calls == [pattern_id, pattern_id]
    for hashed in (missing, expiring):
        entry = pattern_cache.load(cache, pattern_id, hashed)
        assert entry == {"pattern_id": pattern_id, "declarations": {}, "precomputed": True}
        assert cache.ttl(pattern_key(pattern_id, hashed)) > TTL_S // 2
    assert pattern_cache.load(cache, pattern_id, fresh) == {"old": True}


def test_a_sweep_decays_usage_and_forgets_the_faded(cache: redis.Redis, pattern_id: str) -> None:
    # Given a combination used eight times and one used once
    favourite, once = _hash("tenant-a"), _hash("tenant-c")
    _stored(cache, pattern_id, favourite)
    for _ in range(7):
        pattern_cache.count_hit(cache, pattern_id, favourite)
    _stored(cache, pattern_id, once, tenant="tenant-c")
    # When four sweeps run (each lock left to expire; here released at once)
    scores = []
    for _ in range(4):
        cache.delete(PATTERN_PRECOMPUTE_LOCK)
        _sweep(cache)
        scores.append(cache.zscore(PATTERN_USAGE, f"{pattern_id}:{favourite}"))
    # Then each halves the scores; the one-use combination fell under the floor and is gone
    assert scores == [4, 2, 1, 0.5]
    assert cache.zscore(PATTERN_USAGE, f"{pattern_id}:{once}") is None


def test_a_sweep_forgets_combinations_whose_token_set_expired(
    cache: redis.Redis, pattern_id: str
) -> None:
    # Given a used combination whose entry and token set have both expired
    hashed = _hash()
    _stored(cache, pattern_id, hashed)
    cache.delete(pattern_key(pattern_id, hashed), pattern_tokens_key(hashed))
    # When a sweep runs
    calls: list[str] = []
    assert _sweep(cache, calls) == 0
    # Then nothing is styled and the combination is dropped from the usage set
    assert calls == []
    assert cache.zscore(PATTERN_USAGE, f"{pattern_id}:{hashed}") is None
    assert pattern_cache.load(cache, pattern_id, hashed) is None


def test_a_failing_style_drops_the_combination(cache: redis.Redis, pattern_id: str) -> None:
    # Given a due combination whose pattern the style function refuses (gone from the library)
    hashed = _hash()
    _stored(cache, pattern_id, hashed)
    cache.delete(pattern_key(pattern_id, hashed))

    def refuse(pattern_id: str, tokens: Tokens) -> dict[str, Any]:
        raise KeyError(pattern_id)

    # Then the sweep stores nothing, raises nothing and forgets it
    assert pattern_precompute.sweep(cache, refuse, top=50, ttl_s=TTL_S) == 0
    assert cache.zscore(PATTERN_USAGE, f"{pattern_id}:{hashed}") is None


def test_a_sweep_does_nothing_while_another_worker_holds_the_lock(
    cache: redis.Redis, pattern_id: str
) -> None:
    # Given a due combination, and the lock held by another worker's sweep
    hashed = _hash()
    _stored(cache, pattern_id, hashed)
    cache.delete(pattern_key(pattern_id, hashed))
    cache.set(PATTERN_PRECOMPUTE_LOCK, "elsewhere:1", px=60_000)
    # When this process sweeps
    calls: list[str] = []
    assert _sweep(cache, calls) == 0
    # Then it styles nothing, decays nothing and leaves the lock to its holder
    assert calls == []
    assert cache.zscore(PATTERN_USAGE, f"{pattern_id}:{hashed}") == 1
    assert cache.get(PATTERN_PRECOMPUTE_LOCK) == "elsewhere:1"


def test_the_threads_sweep_uses_the_cache_redis(cache: redis.Redis, pattern_id: str) -> None:
    # Given a due combination on the cache Redis (the tests' REDIS_URL)
    hashed = _hash()
    _stored(cache, pattern_id, hashed)
    cache.delete(pattern_key(pattern_id, hashed))
    # Then the thread's unit of work styles it with the settings' TTL
    assert pattern_precompute.sweep_once(_styled) == 1
    assert pattern_cache.load(cache, pattern_id, hashed) == _styled(pattern_id, TOKENS)
    assert cache.ttl(pattern_key(pattern_id, hashed)) > get_settings().pattern_cache_ttl_s // 2


@pytest.fixture
def dead_cache(monkeypatch: pytest.MonkeyPatch, redis_db: redis.Redis) -> Iterator[None]:
    """CACHE_REDIS_URL pointing where nothing answers, for this process's app code."""
    monkeypatch.setenv("CACHE_REDIS_URL", DEAD_CACHE)
    get_settings.cache_clear()
    close_clients()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()
    close_clients()
    redis_db.delete(circuit_key("redis_cache"))


@pytest.mark.usefixtures("dead_cache")
def test_a_dead_cache_redis_skips_the_sweep(caplog: pytest.LogCaptureFixture) -> None:
    # When the thread's unit of work runs with the cache Redis down
    with caplog.at_level(logging.WARNING):
        computed = pattern_precompute.sweep_once(_styled)
    # Then it returns 0 and says why, raising nothing
    assert computed == 0
    assert "sweep skipped" in caplog.text
