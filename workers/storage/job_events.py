"""A job's state changes as a Redis Stream (`job-events:{id}`), each one announced on
`job-changed:{id}`: what GET /v1/generations/{id}/events sends, resumes from and waits
for (api.job_notifications).

Writers (job_state) queue `record` in the pipeline that changes the hash, so an event
costs no round trip of its own; the API reads entries after an id with `changes_after`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import redis

from core.keys import JOB_EVENTS_MAXLEN, changed_channel, events_key, job_key
from core.state import JobState, decode

_RECORD = """
local f = redis.call('HMGET', KEYS[1], 'status', 'stage', 'cache_layer', 'attempts')
if not f[1] then return false end
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'status', f[1],
  'stage', f[2] or '', 'cache_layer', f[3] or '', 'attempts', f[4] or '0', 'at', ARGV[2])
local ttl = redis.call('TTL', KEYS[1])
if ttl > 0 then redis.call('EXPIRE', KEYS[2], ttl) end
redis.call('PUBLISH', ARGV[1], id)
return id
"""
"""Copies the hash's fields as they are after the writes queued before it (so an event
always says what the hash says, attempts included, which HINCRBY sets server-side),
expires with the hash and announces the entry. Sent whole, like job_state's
_RELEASE_SLOT: EVALSHA could meet an emptied script cache."""

FIRST_ID = "0-0"
"""The id before every entry: the id of a first event when the stream has none yet."""


@dataclass(frozen=True)
class JobEvent:
    """One stream entry: the job's state right after a change."""

    id: str
    status: str
    stage: str | None
    cache_layer: str | None
    attempts: int
    at: float

    @classmethod
    def from_entry(cls, entry_id: str, fields: dict[str, str]) -> JobEvent:
        return cls(
            id=entry_id,
            status=fields.get("status", ""),
            stage=fields.get("stage") or None,
            cache_layer=fields.get("cache_layer") or None,
            attempts=int(fields.get("attempts") or 0),
            at=float(fields.get("at") or 0),
        )


def record(pipe: redis.client.Pipeline, job_id: str) -> None:
    """Queue the event of the change queued before it (nothing if the job has no hash)."""
    pipe.eval(
        _RECORD,
        2,
        job_key(job_id),
        events_key(job_id),
        changed_channel(job_id),
        repr(time.time()),
        JOB_EVENTS_MAXLEN,
    )


def changes_after(
    client: redis.Redis, job_id: str, after_id: str
) -> tuple[list[JobEvent], JobState | None]:
    """The job's events after `after_id` (FIRST_ID: all it still has), oldest first, and
    its state, read together (a MULTI): an ended state's last event is among them."""
    pipe = client.pipeline(transaction=True)
    pipe.xrange(events_key(job_id), min=f"({after_id}", max="+")
    pipe.hgetall(job_key(job_id))
    entries, raw = pipe.execute()
    events = [JobEvent.from_entry(entry_id, fields) for entry_id, fields in entries]
    return events, decode(job_id, raw)


def current(client: redis.Redis, job_id: str) -> tuple[JobState | None, JobEvent | None]:
    """The job's state and its newest event (None if none), read together: a resume from
    that event's id gets every change after this state."""
    pipe = client.pipeline(transaction=True)
    pipe.hgetall(job_key(job_id))
    pipe.xrevrange(events_key(job_id), count=1)
    raw, newest = pipe.execute()
    return decode(job_id, raw), JobEvent.from_entry(*newest[0]) if newest else None
