"""Live job state: one Redis hash per job, `job:{id}`, and how it is encoded.

The API writes it on submit, the worker moves it through running to an end state,
and GET /v1/generations/{id} reads it. Postgres holds the lasting record; this hash
expires after JOB_STATE_TTL_S.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

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
