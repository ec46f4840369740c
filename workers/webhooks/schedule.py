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
- the task starts an attempt only if the entry still holds its claim (a stale duplicate
  finds another), then sets the next retry's time, or removes the entry.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import redis

from core.keys import job_key, webhook_key, webhooks_due_key

RETRY_SCHEDULE_S = (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600)
"""Waits before the 2nd, 3rd, ... attempt: the Standard Webhooks schedule (~28 h in all)."""
MAX_ATTEMPTS = len(RETRY_SCHEDULE_S) + 1

_DUE_PREFIX = webhooks_due_key("")

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

_CLAIM = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[3])
for _, id in ipairs(due) do redis.call('ZADD', KEYS[1], 'XX', ARGV[2], id) end
return due
"""

_START = """
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score or tonumber(score) ~= tonumber(ARGV[2]) then return false end
if redis.call('EXISTS', KEYS[2]) == 0 then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return false
end
redis.call('ZADD', KEYS[1], 'XX', ARGV[3], ARGV[1])
redis.call('HINCRBY', KEYS[2], 'attempts', 1)
return redis.call('HGETALL', KEYS[2])
"""


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
    client: redis.Redis, queue: str, *, claim_s: float, limit: int = 100
) -> list[tuple[str, int]]:
    """The jobs due on `queue`, each claimed until now + `claim_s` (its claim token)."""
    claim = now_ms() + int(claim_s * 1000)
    due = client.eval(_CLAIM, 1, webhooks_due_key(queue), now_ms(), claim, limit)
    return [(_text(job_id), claim) for job_id in due]


def start_attempt(
    client: redis.Redis, queue: str, job_id: str, *, claim: int, claim_s: float
) -> Target | None:
    """Count an attempt and return what to deliver; None when the entry no longer holds
    `claim` (delivered, or a stale duplicate of the message). Renews the claim for the
    attempt's length."""
    renewed = now_ms() + int(claim_s * 1000)
    raw = client.eval(
        _START, 2, webhooks_due_key(queue), webhook_key(job_id), job_id, claim, renewed
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
