"""Live job state in Redis: one hash per job, `job:{id}`.

The API writes it on submit, the worker moves it through running to an end state,
and GET /v1/generations/{id} reads it. Postgres holds the lasting record; this hash
expires after JOB_STATE_TTL_S.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import redis

QUEUED, RUNNING, SUCCEEDED, FAILED = "queued", "running", "succeeded", "failed"
TERMINAL = frozenset({SUCCEEDED, FAILED})


def job_key(job_id: str) -> str:
    return f"job:{job_id}"


def done_channel(job_id: str) -> str:
    """Pub/sub channel that hears the job's end status, for clients that would rather
    be told than poll."""
    return f"job-done:{job_id}"


@dataclass
class JobState:
    id: str
    status: str
    spec: dict[str, Any]
    component_type: str
    component_name: str
    cache_key: str
    created_at: float
    stage: str | None = None
    cache_layer: str | None = None
    attempts: int = 0
    started_at: float | None = None
    finished_at: float | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)
    error: dict[str, str] | None = None
    result: dict[str, Any] | None = None
    trace_fields: dict[str, str] = field(default_factory=dict)  # the root run, if traced

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL


def _opt_float(raw: str | None) -> float | None:
    return float(raw) if raw else None


def _opt_json(raw: str | None) -> Any:
    return json.loads(raw) if raw else None


def decode(job_id: str, raw: dict[str, str]) -> JobState | None:
    if not raw or "status" not in raw:
        return None
    return JobState(
        id=job_id,
        status=raw["status"],
        spec=json.loads(raw.get("spec") or "{}"),
        component_type=raw.get("component_type", ""),
        component_name=raw.get("component_name", ""),
        cache_key=raw.get("cache_key", ""),
        created_at=float(raw.get("created_at") or 0),
        stage=raw.get("stage") or None,
        cache_layer=raw.get("cache_layer") or None,
        attempts=int(raw.get("attempts") or 0),
        started_at=_opt_float(raw.get("started_at")),
        finished_at=_opt_float(raw.get("finished_at")),
        timings_ms=_opt_json(raw.get("timings_ms")) or {},
        error=_opt_json(raw.get("error")),
        result=_opt_json(raw.get("result")),
        trace_fields={k: v for k, v in raw.items() if k.startswith("trace_")},
    )


def new_job_id() -> str:
    return uuid.uuid4().hex


def new_job_fields(*, spec: dict[str, Any], created_at: float | None = None) -> dict[str, str]:
    """The hash a freshly queued job starts with."""
    return {
        "status": QUEUED,
        "spec": json.dumps(spec, separators=(",", ":")),
        "component_type": spec["component_type"],
        "component_name": spec["component_name"],
        "created_at": repr(created_at if created_at is not None else time.time()),
        "attempts": "0",
    }


def create(pipe: redis.client.Pipeline, job_id: str, fields: dict[str, str], *, ttl_s: int) -> None:
    """Queue the writes that create a job (the caller executes the pipeline)."""
    pipe.hset(job_key(job_id), mapping=dict(fields))
    pipe.expire(job_key(job_id), ttl_s)


def load(client: redis.Redis, job_id: str) -> JobState | None:
    return decode(job_id, client.hgetall(job_key(job_id)))


def mark_running(
    client: redis.Redis, job_id: str, *, stage: str, cache_key: str, read_key: str | None = None
) -> tuple[int, str | None]:
    """Record a delivery starting. Returns the attempt number (1 on first delivery) and
    the value of `read_key` (the L1 entry), read in the same round trip.

    The worker computes the cache key (not the API): it depends on the generator
    version, which is the worker's to know.
    """
    pipe = client.pipeline(transaction=True)
    mapping = {"status": RUNNING, "stage": stage, "cache_key": cache_key}
    pipe.hset(job_key(job_id), mapping=mapping)
    pipe.hsetnx(job_key(job_id), "started_at", repr(time.time()))
    pipe.hincrby(job_key(job_id), "attempts", 1)
    if read_key is not None:
        pipe.get(read_key)
    results = pipe.execute()
    return int(results[2]), results[3] if read_key is not None else None


def mark_retrying(client: redis.Redis, job_id: str) -> None:
    """Back to queued while the task waits to retry (a dependency was down)."""
    client.hset(job_key(job_id), mapping={"status": QUEUED, "stage": "waiting_retry"})


def set_stage(client: redis.Redis, job_id: str, stage: str) -> None:
    client.hset(job_key(job_id), "stage", stage)


def finish(
    client: redis.Redis,
    job_id: str,
    *,
    status: str,
    ttl_s: int,
    cache_layer: str | None = None,
    timings_ms: dict[str, float] | None = None,
    result: dict[str, Any] | None = None,
    error: dict[str, str] | None = None,
    finished_at: float | None = None,
    also: Callable[[redis.client.Pipeline], None] | None = None,
) -> None:
    """Write the end state; `also` adds commands to the same round trip."""
    fields = {
        "status": status,
        "stage": "",
        "finished_at": repr(finished_at if finished_at is not None else time.time()),
        "cache_layer": cache_layer or "",
        "timings_ms": json.dumps(timings_ms or {}, separators=(",", ":")),
        "result": json.dumps(result, separators=(",", ":")) if result is not None else "",
        "error": json.dumps(error, separators=(",", ":")) if error is not None else "",
    }
    pipe = client.pipeline(transaction=True)
    pipe.hset(job_key(job_id), mapping=dict(fields))
    pipe.expire(job_key(job_id), ttl_s)
    pipe.publish(done_channel(job_id), status)
    if also is not None:
        also(pipe)
    pipe.execute()
