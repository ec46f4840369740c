"""A tenant's requests per second in this API process (TENANT_REQUESTS_PER_S; 0: off).

Submissions have their tenant's rate limit (in Redis, across processes); reads had
none, so one tenant opening status streams or polls in a loop took the API's threads
from everyone. This bucket bounds every authenticated request of a tenant, in memory:
no Redis round trip on the hot path, so the bound is per process (N processes: N x).
It refills continuously and holds TENANT_REQUESTS_BURST_S seconds' worth."""

from __future__ import annotations

import time
from dataclasses import dataclass

from config.settings import Settings
from core.errors import QuotaExceeded

MAX_TENANTS = 10_000
"""Buckets kept per process; past it they start over (a full bucket each)."""


class TooManyRequests(QuotaExceeded):
    error_type = kind = "too_many_requests"


@dataclass
class _Bucket:
    tokens: float
    at: float


_buckets: dict[str, _Bucket] = {}


def take(tenant: str | None, settings: Settings) -> None:
    """Spend one of `tenant`'s tokens, or raise TooManyRequests (429)."""
    rate = settings.tenant_requests_per_s
    if tenant is None or rate <= 0:
        return
    capacity = rate * settings.tenant_requests_burst_s
    now = time.monotonic()
    bucket = _buckets.get(tenant)
    if bucket is None:
        if len(_buckets) >= MAX_TENANTS:
            _buckets.clear()
        bucket = _buckets[tenant] = _Bucket(capacity, now)
    bucket.tokens = min(capacity, bucket.tokens + (now - bucket.at) * rate)
    bucket.at = now
    if bucket.tokens >= 1:
        bucket.tokens -= 1
        return
    raise TooManyRequests(
        f"your tenant sent more than {rate:g} requests a second to this API process; slow "
        "down (a status stream or ?wait= long-poll follows a job without polling)",
        limit=rate,
        remaining=0,
        reset_s=(1 - bucket.tokens) / rate,
    )
