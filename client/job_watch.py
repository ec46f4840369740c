"""Where the progress display learns what jobs do: threads that put `JobUpdate`s on one
queue. The rule: up to STREAMS_UP_TO jobs, one events stream (SSE) per job, which shows
every stage as it starts; more than that, one GET /v1/batches/{id} per batch every
POLL_EVERY_S (or, for jobs submitted outside a batch, one status GET per unfinished job),
so a 300-job submission holds 3 requests a second, not 300 open streams."""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from client.http_api import ApiError, ApiUnreachable, ComponentForgeApi, JsonDict

log = logging.getLogger(__name__)

STREAMS_UP_TO = 16
POLL_EVERY_S = 1.0
RECONNECTS = 5  # a dropped stream is resumed (Last-Event-ID) this many times in a row
ENDED = frozenset({"succeeded", "failed", "cancelled"})


@dataclass(frozen=True)
class JobUpdate:
    job_id: str
    status: str
    stage: str | None = None
    cache_layer: str | None = None
    document: JsonDict | None = None  # the status document, once the job ended
    problem: str | None = None  # why this job can no longer be watched


Updates = queue.Queue[JobUpdate]


def start_watching(
    api: ComponentForgeApi, job_ids: list[str], updates: Updates, *, batch_ids: list[str]
) -> None:
    """Start the daemon threads that report on `job_ids` (the rule in the module doc).
    Daemon threads: Ctrl-C stops watching at once, and never touches the jobs."""
    if len(job_ids) <= STREAMS_UP_TO:
        for job_id in job_ids:
            _start([job_id], updates, lambda j=job_id: stream_job(api, j, updates))
    elif batch_ids:
        _start(job_ids, updates, lambda: poll_batches(api, batch_ids, job_ids, updates))
    else:
        _start(job_ids, updates, lambda: poll_jobs(api, job_ids, updates))


def _start(job_ids: list[str], updates: Updates, watch: Callable[[], None]) -> None:
    def run() -> None:
        try:
            watch()
        except Exception as exc:  # never die silently: the display would wait forever
            log.debug("watching stopped", exc_info=True)
            for job_id in job_ids:
                updates.put(JobUpdate(job_id, "unknown", problem=f"watching stopped: {exc}"))

    threading.Thread(target=run, daemon=True).start()


def stream_job(api: ComponentForgeApi, job_id: str, updates: Updates) -> None:
    """A job's events until `end`, resumed after a dropped connection."""
    last_id: str | None = None
    failures = 0
    while True:
        try:
            for event in api.events(job_id, last_event_id=last_id):
                last_id, failures = event.id, 0
                if event.event == "state":
                    updates.put(_from_state(job_id, _json(event.data)))
                elif event.event == "end":
                    updates.put(_ended(_json(event.data)))
                    return
        except ApiError as exc:
            if exc.status in (404, 405) and last_id is None:
                # No events route on this server, or an unknown job: polling tells which.
                poll_jobs(api, [job_id], updates)
                return
            updates.put(JobUpdate(job_id, "unknown", problem=str(exc)))
            return
        except ApiUnreachable as exc:
            failures += 1
            if failures > RECONNECTS:
                updates.put(JobUpdate(job_id, "unknown", problem=str(exc)))
                return
        # Dropped, or closed without `end`: resume after the last event, not at once.
        time.sleep(max(1, min(failures, 5)) * POLL_EVERY_S)


def poll_batches(
    api: ComponentForgeApi, batch_ids: list[str], job_ids: list[str], updates: Updates
) -> None:
    """Each batch's jobs every POLL_EVERY_S until all ended; an ended job's full status
    document is fetched once (the batch lists only status, stage and cache layer). A
    batch the API cannot show hands its jobs over to status polling."""
    seen: dict[str, tuple[Any, ...]] = {}
    pending = set(batch_ids)
    while pending:
        for batch_id in sorted(pending):
            try:
                jobs = _retrying(lambda b=batch_id: api.batch(b))["jobs"]
            except ApiError:
                ended = {j for j, now in seen.items() if now[0] in ENDED}
                poll_jobs(api, [j for j in job_ids if j not in ended], updates)
                return
            for job in jobs:
                now = (job["status"], job.get("stage"), job.get("cache_layer"))
                if seen.get(job["id"]) == now:
                    continue
                seen[job["id"]] = now
                if job["status"] in ENDED:
                    updates.put(_ended(_retrying(lambda j=job["id"]: api.status(j))))
                else:
                    updates.put(JobUpdate(job["id"], *now))
            if all(job["status"] in ENDED for job in jobs):
                pending.discard(batch_id)
        if pending:
            time.sleep(POLL_EVERY_S)


def poll_jobs(api: ComponentForgeApi, job_ids: list[str], updates: Updates) -> None:
    """Each unfinished job's status every POLL_EVERY_S (a short long-poll when only one)."""
    seen: dict[str, tuple[Any, ...]] = {}
    pending = list(job_ids)
    wait_s = POLL_EVERY_S if len(job_ids) == 1 else None
    while pending:
        for job_id in list(pending):
            try:
                document = _retrying(lambda j=job_id: api.status(j, wait_s=wait_s))
            except ApiError as exc:
                updates.put(JobUpdate(job_id, "unknown", problem=str(exc)))
                pending.remove(job_id)
                continue
            if document["status"] in ENDED:
                updates.put(_ended(document))
                pending.remove(job_id)
                continue
            now = (document["status"], document.get("stage"), document.get("cache_layer"))
            if seen.get(job_id) != now:
                seen[job_id] = now
                updates.put(JobUpdate(job_id, *now))
        if pending and wait_s is None:
            time.sleep(POLL_EVERY_S)


def _retrying(call: Callable[[], JsonDict]) -> JsonDict:
    """One GET, tried again while the API is briefly unreachable (a restart)."""
    for attempt in range(RECONNECTS):
        try:
            return call()
        except ApiUnreachable:
            time.sleep((attempt + 1) * POLL_EVERY_S)
    return call()


def _from_state(job_id: str, data: JsonDict) -> JobUpdate:
    return JobUpdate(job_id, str(data.get("status")), data.get("stage"), data.get("cache_layer"))


def _ended(document: JsonDict) -> JobUpdate:
    return JobUpdate(document["id"], document["status"], document.get("stage"),
                     document.get("cache_layer"), document=document)  # fmt: skip


def _json(data: str) -> JsonDict:
    value: JsonDict = json.loads(data)
    return value
