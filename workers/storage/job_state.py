"""Reading and writing live job state in Redis (the hash `job:{id}`, see core.state).

The API writes it on submit, the worker moves it through running to an end state,
and GET /v1/generations/{id} reads it. A job not yet ended is also in the index
`jobs:live`, scored by its last progress, where the reaper looks for orphans. Every
write also appends the change to the job's event stream and announces it
(workers.storage.job_events), in the write's own round trip.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any, NamedTuple

import redis

from config.settings import get_settings
from core.keys import (
    LIVE_JOBS,
    TENANT_ENDED_SUFFIX,
    TENANT_LIVE_AROUND,
    done_channel,
    events_key,
    job_key,
)
from core.result import CostLine, JobResult
from core.state import LIVE, JobState, JobStatus, creation_fields, decode, new_job
from workers.observability import tracing
from workers.storage import job_events, paid_calls
from workers.webhooks import schedule as webhook_schedule

_RELEASE_SLOT = """
local tenant = redis.call('HGET', KEYS[1], 'tenant_id')
if not tenant then return 0 end
redis.call('ZREM', ARGV[2] .. tenant .. ARGV[3], ARGV[1])
local ended = ARGV[2] .. tenant .. ARGV[4]
redis.call('ZADD', ended, ARGV[5], ARGV[1])
redis.call('EXPIRE', ended, ARGV[7])
local over = redis.call('ZCARD', ended) - tonumber(ARGV[6])
if over <= 0 then return 0 end
local oldest = redis.call('ZPOPMIN', ended, over)
for i = 1, #oldest, 2 do
  local hash = ARGV[8] .. oldest[i]
  if redis.call('HEXISTS', hash, 'webhook_url') == 0 then
    redis.call('DEL', hash, ARGV[9] .. oldest[i])
  end
end
return over
"""
"""Frees the job's in-flight slot and indexes it among its tenant's ended jobs, dropping
the oldest ones' state past the tenant's share (a job with a webhook keeps its hash, which
its delivery reads, until its TTL). Sent whole (EVAL) inside finish's transaction: EVALSHA
there could meet a script cache that a Redis restart emptied, and loading it first costs a
round trip."""

_START = """
if redis.call('HGET', KEYS[1], 'status') == 'cancelled' then return 0 end
redis.call('HSET', KEYS[1], 'status', 'running', 'stage', ARGV[1], 'cache_key', ARGV[2])
redis.call('HSETNX', KEYS[1], 'started_at', ARGV[3])
return redis.call('HINCRBY', KEYS[1], 'attempts', 1)
"""
"""mark_running's write: a job cancelled while its message waited is not started (the
API's cancel and this start are each atomic, so one of them comes first)."""


def create(client: redis.Redis, state: JobState, *, ttl_s: int, queue: str | None = None) -> None:
    """Write a new job's hash, expiring after `ttl_s`. Every job's state starts here.
    `queue`: where its message went (the reaper re-publishes there; unset: the reaper's
    GENERATION_QUEUE)."""
    fields = creation_fields(state)
    if queue is not None:
        fields["queue"] = queue
    pipe = client.pipeline(transaction=True)
    pipe.hset(job_key(state.id), mapping=fields)
    pipe.expire(job_key(state.id), ttl_s)
    if state.status in LIVE:
        pipe.zadd(LIVE_JOBS, {state.id: time.time()})
    job_events.record(pipe, state.id)
    pipe.execute()


def touch(pipe: redis.client.Pipeline, job_id: str) -> None:
    """Queue a bump of the job's last progress in the live index (only if it is there:
    an ended job is not put back)."""
    pipe.zadd(LIVE_JOBS, {job_id: time.time()}, xx=True)


def create_queued(
    client: redis.Redis,
    job_id: str,
    spec: dict[str, Any],
    *,
    ttl_s: int,
    queue: str | None = None,
) -> tuple[JobState, dict[str, str]]:
    """Create the state of a job just accepted, by the API or from a message that carried
    its body, with its trace started (when sampled): the state holds the root run's
    identity. Returns the state and the trace headers its Celery message carries."""
    state = new_job(job_id, spec)
    headers: dict[str, str] = {}
    trace = tracing.start_job_trace(job_id=job_id, spec=spec, created_at=state.created_at)
    if trace is not None:
        ref, headers = trace
        state.trace_fields = ref.as_fields()
    create(client, state, ttl_s=ttl_s, queue=queue)
    return state, headers


def load(client: redis.Redis, job_id: str) -> JobState | None:
    return decode(job_id, client.hgetall(job_key(job_id)))


class Started(NamedTuple):
    """What mark_running read in its round trip."""

    attempt: int
    """1 on first delivery; 0 when the job was cancelled: it is not started."""
    reply: Any
    """The value of `read_key` (the L1 entry), or the reply of the command `read` queued
    (the single-flight claim); None without either."""
    paid_before: list[CostLine]
    """The calls earlier attempts paid (workers.storage.paid_calls)."""


