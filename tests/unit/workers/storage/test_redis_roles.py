"""The Redis roles' memory settings: the job Redis never evicts, a separate cache Redis does."""

from __future__ import annotations

import pytest

from workers.storage.redis_roles import MemoryConfig, role_warnings

GOOD_JOB = MemoryConfig(512 * 2**20, "noeviction")
GOOD_CACHE = MemoryConfig(512 * 2**20, "allkeys-lru")


def test_the_recommended_settings_say_nothing() -> None:
    assert role_warnings(GOOD_JOB, GOOD_CACHE, cache_is_separate=True) == []
    lfu = MemoryConfig(2**30, "allkeys-lfu")
    assert role_warnings(GOOD_JOB, lfu, cache_is_separate=True) == []


@pytest.mark.parametrize(
    "policy", ["allkeys-lru", "volatile-lru", "volatile-ttl", "allkeys-random"]
)
def test_a_job_redis_that_may_evict_is_named_with_the_fix(policy: str) -> None:
    (warning,) = role_warnings(MemoryConfig(2**30, policy), GOOD_CACHE, cache_is_separate=True)
    assert "REDIS_URL" in warning and policy in warning and "noeviction" in warning


def test_an_unbounded_cache_redis_is_named() -> None:
    (warning,) = role_warnings(GOOD_JOB, MemoryConfig(0, "allkeys-lru"), cache_is_separate=True)
    assert "CACHE_REDIS_URL" in warning and "no maxmemory" in warning


@pytest.mark.parametrize("policy", ["noeviction", "volatile-lru", "volatile-ttl", "allkeys-random"])
def test_a_cache_redis_that_cannot_evict_every_key_is_named(policy: str) -> None:
    (warning,) = role_warnings(GOOD_JOB, MemoryConfig(2**30, policy), cache_is_separate=True)
    assert "CACHE_REDIS_URL" in warning and policy in warning and "allkeys-lru" in warning


def test_a_default_cache_redis_gets_both_warnings() -> None:
    warnings = role_warnings(GOOD_JOB, MemoryConfig(0, "noeviction"), cache_is_separate=True)
    assert len(warnings) == 2


def test_a_cache_sharing_the_job_redis_follows_its_noeviction() -> None:
    assert role_warnings(GOOD_JOB, GOOD_JOB, cache_is_separate=False) == []
    evicting = MemoryConfig(0, "allkeys-lru")
    (warning,) = role_warnings(evicting, evicting, cache_is_separate=False)
    assert "REDIS_URL" in warning and "CACHE_REDIS_URL" not in warning


def test_settings_a_redis_would_not_tell_say_nothing() -> None:
    """CONFIG and INFO disabled (some managed services), or the server down at start."""
    assert role_warnings(None, None, cache_is_separate=True) == []
    assert role_warnings(None, MemoryConfig(0, "noeviction"), cache_is_separate=True) != []
    assert role_warnings(MemoryConfig(0, "allkeys-lru"), None, cache_is_separate=True) != []
