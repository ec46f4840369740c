"""Admitting a job and writing its first state in one Redis round trip (a Lua script).

The idempotency claim, the tenant's rate window, its in-flight cap and its month's spend
are checked, and only when all pass are the job hash, the live indexes, the rate entry
and the claim written, atomically: fifty threads submitting at once cannot admit one job
past a limit, and a refused request changes nothing. Redis' own clock (TIME) scores the
windows, so API replicas whose clocks differ still share one window.

A paid job also takes its budget hold here (workers.storage.budget_holds): the budget
admits it only when what was spent, what the tenant's jobs in flight hold and the most
this one can cost fit.

The script builds `job:{id}` names of the tenant's live jobs from the prefix it is given
(to drop ended or expired ones at the cap): one Redis, not a cluster.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import redis
import redis.asyncio as aioredis

from core import keys
from workers.storage.budget_holds import CHECK_LUA

RATE_WINDOW_S = 60
"""The sliding window of requests per minute (seconds)."""
IN_FLIGHT_RETRY_S = 5.0
"""Retry-After of an in-flight refusal: when a job ends is not known, so a short wait."""

_ADMIT = (
    """
local idem, rate, live, spend, job, live_jobs = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local events = KEYS[7]
local job_id, body_hash, idem_ttl = ARGV[1], ARGV[2], tonumber(ARGV[3])
local rpm, window, cap = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local budget, state_ttl, job_prefix = tonumber(ARGV[7]), tonumber(ARGV[8]), ARGV[9]
-- Checked before any write (a script's writes stay when a later command fails): a queue
-- key holding another type would refuse the LPUSH below.
local queue_type = redis.call('TYPE', KEYS[8])['ok']
if queue_type ~= 'none' and queue_type ~= 'list' then
  return {'queue_unusable'}
end
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local spend_key, holds_key = spend, KEYS[9]
local reserve, hold_ttl = tonumber(ARGV[13]), tonumber(ARGV[14])
"""
    + CHECK_LUA
    + """

if idem_ttl > 0 then
  local claim = redis.call('GET', idem)
  if claim then
    local sep = string.find(claim, ':', 1, true)
    if sep and string.sub(claim, 1, sep - 1) == body_hash then
      return {'replay', string.sub(claim, sep + 1)}
    end
    return {'conflict'}
  end
end

redis.call('ZREMRANGEBYSCORE', rate, '-inf', now - window)
local used = redis.call('ZCARD', rate)
local reset = window
if used > 0 then
  reset = tonumber(redis.call('ZRANGE', rate, 0, 0, 'WITHSCORES')[2]) + window - now
end
if used >= rpm then
  return {'rate_limited', tostring(reset), tostring(used)}
end

local in_flight = redis.call('ZCARD', live)
if in_flight >= cap then
  -- At the cap only: drop what a crash or a lost ending left behind.
  redis.call('ZREMRANGEBYSCORE', live, '-inf', now - state_ttl)
  for _, member in ipairs(redis.call('ZRANGE', live, 0, -1)) do
    local status = redis.call('HGET', job_prefix .. member, 'status')
    if status ~= 'queued' and status ~= 'running' then
      redis.call('ZREM', live, member)
    end
  end
  in_flight = redis.call('ZCARD', live)
  if in_flight >= cap then
    return {'too_many_in_flight', tostring(in_flight)}
  end
end

if budget >= 0 then
  local refused = budget_refusal()
  if refused then
    return refused
  end
end

redis.call('ZADD', rate, now, job_id)
redis.call('EXPIRE', rate, window + 1)
if idem_ttl > 0 then
  redis.call('SET', idem, body_hash .. ':' .. job_id, 'EX', idem_ttl)
end
if budget >= 0 then
  take_hold()
end
local fields = {}
for i = 15, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', job, unpack(fields))
redis.call('EXPIRE', job, state_ttl)
-- Its first event (job_events; MAXLEN as keys.JOB_EVENTS_MAXLEN). Not announced: no
-- one can be waiting for a job that did not exist.
redis.call('XADD', events, 'MAXLEN', '~', 100, '*', 'status', 'queued', 'stage', '',
  'cache_layer', '', 'attempts', '0', 'at', tostring(now))
redis.call('EXPIRE', events, state_ttl)
redis.call('ZADD', live_jobs, now, job_id)
redis.call('ZADD', live, now, job_id)
redis.call('EXPIRE', live, state_ttl)
-- The job's broker message, when the broker is this Redis: queued with the job.
if ARGV[10] ~= '' then
  redis.call('LPUSH', KEYS[8], ARGV[10])
  if ARGV[11] ~= '' then
    redis.call('PUBLISH', ARGV[11], ARGV[12])
  end
end
return {'admitted', tostring(rpm - used - 1), tostring(reset), tostring(in_flight + 1)}
"""
)


@dataclass(frozen=True)
class Quota:
    """The limits a submission is admitted under (a tenant's, with the defaults)."""

    tenant: str
    requests_per_minute: int
    max_in_flight: int
    budget_usd: float | None
    """None: the job is not of a paid provider, so the budget does not apply."""
    month: str
    """The spend counter's month, YYYY-MM (UTC)."""
    reserve_usd: float = 0.0
    """The most the job can cost, held against the budget until it ends (budget_holds)."""
    hold_ttl_s: int = 24 * 3600
    """How long an unsettled hold counts (BUDGET_HOLD_TTL_S)."""


@dataclass(frozen=True)
class Admission:
    """What the script decided: `admitted`, `replay` (of job_id), `conflict`,
    `rate_limited`, `too_many_in_flight`, `budget_exhausted`, `spend_unknown` (the
    month's counter is missing: rebuild it from Postgres and ask again) or
    `queue_unusable` (the message's queue key holds another type: nothing was written)."""

    outcome: str
    job_id: str | None = None
    remaining: int = 0
    """Admitted: requests left in the window."""
    reset_s: float = 0.0
    """Seconds until the rate window frees a request."""
    used: float = 0.0
    """Refused: the requests in the window, jobs in flight, or USD spent."""
    held_usd: float = 0.0
    """Budget refused: USD held by the tenant's other paid jobs in flight."""
    reserve_usd: float = 0.0
    """Budget refused: the most this job could cost (what it asked to hold)."""


_source: str | None = None  # the script for the server's version, read from it once
_script: redis.commands.core.Script | None = None
_async_script: redis.commands.core.AsyncScript | None = None


def _source_for(redis_version: str) -> str:
    """The script as the server takes it. At maxmemory (policy noeviction) the whole
    admission must be refused. Redis 7 refuses a script with a shebang (and no allow-oom
    flag) before it runs; one without is checked only up to its first write, and this
    one's first write is a trim, after which it would write the job past the limit.
    Redis 6: no shebangs."""
    return ("#!lua" if int(redis_version.split(".")[0]) >= 7 else "") + _ADMIT


@dataclass(frozen=True)
class QueuedMessage:
    """A job's message in the broker's own envelope (workers.pipeline.job_message), for
    the script to push when the broker is the job Redis: the job is admitted and queued
    in one round trip, and never one without the other."""

    queue: str
    message: bytes
    event_channel: str
    """Where its task-sent event is published; "" for none."""
    event: bytes = b""


@dataclass(frozen=True)
class Submission:
    """What the script admits: a new job's id and hash fields (as
    job_state.creation_fields makes them), its body's hash and Idempotency-Key, the quota."""

    job_id: str
    fields: dict[str, str]
    quota: Quota
    body_hash: str
    idempotency_key: str | None
    idempotency_ttl_s: int
    state_ttl_s: int
    message: QueuedMessage | None = None
    """None: the caller publishes the job once admitted (another broker, a traced job)."""

    def script_call(self) -> tuple[list[str], list[str | int | float]]:
        """The script's keys and arguments."""
        tenant, quota, message = self.quota.tenant, self.quota, self.message
        idem = keys.idempotency_key(tenant, self.idempotency_key) if self.idempotency_key else "-"
        argv: list[str | int | float] = [
            self.job_id,
            self.body_hash,
            self.idempotency_ttl_s if self.idempotency_key else 0,
            quota.requests_per_minute,
            RATE_WINDOW_S,
            quota.max_in_flight,
            quota.budget_usd if quota.budget_usd is not None else -1,
            self.state_ttl_s,
            keys.job_key(""),
            message.message if message else "",
            message.event_channel if message else "",
            message.event if message else "",
            quota.reserve_usd,
            quota.hold_ttl_s,
        ]
        for name, value in self.fields.items():
            argv += [name, value]
        script_keys = [
            idem,
            keys.quota_rate_key(tenant),
            keys.tenant_live_key(tenant),
            keys.spend_key(tenant, quota.month),
            keys.job_key(self.job_id),
            keys.LIVE_JOBS,
            keys.events_key(self.job_id),
            message.queue if message else "-",
            keys.budget_holds_key(tenant),
        ]
        return script_keys, argv


def admit_and_create(client: redis.Redis, submission: Submission) -> Admission:
    """Check the idempotency claim and the quota; when they pass, write the job's hash
    and take its slots."""
    global _source, _script
    if _script is None:
        _source = _source or _source_for(str(client.info("server")["redis_version"]))
        _script = client.register_script(_source)
    script_keys, argv = submission.script_call()
    return _decode(_script(keys=script_keys, args=argv, client=client), submission.job_id)


async def admit_and_create_async(client: aioredis.Redis, submission: Submission) -> Admission:
    """`admit_and_create` on an asyncio client (the API's event loop)."""
    global _source, _async_script
    if _async_script is None:
        _source = _source or _source_for(str((await client.info("server"))["redis_version"]))
        _async_script = client.register_script(_source)
    script_keys, argv = submission.script_call()
    answer = await _async_script(keys=script_keys, args=argv, client=client)
    return _decode(answer, submission.job_id)


def _decode(answer: list[str], job_id: str) -> Admission:
    outcome = answer[0]
    if outcome == "admitted":
        return Admission(outcome, job_id, int(answer[1]), float(answer[2]), float(answer[3]))
    if outcome == "replay":
        return Admission(outcome, answer[1])
    if outcome == "rate_limited":
        return Admission(outcome, reset_s=float(answer[1]), used=float(answer[2]))
    if outcome == "budget_exhausted":
        return budget_refused(answer)
    if outcome == "too_many_in_flight":
        return Admission(outcome, used=float(answer[1]))
    if outcome == "queue_unusable":
        return Admission(outcome, job_id)
    return Admission(outcome)


def budget_refused(answer: list[str]) -> Admission:
    """The budget check's refusal: {"budget_exhausted", spent, held, reserve}."""
    spent, held, reserve = (float(value) for value in answer[1:4])
    return Admission("budget_exhausted", used=spent, held_usd=held, reserve_usd=reserve)


def undo(client: redis.Redis, *, job_id: str, tenant: str, idempotency_key: str | None) -> None:
    """Take back an admission whose message could not be published: the job's state, its
    slots and its claim, as if it had been refused."""
    pipe = client.pipeline(transaction=True)
    _undo_in(pipe, job_id, tenant, idempotency_key)
    pipe.execute()


def _undo_in(pipe: Any, job_id: str, tenant: str, idempotency_key: str | None) -> None:
    """Add the undoing of an admission to `pipe`."""
    pipe.delete(keys.job_key(job_id), keys.events_key(job_id))
    pipe.zrem(keys.LIVE_JOBS, job_id)
    pipe.zrem(keys.tenant_live_key(tenant), job_id)
    pipe.zrem(keys.quota_rate_key(tenant), job_id)
    pipe.hdel(keys.budget_holds_key(tenant), job_id)
    if idempotency_key is not None:
        pipe.delete(keys.idempotency_key(tenant, idempotency_key))


def in_flight(client: redis.Redis, tenant: str, *, stale_after_s: int) -> int:
    """The tenant's jobs queued or running (its in-flight slots, the stale left out)."""
    return int(client.zcount(keys.tenant_live_key(tenant), time.time() - stale_after_s, "+inf"))