def mark_running(
    client: redis.Redis,
    job_id: str,
    *,
    stage: str,
    cache_key: str,
    read_key: str | None = None,
    read: Callable[[redis.client.Pipeline], None] | None = None,
) -> Started:
    """Record a delivery starting, reading in the same round trip what it acts on.

    The worker computes the cache key (not the API): it depends on the generator
    version, which is the worker's to know.
    """
    pipe = client.pipeline(transaction=True)
    pipe.eval(_START, 1, job_key(job_id), stage, cache_key, repr(time.time()))
    if read is not None:
        read(pipe)
    elif read_key is not None:
        pipe.get(read_key)
    touch(pipe, job_id)
    job_events.record(pipe, job_id)
    paid_calls.read_in(pipe, job_id)
    results = pipe.execute()
    reply = results[1] if read_key is not None or read is not None else None
    return Started(int(results[0]), reply, paid_calls.decode(results[-1]))


def mark_retrying(client: redis.Redis, job_id: str) -> None:
    """Back to queued while the task waits to retry (a dependency was down)."""
    pipe = client.pipeline(transaction=True)
    pipe.hset(job_key(job_id), mapping={"status": JobStatus.QUEUED, "stage": "waiting_retry"})
    touch(pipe, job_id)
    job_events.record(pipe, job_id)
    pipe.execute()


_WAIT = """
redis.call('HSET', KEYS[1], 'status', 'queued', 'stage', 'waiting_for_identical_job',
  'waiting_for', ARGV[1])
redis.call('HSETNX', KEYS[1], 'waiting_since', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'attempts', -1)
return redis.call('HINCRBY', KEYS[1], 'waits', 1)
"""
"""mark_waiting's write: a wait is not a delivery (`attempts`, which JOB_MAX_DELIVERIES
bounds, is given back); `waiting_since` keeps the first wait's time, which bounds them."""


def mark_waiting(client: redis.Redis, job_id: str, *, leader: str) -> int:
    """Back to queued while an identical job (`leader`) generates; returns how many
    times the job has waited, this one included."""
    pipe = client.pipeline(transaction=True)
    pipe.eval(_WAIT, 1, job_key(job_id), leader, repr(time.time()))
    touch(pipe, job_id)
    job_events.record(pipe, job_id)
    return int(pipe.execute()[0])


def set_stage(
    client: redis.Redis,
    job_id: str,
    stage: str,
    *,
    also: Callable[[redis.client.Pipeline], None] | None = None,
) -> str | None:
    """Record the stage now running; returns who asked the job to stop, if anyone did
    (read in the same round trip: a step boundary checks for a cancel at no cost).
    `also` adds commands to the round trip."""
    pipe = client.pipeline(transaction=False)
    pipe.hset(job_key(job_id), "stage", stage)
    pipe.hget(job_key(job_id), "cancel_requested")
    touch(pipe, job_id)
    job_events.record(pipe, job_id)
    if also is not None:
        also(pipe)
    return pipe.execute()[1]


def finish(
    client: redis.Redis,
    job_id: str,
    *,
    status: JobStatus,
    ttl_s: int,
    cache_layer: str | None = None,
    timings_ms: dict[str, float] | None = None,
    result: JobResult | None = None,
    error: dict[str, str] | None = None,
    finished_at: float | None = None,
    also: Callable[[redis.client.Pipeline], None] | None = None,
) -> None:
    """Write the end state; `also` adds commands to the same round trip. The body
    (`spec`) leaves the hash: the row keeps what an ended job needs, and an ended job
    must not hold its request in Redis (an inline Figma file can be large)."""
    fields = {
        "status": status,
        "stage": "",
        "finished_at": repr(finished_at if finished_at is not None else time.time()),
        "cache_layer": cache_layer or "",
        "timings_ms": json.dumps(timings_ms or {}, separators=(",", ":")),
        "result": json.dumps(result.as_dict(), separators=(",", ":")) if result else "",
        "error": json.dumps(error, separators=(",", ":")) if error is not None else "",
    }
    pipe = client.pipeline(transaction=True)
    pipe.hset(job_key(job_id), mapping=dict(fields))
    pipe.hdel(job_key(job_id), "spec")
    pipe.expire(job_key(job_id), ttl_s)
    pipe.publish(done_channel(job_id), status)
    pipe.zrem(LIVE_JOBS, job_id)
    # Free its tenant's in-flight slot (api quotas), whichever path ended the job.
    pipe.eval(
        _RELEASE_SLOT,
        1,
        job_key(job_id),
        job_id,
        *TENANT_LIVE_AROUND,
        TENANT_ENDED_SUFFIX,
        fields["finished_at"],
        get_settings().ended_jobs_kept_per_tenant,
        ttl_s,
        job_key(""),
        events_key(""),
    )
    # Its webhook (if any) is due from this same transaction: an ending never loses it.
    webhook_schedule.schedule_in(pipe, job_id, status=status, queue=get_settings().generation_queue)
    job_events.record(pipe, job_id)  # after the EXPIRE: the stream takes the ended TTL
    if also is not None:
        also(pipe)
    pipe.execute()
