"""Live job state: one Redis hash per job, `job:{id}`, and how it is encoded.

The API writes it on submit, the worker moves it through running to an end state,
and GET /v1/generations/{id} reads it. Postgres holds the lasting record; this hash
expires after JOB_STATE_TTL_S.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import orjson

from core.result import JobResult


class JobStatus(StrEnum):
    """A job's status, as the `status` field of its hash and of the API's answers."""

    #: accepted and waiting for a worker (also while it waits to retry)
    QUEUED = "queued"
    #: a worker is running it; `stage` says which step
    RUNNING = "running"
    #: ended with a result
    SUCCEEDED = "succeeded"
    #: ended with an error {type, message}
    FAILED = "failed"
    #: stopped on request (POST /v1/generations/{id}/cancel): no result, no artifacts
    CANCELLED = "cancelled"


TERMINAL = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED})
LIVE = frozenset({JobStatus.QUEUED, JobStatus.RUNNING})
"""A job in one of these holds a message or a lease; one that holds neither is lost."""


@dataclass
class JobState:
    id: str
    status: JobStatus
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
    result: JobResult | None = None
    trace_fields: dict[str, str] = field(default_factory=dict)  # the root run, if traced
    tenant_id: str | None = None  # whose job: kept when the body (spec) leaves the hash
    component_id: str = ""  # server-made when accepted: its artifacts' S3 folder
    webhook_url: str | None = None  # options.webhook_url: kept when the body leaves the hash
    cancel_requested: str | None = None  # who asked it to stop (workers.storage.cancellation)

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
    result = _opt_json(raw.get("result"))
    return JobState(
        id=job_id,
        status=JobStatus(raw["status"]),
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
        result=JobResult.from_dict(result) if result is not None else None,
        trace_fields={k: v for k, v in raw.items() if k.startswith("trace_")},
        tenant_id=raw.get("tenant_id") or None,
        component_id=raw.get("component_id") or legacy_component_id(job_id),
        webhook_url=raw.get("webhook_url") or None,
        cancel_requested=raw.get("cancel_requested") or None,
    )


JOB_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
"""What a job id may be, from the API or a queued message (fullmatch): it names a row,
Redis keys and, once, S3 keys, so nothing that could climb out of a prefix."""


def is_job_id(candidate: object) -> bool:
    return isinstance(candidate, str) and JOB_ID.fullmatch(candidate) is not None


def new_job_id() -> str:
    return uuid.uuid4().hex


def new_component_id() -> str:
    """The S3 folder of a job's artifacts: made here, never taken from a message, so a
    publisher cannot pick (or overwrite) the keys another job's L1 entry points at."""
    return uuid.uuid4().hex


def legacy_component_id(job_id: str) -> str:
    """For a job accepted before component ids were stored: derived from its id (the
    same for every delivery), never the id itself."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"componentforge:job:{job_id}").hex


def new_job(job_id: str, spec: dict[str, Any], *, created_at: float | None = None) -> JobState:
    """A job just accepted (by the API, or from a message that carried its body)."""
    return JobState(
        id=job_id,
        status=JobStatus.QUEUED,
        spec=spec,
        component_type=spec["component_type"],
        component_name=spec["component_name"],
        cache_key="",
        created_at=created_at if created_at is not None else time.time(),
        tenant_id=spec.get("tenant_id"),
        component_id=new_component_id(),
        webhook_url=(spec.get("options") or {}).get("webhook_url"),
    )


def compact_json(value: Any) -> str:
    """`value` as compact JSON: orjson (a spec's json.dumps was ~5% of a submit), json for
    the integers past 64 bits orjson refuses (a strict body may hold up to 20 digits)."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value, separators=(",", ":"))


def creation_fields(state: JobState) -> dict[str, str]:
    """The hash a job starts with; the worker adds the rest as the job runs."""
    return {
        "status": state.status,
        "spec": compact_json(state.spec),
        "component_type": state.component_type,
        "component_name": state.component_name,
        "created_at": repr(state.created_at),
        "attempts": str(state.attempts),
        **({"tenant_id": state.tenant_id} if state.tenant_id else {}),
        **({"component_id": state.component_id} if state.component_id else {}),
        # job_state.finish schedules its delivery (workers.webhooks.schedule).
        **({"webhook_url": state.webhook_url} if state.webhook_url else {}),
        **state.trace_fields,
        # A job failed before it was accepted starts with its reason.
        **({"error": json.dumps(state.error, separators=(",", ":"))} if state.error else {}),
    }
