"""What became of every job of a drill: the counts, and the table `make chaos` prints.

A drill passes when every accepted job ended succeeded or failed with a reason, has
exactly one generations row, every succeeded job's artifacts are in S3, and no job is
left queued or running. Poison messages must each end failed with a row; a job accepted
within a second of a Redis kill -9 may be lost with the append-only file's last second
(counted as "lost in crash", not hidden; README, Durability).
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError
from sqlalchemy import bindparam, text

from core.state import LIVE, JobStatus
from devstack.chaos.crashes import AOF_WINDOW_S, Aftermath, Say
from devstack.chaos.load import NOT_FOUND, Load, follow
from devstack.chaos.stack import ChaosStack

HIT_WINDOW_S = 2.0
"""The chaos stack's BUCKET_CHECK_S (1 s, the default) plus the time a job takes from its
upload (or its L1 hit) to its end."""


@dataclass
class Counts:
    drill: str
    in_flight_at_fault: int = 0
    submitted: int = 0
    gave_up_submitting: int = 0
    succeeded: int = 0
    failed_with_reason: int = 0
    unaccounted: int = 0  # neither succeeded nor failed with a reason
    stuck: int = 0  # still queued or running at the end
    rows: int = 0
    missing_rows: int = 0
    duplicate_rows: int = 0
    artifacts_missing: int = 0
    seconds: float = 0.0
    failure_reasons: Counter[str] = field(default_factory=Counter)
    # What the fault did to the jobs (see Drill.felt)
    felt: str = ""
    redelivered: int = 0  # jobs run more than once
    submit_retries: int = 0  # submissions the API refused (503) or dropped, then retried
    rows_spooled: int = 0
    uploads_spooled: int = 0
    ran_uncached: int = 0
    llm_faults: int = 0  # requests the LLM server failed on purpose
    wrote_after_bucket_loss: int = 0  # succeeded jobs that ended after the bucket vanished
    # Accepted in the last AOF_WINDOW_S before a Redis kill -9, unknown after: what
    # appendfsync everysec may lose (README, Durability); not counted as "lost".
    lost_in_crash: int = 0
    artifacts_unchecked: int = 0  # of jobs ended before the drill deleted the bucket
    # Lost artifacts of jobs that ended within HIT_WINDOW_S of the bucket's loss: an L1
    # hit served before its worker read the new epoch (every BUCKET_CHECK_S, README), or
    # an L4 job whose upload landed just before the loss; shown, not "missing".
    ended_in_window: int = 0
    poison_failed: int = 0  # poison messages that ended failed with a reason and a row
    poison_unfailed: int = 0  # poison messages that did not

    @property
    def passed(self) -> bool:
        problems = (self.gave_up_submitting, self.unaccounted, self.stuck, self.missing_rows,
                    self.duplicate_rows, self.artifacts_missing, self.poison_unfailed)  # fmt: skip
        return not any(problems)


def count_jobs(stack: ChaosStack, name: str, load: Load, aftermath: Aftermath, say: Say) -> Counts:
    ids = list(load.accepted)
    last_said = [0.0]

    def progress(ended: int) -> None:
        if time.monotonic() - last_said[0] > 10:
            say(f"[{name}] {ended}/{len(ids) + len(aftermath.poison)} ended")
            last_said[0] = time.monotonic()

    statuses = follow(stack.api_url, ids + list(aftermath.poison), api_key=stack.admin_key,
                      timeout_s=240, on_progress=progress)  # fmt: skip
    _wait_for_spools(stack, name, say)
    counts = Counts(name, submitted=len(ids), gave_up_submitting=len(load.refused))
    lost = _lost_in_crash(ids, statuses, load, aftermath)
    _tally(counts, [statuses.get(job_id, {}) for job_id in ids if job_id not in lost])
    counts.lost_in_crash = len(lost)
    counts.unaccounted -= len(lost)
    found = _rows(stack, ids + list(aftermath.poison))
    counted = [job_id for job_id in ids if job_id not in lost]
    counts.rows = sum(1 for job_id in found if job_id in set(counted))
    counts.missing_rows = len(set(counted) - set(found))
    counts.duplicate_rows = len(found) - len(set(found))
    _count_poison(counts, aftermath, statuses, set(found))
    _count_artifacts(stack, counts, [statuses[i] for i in counted if i in statuses], aftermath)
    return counts


def _lost_in_crash(
    ids: list[str], statuses: dict[str, dict[str, Any]], load: Load, aftermath: Aftermath
) -> set[str]:
    """Jobs unknown after a Redis kill -9 that were accepted within its fsync window."""
    if aftermath.crashed_at is None:
        return set()
    return {
        job_id for job_id in ids
        if statuses.get(job_id, {}).get("status") == NOT_FOUND
        and load.accepted_at[job_id] >= aftermath.crashed_at - AOF_WINDOW_S
    }  # fmt: skip


def _tally(counts: Counts, statuses: list[dict[str, Any]]) -> None:
    for status in statuses:
        result = status.get("result") or {}
        counts.redelivered += int(status.get("attempts", 0) > 1)
        counts.rows_spooled += int(result.get("bookkeeping") == "spooled")
        counts.uploads_spooled += int(result.get("uploads") == "pending")
        counts.ran_uncached += int(result.get("cache") == "unavailable")
        if status.get("status") == JobStatus.SUCCEEDED:
            counts.succeeded += 1
        elif status.get("status") == JobStatus.FAILED and _reason_given(status):
            counts.failed_with_reason += 1
            counts.failure_reasons[_reason(status["error"])] += 1
        elif status.get("status") in LIVE:
            counts.stuck += 1
    counts.unaccounted = counts.submitted - counts.succeeded - counts.failed_with_reason
    counts.unaccounted -= counts.stuck


def _rows(stack: ChaosStack, ids: list[str]) -> list[str]:
    """The generations rows of these jobs, one id per row (a duplicate shows twice)."""
    with stack.engine.connect() as conn:
        return list(conn.execute(
            text("SELECT id FROM generations WHERE id IN :ids").bindparams(
                bindparam("ids", expanding=True)
            ),
            {"ids": ids or [""]},
        ).scalars().all())  # fmt: skip


def _count_poison(
    counts: Counts, aftermath: Aftermath, statuses: dict[str, dict[str, Any]], rows: set[str]
) -> None:
    for job_id, kind in aftermath.poison.items():
        status = statuses.get(job_id, {})
        if status.get("status") == JobStatus.FAILED and _reason_given(status) and job_id in rows:
            counts.poison_failed += 1
            counts.failure_reasons[f"(poison {kind}) {_reason(status['error'])}"] += 1
        else:
            counts.poison_unfailed += 1
            counts.failure_reasons[f"(poison {kind}) NOT failed: {status.get('status')}"] += 1


def _count_artifacts(
    stack: ChaosStack, counts: Counts, statuses: list[dict[str, Any]], aftermath: Aftermath
) -> None:
    """Every succeeded job's artifacts in S3, but those of jobs that ended before the
    drill deleted the bucket (gone with it, on purpose)."""
    keys: dict[str, str] = {}  # key -> how its job got it (cache layer)
    in_window: set[str] = set()  # keys of jobs that ended within HIT_WINDOW_S of the loss
    gone_at = aftermath.bucket_gone_at
    for status in statuses:
        if status.get("status") != JobStatus.SUCCEEDED:
            continue
        job_keys = {artifact["key"] for artifact in status["result"]["artifacts"].values()}
        if gone_at is not None and _ended_at(status) < gone_at:
            counts.artifacts_unchecked += len(job_keys)
            continue
        if gone_at is not None and _ended_at(status) < gone_at + HIT_WINDOW_S:
            in_window |= job_keys
        counts.wrote_after_bucket_loss += int(gone_at is not None)
        keys.update(dict.fromkeys(job_keys, str(status.get("cache_layer"))))
    for key, layer in keys.items():
        if _exists(stack, key):
            continue
        if key in in_window:
            counts.ended_in_window += 1
        else:
            counts.artifacts_missing += 1
            counts.failure_reasons[f"artifact missing (a job of cache layer {layer})"] += 1


def _ended_at(status: dict[str, Any]) -> float:
    finished = status.get("finished_at")
    return datetime.fromisoformat(finished).timestamp() if finished else 0.0


def _wait_for_spools(stack: ChaosStack, name: str, say: Say, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    if stack.spooled():
        say(f"[{name}] {stack.spooled()} spooled items replaying")
    while stack.spooled() and time.monotonic() < deadline:
        time.sleep(0.5)


def _exists(stack: ChaosStack, key: str) -> bool:
    try:
        stack.s3.head_object(Bucket=stack.bucket, Key=key)
        return True
    except ClientError:
        return False


def _reason(error: dict[str, Any]) -> str:
    message = str(error.get("message", ""))
    return f"{error.get('type')}: {message.split(':')[0][:60]}"


COLUMNS = (
    ("drill", "drill"), ("in_flight_at_fault", "in flight"), ("submitted", "submitted"),
    ("succeeded", "succeeded"),
    ("failed_with_reason", "failed (reason)"), ("unaccounted", "lost"), ("stuck", "stuck"),
    ("rows", "rows"), ("missing_rows", "rows missing"), ("duplicate_rows", "rows dup"),
    ("artifacts_missing", "artifacts missing"), ("gave_up_submitting", "submit gave up"),
    ("lost_in_crash", "lost in crash"), ("ended_in_window", "ended in window"),
    ("poison_failed", "poison failed"),
    ("felt", "fault felt by"), ("seconds", "s"),
)  # fmt: skip


def table(results: list[Counts]) -> str:
    header = [title for _, title in COLUMNS] + ["verdict"]
    rows = [[str(getattr(c, attr)) for attr, _ in COLUMNS] + ["ok" if c.passed else "FAIL"]
            for c in results]  # fmt: skip
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [" | ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True))
             for r in [header, *rows]]  # fmt: skip
    lines.insert(1, "-+-".join("-" * w for w in widths))
    for counts in results:
        for reason, n in counts.failure_reasons.most_common(5):  # the 5 poison kinds
            lines.append(f"  {counts.drill}: {n} failed with {reason}")
    return "\n".join(lines)


def _reason_given(status: dict[str, Any]) -> bool:
    return bool((status.get("error") or {}).get("message"))
