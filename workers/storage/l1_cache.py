"""L1 exact cache: `exact:{sha256}` -> the result record of an earlier generation.

The value points at artifacts already in S3; their bytes are never copied here. No TTL:
entries go when invalidated or when the inputs change (core.cache_key).

The caches live on CACHE_REDIS_URL. A cache that is down (or whose circuit is open) is
skipped: `guarded` reports it unavailable and the job runs without it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import redis

from config.settings import get_settings
from core.canonical import canonical_json
from core.errors import CircuitOpen
from workers.clients import cache_redis_client
from workers.resilience.circuit_breaker import breaker

logger = logging.getLogger(__name__)
T = TypeVar("T")


def decode(raw: str | None) -> dict[str, Any] | None:
    """An entry as read from Redis (None when there was none)."""
    return json.loads(raw) if raw else None


def store(client: redis.Redis, key: str, record: dict[str, Any]) -> None:
    client.set(key, canonical_json(record))


def invalidate(client: redis.Redis, key: str) -> bool:
    return bool(client.delete(key))


def shares_job_redis() -> bool:
    """The cache is on the job-state Redis, so its read can ride on the job's round trip."""
    settings = get_settings()
    return settings.cache_redis_url == settings.redis_url


def guarded(operation: Callable[[redis.Redis], T]) -> tuple[T | None, bool]:
    """Run `operation` on the cache Redis under the redis_cache circuit breaker.
    Returns (its value, True), or (None, False) when the cache is unavailable."""
    circuit = breaker("redis_cache")
    try:
        circuit.before_call()
        value = operation(cache_redis_client())
    except CircuitOpen:
        return None, False
    except redis.RedisError as exc:
        circuit.record_failure()
        logger.warning("cache unavailable, going on without it: %s", exc)
        return None, False
    circuit.record_success()
    return value, True
