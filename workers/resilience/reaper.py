"""The reaper: finds jobs left queued or running with no lease and no message, and re-queues
them, or fails them with a reason once their deliveries are spent.

How a job gets lost: its message is deleted or purged from the broker, a publish is lost,
or a worker dies holding a message the broker then drops. The lease and the broker's own
redelivery cover the rest; this covers what neither can. Like RQ's started-job registry
cleanup, it reads an index rather than every job: `jobs:live` (core.keys), a sorted set
of the jobs not yet ended scored by their last progress (created, marked running, a new
stage, waiting to retry). A job is orphaned when all of these hold:
- its last progress is older than REAPER_STALE_AFTER_S (default the broker's visibility
  timeout plus the lease: by then a dead holder's lease has lapsed and the Redis broker
  has given its unacked message back, if it still had it);
- no lease (`lease:job:{id}`): no delivery is running it;
- nothing in flight: on the Redis broker, no message naming it in the queue's lists or in
  kombu's `unacked` hash (read once per sweep, only when there are candidates). RabbitMQ
  cannot be searched from outside, so while the queue holds ready messages any of them
  may be the job's, and it waits; a backlog only delays the reaper.
Re-queuing publishes `generation.run` again with the job's id as task id, like Sidekiq's
reliable fetch pushing an orphaned job back: a duplicate is harmless (the lease lets one
delivery run it, the others find it ended). Each re-queue is counted in the job's hash
(`requeues`); once `max(attempts, requeues)` reaches JOB_MAX_DELIVERIES the job is failed
(`orphaned`) instead, so a job whose message keeps vanishing cannot loop.

One sweep per queue per REAPER_INTERVAL_S across all workers: the sweeper takes
`reaper:lock:{queue}` (SET NX PX, left to expire) and sweeps only jobs of queues its worker
consumes. It runs from a thread of each worker's main process, like the spool replay:
every worker can do it and none needs beat.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

import redis

from config.celery_app import app
from config.settings import get_settings
from core.errors import JobOrphaned
from core.keys import LIVE_JOBS, job_key, lease_key, reaper_lock_key
from core.state import LIVE
from workers.clients import redis_client
from workers.observability import metrics
from workers.pipeline import job_message
from workers.pipeline.failure import fail_job
from workers.storage import job_events

logger = logging.getLogger(__name__)

BATCH = 200
"""Most of its own jobs a sweep acts on (the stalest first); the rest wait for the next."""
PAGES = 10
"""Most pages of BATCH a sweep reads; a longer stale range is read on by the next sweeps."""


class Action(StrEnum):
    #: alive, waiting its turn, or not stale yet
    LEAVE = "leave"
    #: publish its message again
    REQUEUE = "requeued"
    #: end it failed (`orphaned`): its deliveries are spent
    FAIL = "failed"
    #: ended or expired: drop it from the index
    FORGET = "forgotten"


@dataclass(frozen=True)
class Observed:
    """What the sweep read about one job."""

    status: str | None  # None: its state expired or never was
    idle_s: float  # since its last progress
    lease_held: bool
    in_broker: bool  # a message that may be its own waits in (or is held from) the broker
    deliveries: int  # max(attempts, requeues)


def decide(job: Observed, *, stale_after_s: float, max_deliveries: int) -> Action:
    """What the reaper does with a job (no I/O)."""
    if job.status not in LIVE:
        return Action.FORGET
    if job.lease_held or job.idle_s < stale_after_s or job.in_broker:
        return Action.LEAVE
    if job.deliveries >= max_deliveries:
        return Action.FAIL
    return Action.REQUEUE


def _token() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _in_broker(queue: str, job_ids: Sequence[str]) -> set[str]:
    """The jobs of `job_ids` that may have a message in `queue` (see the module doc)."""
    settings = get_settings()
    with app.connection_for_write() as conn:  # the app's broker, transport and options
        channel = conn.default_channel
        if not settings.broker_is_redis:
            try:
                _, ready, _ = channel.queue_declare(queue=queue, passive=True)
            except conn.channel_errors:  # no such queue: nothing waits in it
                return set()
            return set(job_ids) if ready else set()
        client = channel.client
        pipe = client.pipeline(transaction=False)
        for priority in channel.priority_steps:
            pipe.lrange(channel._q_for_pri(queue, priority), 0, -1)
        pipe.hvals(channel.unacked_key)
        found = "\n".join(
            m.decode() if isinstance(m, bytes) else m for ms in pipe.execute() for m in ms
        )
    return {job_id for job_id in job_ids if job_id in found}


@dataclass
class Cursor:
    """Where the next sweep reads the stale range from. Stale jobs of queues no one here
    sweeps (another worker's, or one with no workers) stay in the shared index; reading
    on from where the last sweep stopped keeps them from hiding this worker's jobs."""

    offset: int = 0


def sweep_once(
    queues: Iterable[str], *, client: redis.Redis | None = None, cursor: Cursor | None = None
) -> dict[str, int]:
    """One sweep of the jobs of those of `queues` whose lock this process takes: reads
    up to PAGES pages of the stale range from `cursor` on, until BATCH jobs are its own.
    Returns how many jobs took each action other than LEAVE."""
    settings = get_settings()
    client = client or redis_client()
    cursor = cursor or Cursor()
    interval_ms = max(int(settings.reaper_interval_s * 1000), 1)
    token = _token()
    mine = {q for q in queues if client.set(reaper_lock_key(q), token, nx=True, px=interval_ms)}
    if not mine:
        return {}
    now = time.time()
    observed: dict[str, tuple[str, Observed]] = {}
    for _ in range(PAGES):
        start = cursor.offset
        page = _read_page(client, now - settings.reaper_stale_after_s, start, now)
        cursor.offset = start + len(page) if len(page) == BATCH else 0  # the end: wrap
        for job_id, (queue, job) in page.items():
            if queue in mine or job.status not in LIVE:
                observed[job_id] = (queue, job)
        if len(observed) >= BATCH or (start == 0 and cursor.offset == 0):
            break
    return _act(client, observed, mine) if observed else {}


def _read_page(
    client: redis.Redis, stale_before: float, offset: int, now: float
) -> dict[str, tuple[str, Observed]]:
    """BATCH jobs of the stale range from `offset`, each with its queue and what it looks like."""
    stale = client.zrangebyscore(
        LIVE_JOBS, "-inf", stale_before, start=offset, num=BATCH, withscores=True
    )
    if not stale:
        return {}
    pipe = client.pipeline(transaction=False)
    for job_id, _ in stale:
        pipe.hmget(job_key(job_id), "status", "attempts", "requeues", "queue")
        pipe.exists(lease_key(job_id))
    read = pipe.execute()
    page: dict[str, tuple[str, Observed]] = {}
    for i, (job_id, score) in enumerate(stale):
        (status, attempts, requeues, queue), lease = read[2 * i], read[2 * i + 1]
        job = Observed(
            status=status,
            idle_s=now - score,
            lease_held=bool(lease),
            in_broker=False,
            deliveries=max(int(attempts or 0), int(requeues or 0)),
        )
        page[job_id] = (queue or get_settings().generation_queue, job)
    return page


def _act(
    client: redis.Redis, observed: dict[str, tuple[str, Observed]], mine: set[str]
) -> dict[str, int]:
    settings = get_settings()
    limits = {"stale_after_s": settings.reaper_stale_after_s,
              "max_deliveries": settings.job_max_deliveries}  # fmt: skip
    counts: dict[str, int] = {}
    orphans: dict[str, list[str]] = {}
    for job_id, (queue, job) in observed.items():
        action = decide(job, **limits)
        if action is Action.FORGET:
            client.zrem(LIVE_JOBS, job_id)
            counts[action] = counts.get(action, 0) + 1
        elif action is not Action.LEAVE and queue in mine:
            orphans.setdefault(queue, []).append(job_id)
    for queue, job_ids in orphans.items():
        held = _in_broker(queue, job_ids)
        for job_id in job_ids:
            job = observed[job_id][1]
            action = decide(
                Observed(job.status, job.idle_s, job.lease_held, job_id in held, job.deliveries),
                **limits,
            )
            if action in (Action.REQUEUE, Action.FAIL) and _still_orphaned(client, job_id):
                _reap(client, job_id, queue, action, job)
                counts[action] = counts.get(action, 0) + 1
    return counts


_REQUEUE_IF_LIVE = """
local status = redis.call('HGET', KEYS[1], 'status')
if status == 'queued' or status == 'running' then
  redis.call('HSET', KEYS[1], 'status', 'queued', 'stage', 'requeued')
end
return 0
"""


def _still_orphaned(client: redis.Redis, job_id: str) -> bool:
    """Read again just before acting: a delivery may have started since the sweep read."""
    pipe = client.pipeline(transaction=False)
    pipe.hget(job_key(job_id), "status")
    pipe.exists(lease_key(job_id))
    status, lease = pipe.execute()
    return status in LIVE and not lease


def _reap(client: redis.Redis, job_id: str, queue: str, action: Action, job: Observed) -> None:
    idle_s = round(job.idle_s)
    if action is Action.FAIL:
        fail_job(
            job_id,
            JobOrphaned(
                f"lost: no worker held it and no message for it was in the broker for "
                f"{idle_s} s, and it was already delivered {job.deliveries} times (the limit "
                "is JOB_MAX_DELIVERIES); resubmit it"
            ),
        )
        logger.warning(
            "reaper: job %s (%s, idle %d s, %d deliveries) failed as orphaned",
            job_id, job.status, idle_s, job.deliveries,
        )  # fmt: skip
    else:
        # The state first, then the message: written after it, `queued` could land on a
        # job a worker had already taken and marked running. A publish that fails leaves
        # a queued job with no message, which the next sweeps find again.
        pipe = client.pipeline(transaction=True)
        # Only a job still live: one cancelled since the re-read stays cancelled.
        pipe.eval(_REQUEUE_IF_LIVE, 1, job_key(job_id))
        pipe.hincrby(job_key(job_id), "requeues", 1)
        pipe.zadd(LIVE_JOBS, {job_id: time.time()}, xx=True)
        job_events.record(pipe, job_id)
        pipe.execute()
        job_message.publish(job_id, queue=queue)
        logger.warning(
            "reaper: job %s (%s, idle %d s, no lease, no message) re-queued on %s",
            job_id, job.status, idle_s, queue,
        )  # fmt: skip
    metrics.JOBS_REAPED.labels(action=action.value).inc()


def start(queues: Sequence[str]) -> threading.Event:
    """Sweep `queues` every REAPER_INTERVAL_S; set the returned event to stop."""
    stop = threading.Event()
    interval_s = get_settings().reaper_interval_s

    cursor = Cursor()

    def loop() -> None:
        while not stop.wait(interval_s):
            try:
                sweep_once(queues, cursor=cursor)
            except Exception:
                logger.warning("reaper: sweep failed; next in %.0f s", interval_s, exc_info=True)

    threading.Thread(target=loop, name="reaper", daemon=True).start()
    return stop
