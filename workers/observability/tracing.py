"""LangSmith traces: one tree per job, `generate_{component_type}` at the root.

The API starts the root run when it accepts a job and stores the run's identity in the
job state; the trace headers ride along in the Celery message. The worker adds a
`queue` child (accepted -> picked up) and one child per agent step (LLM steps with usage
and cost), then ends the root with the outcome and flushes before the task returns.
Tracing off, or a job not sampled: no client is built and nothing is sent.
"""

from __future__ import annotations

import json
import logging
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from langsmith import Client
from langsmith.run_trees import RunTree

from config.settings import get_settings
from core.result import CostLine
from workers.clients import _get

logger = logging.getLogger(__name__)


def enabled() -> bool:
    settings = get_settings()
    return settings.langsmith_tracing and settings.langsmith_api_key is not None


def client() -> Client:
    def build(settings: Any) -> Client:
        return Client(
            api_url=settings.langsmith_endpoint,
            api_key=settings.langsmith_api_key.get_secret_value(),
            # (connect, read) ms: a slow LangSmith must not hold a job's end for long.
            timeout_ms=(5_000, 10_000),
        )

    return _get("langsmith", build)


@dataclass(frozen=True)
class TraceRef:
    """What the job state keeps of its root run (enough to add children and end it)."""

    run_id: str
    trace_id: str
    dotted_order: str
    name: str
    start_time: str

    def as_fields(self) -> dict[str, str]:
        return {f"trace_{k}": v for k, v in self.__dict__.items()}

    @classmethod
    def from_fields(cls, fields: dict[str, str]) -> TraceRef | None:
        try:
            return cls(**{k: fields[f"trace_{k}"] for k in cls.__dataclass_fields__})
        except KeyError:
            return None


def trace_url(ref: TraceRef) -> str:
    return get_settings().langsmith_trace_url_template.format(
        run_id=ref.run_id, trace_id=ref.trace_id, project=get_settings().langsmith_project
    )


def start_job_trace(
    *, job_id: str, spec: dict[str, Any], created_at: float
) -> tuple[TraceRef, dict[str, str]] | None:
    """Start the root run (if tracing is on and the job is sampled). Returns its ref and
    the trace headers to send with the Celery message."""
    settings = get_settings()
    if not enabled() or random.random() >= settings.trace_sample_rate:
        return None
    root = RunTree(
        name=f"generate_{spec['component_type']}",
        run_type="chain",
        inputs={"job_id": job_id, "component_name": spec["component_name"],
                "component_type": spec["component_type"], "source": list(spec["source"])},
        start_time=datetime.fromtimestamp(created_at, UTC),
        tags=[spec["component_type"], f"tenant:{spec.get('tenant_id') or '-'}",
              f"session:{spec.get('session_id') or '-'}"],
        extra={"metadata": {"job_id": job_id, "session_id": spec.get("session_id"),
                            "input_bytes": len(str(spec))}},
        project_name=settings.langsmith_project,
        ls_client=client(),
    )  # fmt: skip
    root.post()
    ref = TraceRef(str(root.id), str(root.trace_id), root.dotted_order, root.name,
                   root.start_time.isoformat())  # fmt: skip
    return ref, root.to_headers()


def _root(ref: TraceRef) -> RunTree:
    return RunTree(
        id=uuid.UUID(ref.run_id),
        trace_id=uuid.UUID(ref.trace_id),
        dotted_order=ref.dotted_order,
        name=ref.name,
        run_type="chain",
        start_time=datetime.fromisoformat(ref.start_time),
        project_name=get_settings().langsmith_project,
        ls_client=client(),
    )


def finish_job_trace(
    ref: TraceRef,
    *,
    started_at: float,
    finished_at: float,
    steps_ms: dict[str, float],
    costs: Sequence[CostLine],
    cache_layer: str | None,
    tenant: str | None,
    outputs: dict[str, Any],
    session: str | None = None,
    error: str | None = None,
) -> None:
    """Add the queue and step runs (`steps_ms`: the agent steps that ran, in order), end
    the root, and flush. Never fails the job."""
    try:
        root = _root(ref)
        _post_children(root, datetime.fromtimestamp(started_at, UTC), steps_ms, costs)
        # A patch replaces the tags: send all of them.
        component_type = ref.name.removeprefix("generate_")
        root.tags = [component_type, f"cache:{cache_layer or '-'}", f"tenant:{tenant or '-'}",
                     f"session:{session or '-'}"]  # fmt: skip
        metadata = {
            "cache_layer": cache_layer,
            "cost_usd": round(sum(c.usd for c in costs), 6),
            "latency_ms": round((finished_at - started_at) * 1000, 1),
            "output_bytes": len(json.dumps(outputs, default=str)),
        }
        root.extra = {"metadata": metadata}
        root.end(end_time=datetime.fromtimestamp(finished_at, UTC), outputs=outputs, error=error)
        root.patch()
        client().flush()
    except Exception:
        # A trace that could not be sent is logged and counted, never a failed job.
        from workers.observability.metrics import TRACE_EXPORT_FAILURES

        TRACE_EXPORT_FAILURES.inc()
        logger.warning("could not export the trace of run %s", ref.run_id, exc_info=True)


def _post_children(
    root: RunTree, picked_up: datetime, steps_ms: dict[str, float], costs: Sequence[CostLine]
) -> None:
    """The `queue` run (accepted -> picked up), then one run per step, back to back; a
    step with paid calls is an LLM run carrying their usage."""
    queue = root.create_child(name="queue", run_type="chain", start_time=root.start_time)
    queue.end(end_time=max(picked_up, root.start_time))
    queue.post()
    moment = picked_up
    for step, ms in steps_ms.items():
        step_costs = [c for c in costs if c.stage == step]
        child = root.create_child(
            name=step,
            run_type="llm" if step_costs else "chain",
            start_time=moment,
            extra={"metadata": _usage_metadata(step_costs)} if step_costs else {},
        )
        moment = moment + timedelta(milliseconds=ms)
        usage = _usage(step_costs)
        child.end(end_time=moment, outputs={"usage_metadata": usage} if usage else {})
        child.post()


def _usage(costs: Sequence[CostLine]) -> dict[str, int]:
    if not costs:
        return {}
    prompt = sum(c.prompt_tokens for c in costs)
    completion = sum(c.completion_tokens for c in costs)
    return {
        "input_tokens": prompt,
        "output_tokens": completion,
        "total_tokens": prompt + completion,
    }


def _usage_metadata(costs: Sequence[CostLine]) -> dict[str, Any]:
    return {
        "ls_provider": costs[0].provider,
        "ls_model_name": costs[0].model,
        "cost_usd": round(sum(c.usd for c in costs), 8),
        "calls": len(costs),
    }
