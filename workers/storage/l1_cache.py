"""L1 exact cache: `exact:{sha256}` -> the result record of an earlier generation.

The value points at artifacts already in S3; their bytes are never copied here. Entries
go when invalidated, when the inputs change (core.cache_key), a day before their
artifacts expire (ttl_s), and are not served once the bucket has a new epoch.

The caches live on CACHE_REDIS_URL. A cache that is down (or whose circuit is open) is
skipped: `REDIS_CACHE.guarded` (workers.resilience.dependency) reports it unavailable and
the job runs without it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

import redis

from config.settings import get_settings
from core.canonical import canonical_json
from core.result import JobCost


@dataclass(frozen=True)
class L1Record:
    """What an entry holds: where a generation's artifacts are and what it cost, so a hit
    can answer without the chain and book what it saved."""

    # Who made it: the job whose artifacts these are, and the generator it used.
    component_id: str
    source_job_id: str
    provider: str
    model: str | None
    # What it made, and what making it cost (saved_usd unused).
    pattern_id: str | None
    artifact_keys: dict[str, str]  # artifact name -> S3 key
    quality: dict[str, Any]
    cost: JobCost
    # Whose it is: only that tenant (or an admin) may invalidate it. None: a global entry.
    tenant_id: str | None = None
    # The bucket's epoch when the artifacts were uploaded (workers.storage.bucket_epoch).
    bucket_epoch: str | None = None

    def to_json(self) -> bytes:
        cost = {k: v for k, v in asdict(self.cost).items() if k != "saved_usd"}
        return canonical_json({**asdict(self), "cost": cost})

    @classmethod
    def from_json(cls, raw: str) -> L1Record:
        fields = json.loads(raw)
        return cls(**{**fields, "cost": JobCost(**fields["cost"])})


def decode(raw: str | None) -> L1Record | None:
    """An entry as read from Redis (None when there was none)."""
    return L1Record.from_json(raw) if raw else None


def store(client: redis.Redis, key: str, record: L1Record, *, ttl_s: int) -> None:
    client.set(key, record.to_json(), ex=ttl_s)


def ttl_s(lifecycle_days: int) -> int:
    """An entry lives a day less than the artifacts it points at (S3_LIFECYCLE_DAYS), so
    the bucket's expiry rule never leaves it pointing at nothing."""
    return max(lifecycle_days * 86400 - 86400, 3600)


# Delete only an entry the caller may: its tenant's, a global one (tenant_id null or
# absent), or any for "*" (admin). Anything else under the key (not a JSON object, an
# owner that is not a string) is no tenant's to delete: indexing a decoded JSON string
# would give nil and pass it for global, and a decode error would be a 500.
_DELETE_OWNED = """
local raw = redis.call('get', KEYS[1])
if not raw then return 0 end
if ARGV[1] == '*' then return redis.call('del', KEYS[1]) end
local ok, record = pcall(cjson.decode, raw)
if not ok or type(record) ~= 'table' then return 0 end
local owner = record['tenant_id']
if owner == nil or owner == cjson.null or owner == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


def invalidate(client: redis.Redis, key: str, *, tenant: str | None) -> bool:
    """Delete the entry if `tenant` owns it (None: an admin, any entry). False when there
    is none the caller may delete: another tenant's entry looks absent."""
    return bool(client.eval(_DELETE_OWNED, 1, key, "*" if tenant is None else tenant))


# Compare-and-delete: a newer generation may have replaced the entry since it was read.
_DROP_IF_UNCHANGED = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


def drop_if_unchanged(client: redis.Redis, key: str, raw: str) -> bool:
    """Delete the entry if it still holds `raw` (as read); True when deleted."""
    return bool(client.eval(_DROP_IF_UNCHANGED, 1, key, raw))


def shares_job_redis() -> bool:
    """The cache is on the job-state Redis, so its read can ride on the job's round trip."""
    settings = get_settings()
    return settings.cache_redis_url == settings.redis_url
