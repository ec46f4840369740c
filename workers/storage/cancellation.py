"""Cancelling a job: the atomic decisions, each one Lua script on the job's hash.

The rule that settles every race: a job's hash says who may end it.
- A queued job is cancelled by the API at once (`request_cancel` sets `cancelled`);
  a delivery that gets its message finds it so and drops it (job_state.mark_running
  will not start a cancelled job).
- A running job gets a field `cancel_requested` (who asked); the worker reads it with
  each stage write and stops at the next step boundary, ending the job `cancelled`.
- The worker's last boundary is `claim_ending`: after it (stage ENDING) the job can
  no longer be cancelled, and a cancel answers 409, as for a job that already ended.
So a job is never ended twice: `succeeded` never overwrites `cancelled`, and a 202
(asked to stop) is never followed by a success.
"""

from __future__ import annotations

from enum import StrEnum

import redis

from core.keys import job_key
from workers.storage import job_events

ENDING = "bookkeeping"
"""The stage of a job past its last cancellable point: its row and ending are written."""


class CancelOutcome(StrEnum):
    """What `request_cancel` found (and did)."""

    #: it was queued: now `cancelled` (the caller writes the rest of the ending)
    CANCELLED_QUEUED = "cancelled_queued"
    #: it is running: asked to stop at its next step boundary
    REQUESTED = "requested"
    #: it was already cancelled (or its cancel already asked for): nothing changed
    ALREADY = "already"
    #: it ended (succeeded or failed) or is past its last cancellable point
    TOO_LATE = "too_late"
    #: no live state (expired, or never was)
    MISSING = "missing"


_REQUEST_CANCEL = """
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return 'missing' end
if status == 'cancelled' then return 'already' end
if status == 'queued' then
  redis.call('HSET', KEYS[1], 'status', 'cancelled', 'cancel_requested', ARGV[1])
  return 'cancelled_queued'
end
if status == 'running' then
  if redis.call('HGET', KEYS[1], 'stage') == ARGV[2] then return 'too_late' end
  if redis.call('HSETNX', KEYS[1], 'cancel_requested', ARGV[1]) == 0 then return 'already' end
  return 'requested'
end
return 'too_late'
"""

_CLAIM_ENDING = """
local asked = redis.call('HGET', KEYS[1], 'cancel_requested')
if asked then return asked end
redis.call('HSET', KEYS[1], 'stage', ARGV[1])
return false
"""


def request_cancel(client: redis.Redis, job_id: str, *, by: str) -> CancelOutcome:
    """Cancel a queued job, or ask a running one to stop; `by` names who asked (kept in
    the job's hash for its ending's message)."""
    outcome = client.eval(_REQUEST_CANCEL, 1, job_key(job_id), by, ENDING)
    return CancelOutcome(outcome.decode() if isinstance(outcome, bytes) else outcome)


def claim_ending(client: redis.Redis, job_id: str) -> str | None:
    """The worker's last cancellable point: who asked the job to stop, or None, and then
    the job is past cancelling (its stage is ENDING)."""
    pipe = client.pipeline(transaction=True)
    pipe.eval(_CLAIM_ENDING, 1, job_key(job_id), ENDING)
    job_events.record(pipe, job_id)  # the stage change, for the job's event stream
    asked = pipe.execute()[0]
    if asked is None:
        return None
    return asked.decode() if isinstance(asked, bytes) else str(asked)
