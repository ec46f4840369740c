"""L1 exact cache: `exact:{sha256}` -> the result record of an earlier generation.

The value points at artifacts already in S3; their bytes are never copied here. No TTL:
entries go when invalidated or when the inputs change (workers.cache_key).
"""

from __future__ import annotations

import json
import re
from typing import Any

import redis

from workers.canonical import canonical_json

KEY_PREFIX = "exact:"
_KEY = re.compile(r"^exact:[0-9a-f]{64}$")


def normalize_key(raw: str) -> str | None:
    """Accept `exact:<sha>` or the bare sha; None when it is neither."""
    key = raw if raw.startswith(KEY_PREFIX) else KEY_PREFIX + raw
    return key if _KEY.match(key) else None


def decode(raw: str | None) -> dict[str, Any] | None:
    """An entry as read from Redis (None when there was none)."""
    return json.loads(raw) if raw else None


def store(client: redis.Redis, key: str, record: dict[str, Any]) -> None:
    client.set(key, canonical_json(record))


def invalidate(client: redis.Redis, key: str) -> bool:
    return bool(client.delete(key))
