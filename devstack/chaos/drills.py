"""The fault drills: each breaks one thing while jobs are in flight, then counts what
became of every job.

A drill passes when every accepted job ended succeeded or failed with a reason, has
exactly one generations row, every succeeded job's artifacts are in S3, and no job is
left queued or running.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError
from sqlalchemy import bindparam, text

from core.state import LIVE, JobStatus
from devstack.chaos.load import Load, follow
from devstack.chaos.stack import ChaosStack

Say = Callable[[str], None]


@dataclass(frozen=True)
class Drill:
    name: str
    what: str
    fault: Callable[[ChaosStack, float, Say], None]
    felt: str
    """The Counts field that shows the fault reached the jobs (a drill whose fault
    touched nothing would pass without proving anything)."""
    provider: str = "template"


def _kill_workers(stack: ChaosStack, outage_s: float, say: Say) -> None:
    """kill -9 three times: a pool process mid-job, then two whole workers (restarted,
    as a supervisor would; their unacked jobs return after the visibility timeout)."""
    for round_ in range(3):
        time.sleep(outage_s / 3 if round_ else 1)
        worker = stack.workers[round_ % len(stack.workers)]
        if round_ == 0 and (children := worker.child_pids()):
            os.kill(children[0], signal.SIGKILL)
            say(f"killed -9 pool process {children[0]} of {worker.name}")
        else:
            worker.kill9()
            say(f"killed -9 worker {worker.name} (main process and pool)")
            stack.replace_dead_workers()


def _restart_broker(stack: ChaosStack, outage_s: float, say: Say) -> None:
    stack.broker.stop()
    say(f"broker stopped for {outage_s:.0f} s")
    time.sleep(outage_s)
    stack.broker.start()
    say("broker started again")


def _cut(proxy: str) -> Callable[[ChaosStack, float, Say], None]:
    def fault(stack: ChaosStack, outage_s: float, say: Say) -> None:
        with stack.proxies[proxy].down():
            say(f"{proxy} unreachable for {outage_s:.0f} s")
            time.sleep(outage_s)
        say(f"{proxy} reachable again")

    return fault


def _llm(outage: str) -> Callable[[ChaosStack, float, Say], None]:
    def fault(stack: ChaosStack, outage_s: float, say: Say) -> None:
        stack.llm.outage = outage  # type: ignore[assignment]
        say(f"LLM answering {outage} for {outage_s:.0f} s")
        time.sleep(outage_s)
        stack.llm.outage = None
        say("LLM answering again")

    return fault


DRILLS = (
    Drill("worker-kill", "kill -9 workers mid-job, three times", _kill_workers, "redelivered"),
    Drill("broker-restart", "the broker stopped, then started again", _restart_broker,
          "submit_retries"),
    Drill("postgres-down", "Postgres unreachable", _cut("postgres"), "rows_spooled"),
    Drill("s3-down", "the S3 endpoint unreachable", _cut("s3"), "uploads_spooled"),
    Drill("cache-down", "the cache Redis unreachable", _cut("cache"), "ran_uncached"),
    Drill("llm-500", "the LLM answering 500", _llm("500"), "llm_faults", "openai"),
    Drill("llm-429", "the LLM answering 429 with Retry-After", _llm("429"), "llm_faults",
          "openai"),
    Drill("llm-hang", "the LLM hanging past the client timeout", _llm("hang"), "llm_faults",
          "openai"),
)  # fmt: skip


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

    @property
    def passed(self) -> bool:
        problems = (self.gave_up_submitting, self.unaccounted, self.stuck, self.missing_rows,
                    self.duplicate_rows, self.artifacts_missing)  # fmt: skip
        return not any(problems)


def run_drill(
    stack: ChaosStack,
    drill: Drill,
    *,
    outage_s: float,
    burst: int = 50,
    trickle_per_s: float = 2.0,
    say: Say = print,
) -> Counts:
    started = time.monotonic()
    faults_before = stack.llm.outage_answers
    load = Load(stack.api_url, provider=drill.provider)
    say(f"[{drill.name}] {drill.what}; {burst} jobs, then {trickle_per_s:g}/s during the fault")
    load.burst(burst)
    stop = threading.Event()
    trickle = load.trickle(trickle_per_s, stop)
    in_flight = stack.in_flight()
    say(f"[{drill.name}] {in_flight} jobs queued or running as the fault starts")
    drill.fault(stack, outage_s, say)
    stop.set()
    trickle.join()
    time.sleep(0.5)  # submissions still in their retry loop finish
    say(f"[{drill.name}] {len(load.accepted)} jobs accepted; following them to their end")
    counts = _count(stack, drill.name, load, say)
    counts.in_flight_at_fault = in_flight
    counts.submit_retries = load.submit_retries
    counts.llm_faults = stack.llm.outage_answers - faults_before
    counts.felt = f"{getattr(counts, drill.felt)} {drill.felt.replace('_', ' ')}"
    counts.seconds = round(time.monotonic() - started, 1)
    stack.replace_dead_workers()
    return counts


def _count(stack: ChaosStack, name: str, load: Load, say: Say) -> Counts:
    ids = list(load.accepted)
    last_said = [0.0]

    def progress(ended: int) -> None:
        if time.monotonic() - last_said[0] > 10:
            say(f"[{name}] {ended}/{len(ids)} ended")
            last_said[0] = time.monotonic()

    statuses = follow(stack.api_url, ids, timeout_s=240, on_progress=progress)
    _wait_for_spools(stack, name, say)
    counts = Counts(name, submitted=len(ids), gave_up_submitting=len(load.refused))
    for job_id in ids:
        status = statuses.get(job_id, {})
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
    with stack.engine.connect() as conn:
        found = conn.execute(
            text("SELECT id FROM generations WHERE id IN :ids").bindparams(
                bindparam("ids", expanding=True)
            ),
            {"ids": ids or [""]},
        ).scalars().all()  # fmt: skip
    counts.rows = len(found)
    counts.missing_rows = len(set(ids) - set(found))
    counts.duplicate_rows = len(found) - len(set(found))
    keys = {
        artifact["key"]
        for status in statuses.values()
        if status.get("status") == JobStatus.SUCCEEDED
        for artifact in status["result"]["artifacts"].values()
    }
    counts.artifacts_missing = sum(1 for key in keys if not _exists(stack, key))
    return counts


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
        for reason, n in counts.failure_reasons.most_common(3):
            lines.append(f"  {counts.drill}: {n} failed with {reason}")
    return "\n".join(lines)


def _reason_given(status: dict[str, Any]) -> bool:
    return bool((status.get("error") or {}).get("message"))
