"""When each webhook delivery is due, kept durably in Redis.

Why not Celery countdowns: a retry five hours out would sit as an ETA message, which a
Redis broker gives back (to another worker, as a duplicate) after its visibility
timeout, and a countdown published while the broker is down is lost. Instead:
- job_state.finish runs `schedule_in` inside its end transaction: the job's delivery is
  due now in `webhooks:due:{queue}` (scored in unix ms), with its url, tenant and event in
  `webhook:{id}`. Once per job (a `webhook_scheduled` mark in its hash), whichever path
  ended it (success, failure, reaper, cancel, a refused message).
- each worker's dispatcher (workers.webhooks.dispatcher) claims due entries by pushing
  their score forward (the claim) and publishes `webhooks.deliver(job, queue, claim)`;
  a publish that is lost is published again when the claim lapses.
- a claim also takes one of the tenant's WEBHOOK_MAX_IN_FLIGHT_PER_TENANT slots
  (`webhooks:in-flight:{tenant}`, each scored by when it lapses, so a crashed worker's
  slot frees itself). A tenant with every slot taken has its due entries put back a
  little (not failed, no attempt counted), so one slow receiver holds at most that many
  workers' slots and the other tenants' deliveries are claimed past its backlog.
- the task starts an attempt only if the entry still holds its claim (a stale duplicate
  finds another), renewing claim and slot past the attempt's hard time limit (so no
  second attempt starts while it runs), then sets the next retry's time, or removes the
  entry, and gives the slot back.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import redis

from core.keys import job_key, webhook_key, webhook_slots_key, webhooks_due_key

RETRY_SCHEDULE_S = (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600)
"""Waits before the 2nd, 3rd, ... attempt: the Standard Webhooks schedule (~28 h in all)."""
MAX_ATTEMPTS = len(RETRY_SCHEDULE_S) + 1

_DUE_PREFIX = webhooks_due_key("")
_WEBHOOK_PREFIX = webhook_key("")
_SLOTS_PREFIX = webhook_slots_key("")

_SCHEDULE = """
local url = redis.call('HGET', KEYS[1], 'webhook_url')
if not url then return 0 end
if redis.call('HSETNX', KEYS[1], 'webhook_scheduled', '1') == 0 then return 0 end
local queue = redis.call('HGET', KEYS[1], 'queue') or ARGV[1]
local tenant = redis.call('HGET', KEYS[1], 'tenant_id') or ''
redis.call('HSET', KEYS[2], 'url', url, 'tenant_id', tenant, 'status', ARGV[2],
           'queue', queue, 'attempts', 0)
redis.call('ZADD', ARGV[5] .. queue, 'NX', ARGV[3], ARGV[4])
return 1
"""
"""Sent whole inside finish's transaction (as its slot release is)."""

_TAKE_SLOT = """
local function take_slot(slots, id, now, lapse, cap)
  redis.call('ZREMRANGEBYSCORE', slots, '-inf', now)
  if not redis.call('ZSCORE', slots, id) and redis.call('ZCARD', slots) >= cap then
    return false
  end
  redis.call('ZADD', slots, lapse, id)
  local last = redis.call('ZRANGE', slots, -1, -1, 'WITHSCORES')
  redis.call('PEXPIREAT', slots, last[2])
  return true
end
"""
"""Takes (or renews) job `id`'s slot among a tenant's in-flight deliveries, lapsing at
`lapse` (ms), unless `cap` others hold one; lapsed slots are dropped first."""

_CLAIM = (
    _TAKE_SLOT
    + """
local now, claim = tonumber(ARGV[1]), tonumber(ARGV[2])
local cap, wait = tonumber(ARGV[4]), tonumber(ARGV[5])
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, ARGV[3])
local claimed, deferred, waiting, read = {}, 0, {}, 0
for _, id in ipairs(due) do
  if #claimed >= 2 * tonumber(ARGV[8]) then break end
  read = read + 1
  local tenant = redis.call('HGET', ARGV[6] .. id, 'tenant_id') or ''
  if tenant == '' or take_slot(ARGV[7] .. tenant, id, now, claim, cap) then
    redis.call('ZADD', KEYS[1], 'XX', claim, id)
    table.insert(claimed, id)
    table.insert(claimed, tenant)
  else
    -- Spread the tenant's backlog over the next rounds, `cap` entries a round, so it
    -- is not read again in full every round.
    waiting[tenant] = (waiting[tenant] or 0) + 1
    local rounds = math.ceil(waiting[tenant] / cap)
    redis.call('ZADD', KEYS[1], 'XX', now + wait * rounds, id)
    deferred = deferred + 1
  end
end
return {claimed, deferred, read}
"""
)

_START = (
    _TAKE_SLOT
    + """
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score or tonumber(score) ~= tonumber(ARGV[2]) then return false end
if redis.call('EXISTS', KEYS[2]) == 0 then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return false
end
local tenant = redis.call('HGET', KEYS[2], 'tenant_id') or ''
local now, renewed = tonumber(ARGV[4]), tonumber(ARGV[3])
if tenant ~= '' and not take_slot(ARGV[5] .. tenant, ARGV[1], now, renewed, tonumber(ARGV[6])) then
  -- Its slot lapsed while the message waited and others took them all: wait a turn.
  redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[7]), ARGV[1])
  return false
end
redis.call('ZADD', KEYS[1], 'XX', renewed, ARGV[1])
redis.call('HINCRBY', KEYS[2], 'attempts', 1)
return redis.call('HGETALL', KEYS[2])
"""
)

