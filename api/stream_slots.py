"""A tenant's open event streams and long-polls, capped at STREAMS_PER_TENANT across API
processes.

Each open connection holds a slot: a member of the tenant's sorted set
(core.keys.stream_slots_key) scored by when its lease lapses. Taking one is one script
(drop the lapsed, count, add), so concurrent requests never get past the cap. The holder
renews its lease as it waits and removes it when done; a process that crashes leaves
slots that lapse within STREAM_SLOT_LEASE_S, so nothing leaks for longer.
"""

from __future__ import annotations

import logging
import math
import time
import uuid
from dataclasses import dataclass, field

import redis

from config.settings import Settings
from core.errors import QuotaExceeded
from core.keys import stream_slots_key

logger = logging.getLogger(__name__)

RETRY_AFTER_S = 5.0
REFUSED_MEMO_S = 1.0
"""After a refusal, this process refuses the tenant's next opens for this long without
asking Redis: a tenant re-opening refused streams in a loop then costs a dictionary
look-up each, not a thread and a script (a slot freed by another process meanwhile
waits that long; one freed by this process clears it)."""
_refused_at: dict[str, float] = {}

_TAKE = """
local now, lease, cap = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local held = redis.call('ZCARD', KEYS[1])
if held >= cap then return held end
redis.call('ZADD', KEYS[1], now + lease, ARGV[4])
redis.call('EXPIRE', KEYS[1], math.ceil(lease) + 1)
return -1
"""
"""-1: taken; otherwise how many slots are held (the cap is reached)."""

_RENEW = """
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
"""


class TooManyStreams(QuotaExceeded):
    """The tenant holds STREAMS_PER_TENANT event streams and long-polls already (429)."""

    error_type = kind = "too_many_streams"


@dataclass
class StreamSlot:
    """One held slot; `renew_if_due` while waiting, `release` when done."""

    client: redis.Redis
    tenant: str
    lease_s: float
    member: str = field(default_factory=lambda: uuid.uuid4().hex)
    renewed_at: float = field(default_factory=time.monotonic)

    def renew_if_due(self) -> None:
        """Push the lease out, at most every third of it (a few Redis calls a minute)."""
        if time.monotonic() - self.renewed_at < self.lease_s / 3:
            return
        self.client.eval(
            _RENEW,
            1,
            stream_slots_key(self.tenant),
            time.time() + self.lease_s,
            self.member,
            math.ceil(self.lease_s) + 1,
        )
        self.renewed_at = time.monotonic()

    def release(self) -> None:
        _refused_at.pop(self.tenant, None)  # a slot of its frees now: ask Redis again
        try:
            self.client.zrem(stream_slots_key(self.tenant), self.member)
        except redis.RedisError as exc:  # the lease lapses it anyway
            logger.warning("stream slot of %s not released: %r", self.tenant, exc)


def refuse_if_recently_full(tenant: str, settings: Settings) -> None:
    """TooManyStreams at once when this process refused `tenant` a slot moments ago."""
    refused_at = _refused_at.get(tenant)
    if refused_at is not None and time.monotonic() - refused_at < REFUSED_MEMO_S:
        _refuse(settings.streams_per_tenant, settings.streams_per_tenant)


def take_slot(client: redis.Redis, tenant: str, settings: Settings) -> StreamSlot:
    """A slot of `tenant`'s, or TooManyStreams (429) when it holds them all."""
    slot = StreamSlot(client, tenant, settings.stream_slot_lease_s)
    cap = settings.streams_per_tenant
    held = client.eval(
        _TAKE, 1, stream_slots_key(tenant), time.time(), slot.lease_s, cap, slot.member
    )
    if int(held) >= 0:
        if len(_refused_at) > 10_000:  # bounded: only tenants refused lately matter
            _refused_at.clear()
        _refused_at[tenant] = time.monotonic()
        _refuse(int(held), cap)
    _refused_at.pop(tenant, None)
    return slot


def _refuse(held: int, cap: int) -> None:
    raise TooManyStreams(
        f"your tenant has {held} event streams and long-polls open, its limit is "
        f"{cap}; close one, or poll GET /v1/generations/{{id}} without wait",
        limit=cap,
        remaining=0,
        reset_s=RETRY_AFTER_S,
    )
