"""L1 exact cache: `exact:{sha256}` -> the result record of an earlier generation.

The value points at artifacts already in S3; their bytes are never copied here. No TTL:
entries go when invalidated or when the inputs change (core.cache_key).

The caches live on CACHE_REDIS_URL. A cache that is down (or whose circuit is open) is
skipped: `REDIS_CACHE.guarded` (workers.resilience.dependency) reports it unavailable and
the job runs without it.
"""

from __future__ import annotations

import json
from typing import Any

import redis

from config.settings import get_settings
from core.canonical import canonical_json


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