SCAN = 500
"""Due entries one claim call reads: a tenant's deferred backlog is stepped over in
these, so the others' entries behind it are reached within the same round."""
MAX_SCANS = 20
"""Claim calls per queue per round at most (SCAN x MAX_SCANS entries read)."""


@dataclass(frozen=True)
class Claimed:
    """A due delivery claimed for publishing (its claim token) with its tenant's slot."""

    job_id: str
    claim: int
    tenant_id: str | None


@dataclass(frozen=True)
class Target:
    """One attempt's delivery: where, for whom, which event, which attempt (from 1)."""

    job_id: str
    url: str
    tenant_id: str | None
    status: str
    attempt: int


def now_ms() -> int:
    return int(time.time() * 1000)


def schedule_in(pipe: redis.client.Pipeline, job_id: str, *, status: str, queue: str) -> None:
    """Queue (in `pipe`, the job's end transaction) its delivery, due now, if it has a
    webhook and none was scheduled yet. `queue`: where the job's own messages go unless
    its hash names another."""
    pipe.eval(
        _SCHEDULE, 2, job_key(job_id), webhook_key(job_id),
        queue, str(status), now_ms(), job_id, _DUE_PREFIX,
    )  # fmt: skip


def claim_due(
    client: redis.Redis,
    queue: str,
    *,
    claim_s: float,
    max_in_flight: int,
    wait_s: float,
    limit: int = 100,
) -> tuple[list[Claimed], int]:
    """The jobs due on `queue` (at most `limit`), each claimed until now + `claim_s` (its
    claim token) with a slot of its tenant's `max_in_flight`; and how many were put back
    `wait_s` (or a multiple: a long backlog is spread) because their tenant had none."""
    claimed: list[Claimed] = []
    deferred = 0
    for _ in range(MAX_SCANS):
        now = now_ms()
        claim = now + int(claim_s * 1000)
        ids_and_tenants, put_back, read = client.eval(
            _CLAIM,
            1,
            webhooks_due_key(queue),
            now,
            claim,
            SCAN,
            max_in_flight,
            int(wait_s * 1000),
            _WEBHOOK_PREFIX,
            _SLOTS_PREFIX,
            limit - len(claimed),
        )
        pairs = zip(ids_and_tenants[::2], ids_and_tenants[1::2], strict=True)
        claimed += [Claimed(_text(job), claim, _text(tenant) or None) for job, tenant in pairs]
        deferred += int(put_back)
        if int(read) < SCAN or len(claimed) >= limit:
            break
    return claimed, deferred


def start_attempt(
    client: redis.Redis,
    queue: str,
    job_id: str,
    *,
    claim: int,
    claim_s: float,
    max_in_flight: int,
    wait_s: float,
) -> Target | None:
    """Count an attempt and return what to deliver; None when the entry no longer holds
    `claim` (delivered, or a stale duplicate of the message), or when the tenant's slot
    lapsed and others took them all (it is then due again in `wait_s`). Renews claim and
    slot for `claim_s`: longer than the attempt may run."""
    now = now_ms()
    raw = client.eval(
        _START,
        2,
        webhooks_due_key(queue),
        webhook_key(job_id),
        job_id,
        claim,
        now + int(claim_s * 1000),
        now,
        _SLOTS_PREFIX,
        max_in_flight,
        int(wait_s * 1000),
    )
    if not raw:
        return None
    fields = {_text(k): _text(v) for k, v in zip(raw[::2], raw[1::2], strict=True)}
    return Target(
        job_id=job_id,
        url=fields["url"],
        tenant_id=fields.get("tenant_id") or None,
        status=fields.get("status", ""),
        attempt=int(fields.get("attempts", "1")),
    )


def release_slot(client: redis.Redis, tenant_id: str | None, job_id: str) -> None:
    """Give back the tenant's in-flight slot the delivery of `job_id` held (if any)."""
    if tenant_id:
        client.zrem(webhook_slots_key(tenant_id), job_id)


def slots_in_use(client: redis.Redis, tenant_id: str) -> int:
    """The tenant's deliveries holding a slot now (lapsed ones not counted)."""
    return int(client.zcount(webhook_slots_key(tenant_id), now_ms() + 1, "+inf"))


def retry_delay_s(attempt: int, *, scale: float) -> float | None:
    """How long after failed attempt number `attempt` the next one is due; None after
    the last. `scale` shrinks the schedule (WEBHOOK_RETRY_SCALE)."""
    if attempt >= MAX_ATTEMPTS:
        return None
    return RETRY_SCHEDULE_S[attempt - 1] * scale


def retry_in(client: redis.Redis, queue: str, job_id: str, delay_s: float) -> None:
    """Make the job's next attempt due `delay_s` from now."""
    client.zadd(webhooks_due_key(queue), {job_id: now_ms() + int(delay_s * 1000)}, xx=True)


def done(client: redis.Redis, queue: str, job_id: str) -> None:
    """The delivery ended (delivered, failed, refused): nothing more is due."""
    pipe = client.pipeline(transaction=True)
    pipe.zrem(webhooks_due_key(queue), job_id)
    pipe.delete(webhook_key(job_id))
    pipe.execute()


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value
