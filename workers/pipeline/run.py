"""One job, start to end: L1 cache, agent chain, upload, bookkeeping, status.

The task in tasks/generation.py is a shim around `run_generation`. Every step here is
safe to repeat: a redelivered job re-reads its state, finds it finished (and stops) or
runs again under a lease, writing the same keys and, at most once, its row.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from config.settings import get_settings
from core.cache_key import cache_key
from core.errors import InvalidJob, PoisonJob
from core.spec import CacheMode, JobSpec
from core.state import SUCCEEDED, JobState, decode, job_key, new_job_fields
from workers.chain import GENERATOR_VERSION, ChainResult, run_chain
from workers.clients import db_engine, http_client, redis_client
from workers.observability import metrics, tracing
from workers.pipeline.failure import fail_job, row_base
from workers.pipeline.recorded_end import adopt_recorded_end
from workers.resilience.bookkeeping_spool import EXISTED, SPOOLED, record_or_spool
from workers.resilience.dependency import REDIS_CACHE
from workers.resilience.lease import JobLease
from workers.resilience.upload_spool import upload_or_spool
from workers.storage import job_state, l1_cache, records
from workers.storage.figma_client import FigmaSource
from workers.storage.records import CacheEvent, utc

logger = logging.getLogger(__name__)


def run_generation(job_id: str, request: dict[str, Any] | None = None) -> None:
    """Run job `job_id`. `request` is the body when the job came straight onto the queue."""
    client = redis_client()
    # Lease and read in one round trip: the state read is the one this delivery acts on.
    lease = JobLease(client, job_id, ttl_s=get_settings().job_lease_s)
    raw = lease.acquire(read_key=job_key(job_id))
    try:
        state = decode(job_id, raw) if raw is not None else job_state.load(client, job_id)
        if state is None:
            state = _accept_queued_job(job_id, request)
            if state is None:
                return
        if state.is_terminal:
            logger.info("job %s already %s; nothing to do", job_id, state.status)
            return
        _run(state, lease)
    finally:
        lease.release()


def _accept_queued_job(job_id: str, request: dict[str, Any] | None) -> JobState | None:
    """Create the state of a job published straight onto the queue."""
    settings = get_settings()
    if request is None:
        if records.load_generation(db_engine(), job_id) is None:
            logger.error("job %s: no state and no request in the message; dropped", job_id)
        return None
    try:
        spec = JobSpec.model_validate(request)
    except ValidationError as exc:
        fail_job(job_id, InvalidJob(_validation_message(exc)), request=request)
        return None
    spec_json = spec.model_dump(mode="json", exclude_none=True)
    fields = new_job_fields(spec=spec_json)
    trace = tracing.start_job_trace(
        job_id=job_id, spec=spec_json, created_at=float(fields["created_at"])
    )
    if trace is not None:
        fields |= trace[0].as_fields()
    pipe = redis_client().pipeline(transaction=True)
    job_state.create(pipe, job_id, fields, ttl_s=settings.job_state_ttl_s)
    pipe.execute()
    return decode(job_id, fields)


def _validation_message(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors()[:10]:
        field = ".".join(str(p) for p in error["loc"]) or "body"
        parts.append(f"{field}: {error['msg']}")
    return "; ".join(parts)


@dataclass
class _Outcome:
    """What a job produced: from the cache (L1) or a full generation (L4)."""

    layer: str
    record: dict[str, Any]  # the L1 cache record: artifact keys, quality, cost
    cost: dict[str, Any]  # what this job cost (0 on a hit)
    saved_usd: float
    costs: list[dict[str, Any]] = field(default_factory=list)  # paid calls, for the costs table
    cache_events: list[CacheEvent] = field(default_factory=list)  # lookups inside the chain
    uploads_pending: bool = False
    cache_unavailable: bool = False  # a cache read or write inside the generation failed


def _run(state: JobState, lease: JobLease) -> None:
    settings = get_settings()
    client = redis_client()
    spec = JobSpec.model_validate(state.spec)
    started = time.perf_counter()
    state.cache_key = cache_key(spec, generator_version=GENERATOR_VERSION)
    lookup = spec.options.cache is not CacheMode.NO_CACHE
    # With the cache on the job-state Redis, its read rides on the mark-running round trip.
    pipelined = lookup and l1_cache.shares_job_redis()
    attempt, cached = job_state.mark_running(
        client,
        state.id,
        stage="cache_lookup",
        cache_key=state.cache_key,
        read_key=state.cache_key if pipelined else None,
    )
    if attempt > settings.job_max_deliveries:
        fail_job(
            state.id,
            PoisonJob(
                f"delivered {attempt} times without finishing (its worker died each time?); "
                "not run again. Check the worker logs, then resubmit"
            ),
        )
        return
    timings: dict[str, float] = {}
    if state.started_at is None:
        timings["queue"] = round(max(time.time() - state.created_at, 0) * 1000, 3)

    cache_available = True
    if lookup and not pipelined:
        cached, cache_available = REDIS_CACHE.guarded(lambda r: r.get(state.cache_key))
        lookup = cache_available
    timings["cache_lookup"] = round((time.perf_counter() - started) * 1000, 3)

    trace = tracing.TraceRef.from_fields(state.trace_fields)
    record = l1_cache.decode(cached) if lookup else None
    cache_events: list[CacheEvent] = []
    if lookup:
        (metrics.CACHE_HITS if record else metrics.CACHE_MISSES).labels(layer="L1").inc()
        saved = Decimal(str(record["cost"]["usd"])) if record else Decimal(0)
        cache_events.append(CacheEvent("L1", record is not None, timings["cache_lookup"], saved))
    if record is not None:
        zero = {"usd": 0.0, "prompt_tokens": 0, "completion_tokens": 0}
        outcome = _Outcome("L1", record, zero, float(record["cost"]["usd"]))
        metrics.CACHE_SAVED.labels(layer="L1").inc(outcome.saved_usd)
    else:
        outcome = _generate(state, spec, timings)

    result = {
        "component_id": outcome.record["component_id"],
        "artifacts": outcome.record["artifact_keys"],
        "quality": outcome.record["quality"],
        "pattern_id": outcome.record["pattern_id"],
        "cost": {**outcome.cost, "saved_usd": outcome.saved_usd},
        "cache_key": state.cache_key,
        "trace_url": tracing.trace_url(trace) if trace else None,
    }
    finished_at = time.time()
    timings["total"] = round((time.perf_counter() - started) * 1000, 3)
    bookkeeping_started = time.perf_counter()
    row = {
        **row_base(state.id, spec, state.created_at, finished_at, attempt),
        "started_at": utc(state.started_at or finished_at - timings["total"] / 1000),
        "duration_ms": timings["total"],
        "component_id": outcome.record["component_id"],
        "cache_layer": outcome.layer,
        "cache_key": state.cache_key,
        "pattern_id": outcome.record["pattern_id"],
        "provider": outcome.record["provider"],
        "model": outcome.record["model"],
        "prompt_tokens": outcome.cost["prompt_tokens"],
        "completion_tokens": outcome.cost["completion_tokens"],
        "cost_usd": Decimal(str(outcome.cost["usd"])),
        "saved_usd": Decimal(str(outcome.saved_usd)),
        "quality_score": outcome.record["quality"].get("score"),
        "success": True,
        "result": result,
        "trace_id": trace.trace_id if trace else None,
    }
    cache_events += outcome.cache_events
    recorded = record_or_spool(row, costs=outcome.costs, cache_events=cache_events)
    if recorded == EXISTED and adopt_recorded_end(client, state.id, also=lease.release_in):
        # Another delivery (or the hard time-out's handler) ended the job first.
        logger.info("job %s had already ended (its row says so); keeping that ending", state.id)
        return
    if recorded == SPOOLED:
        result["bookkeeping"] = "spooled"  # written once Postgres answers again
    if outcome.uploads_pending:
        result["uploads"] = "pending"  # uploaded once S3 answers again
    if not cache_available or outcome.cache_unavailable:
        result["cache"] = "unavailable"  # ran (and stored nothing) without the cache
    timings["bookkeeping"] = round((time.perf_counter() - bookkeeping_started) * 1000, 3)
    job_state.finish(
        client,
        state.id,
        status=SUCCEEDED,
        ttl_s=settings.job_state_ttl_s,
        cache_layer=outcome.layer,
        timings_ms=timings,
        result=result,
        finished_at=finished_at,
        also=lease.release_in,
    )
    if trace is not None:
        tracing.finish_job_trace(
            trace,
            started_at=state.started_at or finished_at - timings["total"] / 1000,
            finished_at=finished_at,
            timings_ms=timings,
            costs=outcome.costs,
            cache_layer=outcome.layer,
            tenant=spec.tenant_id,
            session=spec.session_id,
            outputs={"component_id": result["component_id"], "quality": result["quality"],
                     "cost": result["cost"], "artifacts": sorted(result["artifacts"])},
        )  # fmt: skip
    metrics.GENERATION_SUCCESS.labels(component_type=spec.component_type).inc()
    metrics.GENERATION_LATENCY.labels(
        component_type=spec.component_type, cache_layer=outcome.layer
    ).observe(timings["total"] / 1000)
    logger.info("job %s succeeded from %s in %.1f ms", state.id, outcome.layer, timings["total"])


def _generate(state: JobState, spec: JobSpec, timings: dict[str, float]) -> _Outcome:
    """A full generation: the agent chain, the upload, and the L1 entry for next time."""
    settings = get_settings()
    client = redis_client()
    figma = FigmaSource(settings, http_client())
    chain = run_chain(
        spec,
        on_step=lambda step: job_state.set_stage(client, state.id, step),
        step_delay_ms=settings.template_delay_ms,
        figma=figma,
    )
    timings.update({step: round(ms, 3) for step, ms in chain.timings_ms.items()})
    for step, ms in chain.timings_ms.items():
        metrics.AGENT_STEP_DURATION.labels(step=step).observe(ms / 1000)
    job_state.set_stage(client, state.id, "upload")
    upload_started = time.perf_counter()
    record = _record(state.id, chain)
    keys, uploaded = upload_or_spool(record["component_id"], chain.files)
    record["artifact_keys"] = keys
    timings["upload"] = round((time.perf_counter() - upload_started) * 1000, 3)
    # A cache entry must point at artifacts that exist: none while uploads are pending.
    stored = True
    if uploaded and spec.options.cache is not CacheMode.NO_STORE:
        _, stored = REDIS_CACHE.guarded(lambda r: l1_cache.store(r, state.cache_key, record))
    costs = [
        {
            "stage": c.stage,
            "provider": c.provider,
            "model": c.model,
            "prompt_tokens": c.prompt_tokens,
            "completion_tokens": c.completion_tokens,
            "usd": Decimal(str(c.usd)),
        }
        for c in chain.costs
    ]
    for line in chain.costs:
        metrics.GENERATION_COST.labels(component_type=spec.component_type, api=line.provider).inc(
            line.usd
        )
    lookups = [CacheEvent("L0", hit, ms) for hit, ms in figma.lookups]
    cache_down = figma.cache_unavailable or not stored
    return _Outcome("L4", record, record["cost"], 0.0, costs, lookups, not uploaded, cache_down)


def _record(job_id: str, chain: ChainResult) -> dict[str, Any]:
    """The L1 record of a generation (artifact keys are added once uploaded or spooled)."""
    # The artifacts belong to this job: a redelivery overwrites the same keys.
    component_id = job_id
    return {
        "component_id": component_id,
        "artifact_keys": {},
        "quality": chain.quality,
        "pattern_id": chain.pattern_id,
        "provider": chain.provider,
        "model": chain.model,
        "cost": {
            "usd": round(sum(c.usd for c in chain.costs), 6),
            "prompt_tokens": sum(c.prompt_tokens for c in chain.costs),
            "completion_tokens": sum(c.completion_tokens for c in chain.costs),
        },
        "source_job_id": job_id,
    }
