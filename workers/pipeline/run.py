"""One job, start to end: L1 cache, agent chain, upload, bookkeeping, status.

The task in tasks/generation.py is a shim around `run_generation`. Every step here is
safe to repeat: a redelivered job re-reads its state, finds it finished (and stops) or
runs again under a lease, writing the same keys and, at most once, its row.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal
from typing import Any

from config.settings import get_settings
from core import fair_gate
from core.cache_key import cache_key
from core.errors import PoisonJob
from core.keys import job_key
from core.result import CostLine, JobCost, JobResult
from core.spec import CacheMode, JobSpec
from core.state import JobState, JobStatus, decode
from workers.chain import GENERATOR_VERSION
from workers.clients import redis_client
from workers.observability import metrics, tracing
from workers.pipeline.cancel import JobCancelled, end_cancelled
from workers.pipeline.failure import fail_job
from workers.pipeline.generate import Outcome, entry_current, from_l1, generate, source_version
from workers.pipeline.queued import accept_queued_job, refuse_if_not_its_own
from workers.pipeline.recorded_end import adopt_recorded_end
from workers.pipeline.single_flight import Flight
from workers.resilience.bookkeeping_spool import EXISTED, SPOOLED, record_or_spool
from workers.resilience.dependency import REDIS_CACHE
from workers.resilience.lease import JobLease
from workers.storage import cancellation, job_state, l1_cache, spend
from workers.storage.generation_row import GenerationRow
from workers.storage.l1_cache import L1Record
from workers.storage.records import CacheEvent

logger = logging.getLogger(__name__)


def run_generation(job_id: str, request: dict[str, Any] | None = None) -> None:
    """Run job `job_id`. `request` is the body when the job came straight onto the queue."""
    client = redis_client()
    # Lease and read in one round trip: the state read is the one this delivery acts on.
    lease = JobLease(client, job_id, ttl_s=get_settings().job_lease_s)
    raw = lease.acquire(read_key=job_key(job_id))
    try:
        state = decode(job_id, raw) if raw is not None else job_state.load(client, job_id)
        refuse_if_not_its_own(job_id, state, request)
        if state is None:
            state = accept_queued_job(job_id, request)
            if state is None:
                return
        if state.is_terminal:
            logger.info("job %s already %s; nothing to do", job_id, state.status)
            return
        _run(state, lease)
    finally:
        lease.release()


@dataclass
class _Delivery:
    """What the stages of one delivery of a job share."""

    state: JobState
    spec: JobSpec
    lease: JobLease
    started: float = field(default_factory=time.perf_counter)
    timings: dict[str, float] = field(default_factory=dict)  # ms per stage, in order
    attempt: int = 0
    finished_at: float = 0.0
    cache_available: bool = True  # False once a read of the cache Redis failed
    cache_events: list[CacheEvent] = field(default_factory=list)
    source_version: str | None = None  # a Figma file's, as its cache key names it
    coalesced_with: str | None = None  # the identical job whose generation this one waited for
    paid_before: list[CostLine] = field(default_factory=list)  # earlier attempts' paid calls
    trace: tracing.TraceRef | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.trace = tracing.TraceRef.from_fields(self.state.trace_fields)

    def ms_since(self, moment: float) -> float:
        return round((time.perf_counter() - moment) * 1000, 3)

    @property
    def started_at(self) -> float:
        """When work on the job began: its first delivery's start (kept in its state) or,
        this being the first, this delivery's end less its total."""
        return self.state.started_at or self.finished_at - self.timings["total"] / 1000


def _run(state: JobState, lease: JobLease) -> None:
    """The stages of a delivery: mark it running (reading L1), produce the result from L1
    or the chain, record the row, then end the job."""
    job = _Delivery(state, JobSpec.model_validate(state.spec), lease)
    fair_gate.party.set(job.spec.tenant_id)  # shared parts serve tenants in turn
    try:
        job.source_version = source_version(job.spec)  # a Figma file's: asks Figma (cheap)
    except Exception:
        if _started_without_key(job):
            raise  # retried or failed as a failed fetch is
        return
    state.cache_key = cache_key(
        job.spec,
        generator_version=GENERATOR_VERSION,
        per_tenant=get_settings().l1_scope == "tenant",
        source_version=job.source_version,
    )
    lookup = job.spec.options.cache is not CacheMode.NO_CACHE
    # With the cache on the job-state Redis, its read rides on the mark-running round trip.
    pipelined = lookup and l1_cache.shares_job_redis()
    # Single-flight: a job that looks up claims its key in that round trip too (no-store
    # ones may follow, never lead a store); no-cache ones go their own way.
    may_lead = job.spec.options.cache is CacheMode.DEFAULT
    flight = Flight(state.id, state.cache_key, may_lead=may_lead) if lookup else None
    cached = _mark_running(job, read_l1=pipelined, flight=flight)
    try:
        _run_claimed(job, cached, flight, lookup=lookup, pipelined=pipelined)
    finally:
        if flight is not None:
            flight.release()


def _run_claimed(
    job: _Delivery, cached: str | None, flight: Flight | None, *, lookup: bool, pipelined: bool
) -> None:
    """The rest of `_run`, once the job is marked running (and its claim taken)."""
    state = job.state
    if job.attempt == 0:
        # Cancelled while its message waited: the message is acked and dropped.
        logger.info("job %s was cancelled before it ran; its message is dropped", state.id)
        return
    if job.attempt > get_settings().job_max_deliveries:
        fail_job(
            state.id,
            PoisonJob(
                f"delivered {job.attempt} times without finishing (its worker died each "
                "time?); not run again. Check the worker logs, then resubmit"
            ),
        )
        return
    if flight is not None:
        flight.follow_or_go_on()  # raises WaitingForIdenticalJob while a leader generates
    record = _look_up(job, cached, lookup=lookup, read=lookup and not pipelined)
    if record is not None and flight is not None and flight.waited:
        job.coalesced_with = record.source_job_id
        metrics.SINGLE_FLIGHT_COALESCED.inc()
    try:
        outcome = _produce(job, record, flight.ending if flight is not None else None)
    except JobCancelled as cancelled:
        state.attempts = job.attempt
        spent = job.paid_before + cancelled.costs  # what it paid: booked like any job's
        end_cancelled(
            redis_client(), state, by=cancelled.by, stage=cancelled.stage,
            record_row=lambda row: record_or_spool(row, costs=spent) != EXISTED,
            also=job.lease.release_in, costs=spent,
        )  # fmt: skip
        return
    result = _record(job, outcome)
    if result is not None:
        _finish(job, outcome, result)


def _produce(job: _Delivery, record: L1Record | None, ending: str | None) -> Outcome:
    """The job's outcome from its L1 record or a generation; raises JobCancelled when
    the job was asked to stop before its last cancellable point (claimed for a hit with
    the mark-running round trip (`ending`, Flight.ending) or else here; inside `generate`
    for a generation, before its L1 entry is stored). A hit claimed there whose record
    was then refused generates: its first step's stage makes it cancellable again."""
    if record is None:
        return generate(job.state, job.spec, job.timings, source_version=job.source_version)
    if ending is None:
        asked = cancellation.claim_ending(redis_client(), job.state.id)
    else:
        asked = ending.removeprefix("asked:") if ending.startswith("asked:") else None
    if asked is not None:
        raise JobCancelled(by=asked, stage="cache_lookup")
    return from_l1(record)


def _started_without_key(job: _Delivery) -> bool:
    """A delivery whose source version Figma did not give: counted as started (attempts,
    as a failed fetch was) with no cache key; False when the job was cancelled while its
    message waited (then it is dropped, not failed)."""
    job.attempt = job_state.mark_running(
        redis_client(), job.state.id, stage="cache_lookup", cache_key=""
    ).attempt
    return job.attempt != 0


def _mark_running(job: _Delivery, *, read_l1: bool, flight: Flight | None) -> str | None:
    """Count the delivery and mark the job running, taking `flight`'s claim; returns the
    L1 entry when `read_l1` (read in the same round trip)."""
    state = job.state
    started = job_state.mark_running(
        redis_client(),
        state.id,
        stage="cache_lookup",
        cache_key=state.cache_key,
        read_key=state.cache_key if read_l1 and flight is None else None,
        read=(lambda pipe: flight.claim_in(pipe, read_l1=read_l1)) if flight else None,
    )
    job.attempt, job.paid_before = started.attempt, started.paid_before
    cached = flight.take(started.reply) if flight is not None else started.reply
    if state.started_at is None:
        job.timings["queue"] = round(max(time.time() - state.created_at, 0) * 1000, 3)
    return cached


def _look_up(job: _Delivery, cached: str | None, *, lookup: bool, read: bool) -> L1Record | None:
    """The job's L1 record; None on a miss (or an entry whose artifacts are gone), with
    the cache off for the job, or down.
    `read`: the entry was not read with the mark-running round trip, read it now."""
    if read:
        cached, job.cache_available = REDIS_CACHE.guarded(lambda r: r.get(job.state.cache_key))
        lookup = job.cache_available
    if not lookup:
        job.timings["cache_lookup"] = job.ms_since(job.started)
        return None
    record = l1_cache.decode(cached)
    if record is not None and cached is not None and not entry_current(record):
        REDIS_CACHE.guarded(lambda r: l1_cache.drop_if_unchanged(r, job.state.cache_key, cached))
        record = None
    job.timings["cache_lookup"] = job.ms_since(job.started)
    (metrics.CACHE_HITS if record else metrics.CACHE_MISSES).labels(layer="L1").inc()
    saved = Decimal(str(record.cost.usd)) if record else Decimal(0)
    job.cache_events.append(
        CacheEvent("L1", record is not None, job.timings["cache_lookup"], saved)
    )
    if record is not None:
        metrics.CACHE_SAVED.labels(layer="L1").inc(record.cost.usd)
    return record


def _record(job: _Delivery, outcome: Outcome) -> JobResult | None:
    """Write the job's row (or spool it) and return the result the job ends with; None
    when another delivery (or the hard time-out's handler) ended the job first: the live
    state then says what that row says."""
    state, trace = job.state, job.trace
    result = outcome.result(
        cache_key=state.cache_key, trace_url=tracing.trace_url(trace) if trace else None
    )
    costs = job.paid_before + outcome.costs
    if job.paid_before:  # the job's cost is every attempt's, not only this one's
        result = replace(result, cost=JobCost.of(costs, saved_usd=result.cost.saved_usd))
    job.finished_at = time.time()
    job.timings["total"] = job.ms_since(job.started)
    bookkeeping_started = time.perf_counter()
    row = GenerationRow.succeeded(
        state,
        result,
        attempts=job.attempt,
        started_at=job.started_at,
        finished_at=job.finished_at,
        duration_ms=job.timings["total"],
        cache_layer=outcome.layer,
        provider=outcome.record.provider,
        model=outcome.record.model,
        trace_id=trace.trace_id if trace else None,
    )
    cache_events = job.cache_events + outcome.cache_events
    # A free provider's job took no budget hold: nothing to settle (an L1 hit's round trip).
    held = job.spec.options.provider not in spend.FREE_PROVIDERS
    recorded = record_or_spool(row, costs=costs, cache_events=cache_events, held=held)
    release = job.lease.release_in
    if recorded == EXISTED and adopt_recorded_end(redis_client(), state.id, also=release):
        logger.info("job %s had already ended (its row says so); keeping that ending", state.id)
        return None
    job.timings["bookkeeping"] = job.ms_since(bookkeeping_started)
    # What the job did without (the row, written first, never says so).
    return replace(
        result,
        bookkeeping="spooled" if recorded == SPOOLED else None,
        uploads="pending" if outcome.uploads_pending else None,
        cache="unavailable" if not job.cache_available or outcome.cache_unavailable else None,
        coalesced_with=job.coalesced_with,
    )


def _finish(job: _Delivery, outcome: Outcome, result: JobResult) -> None:
    """End the job succeeded: its live state (releasing the lease in the same round
    trip), its trace, its metrics."""
    state, spec = job.state, job.spec
    job_state.finish(
        redis_client(),
        state.id,
        status=JobStatus.SUCCEEDED,
        ttl_s=get_settings().ended_job_state_ttl_s,
        cache_layer=outcome.layer,
        timings_ms=job.timings,
        result=result,
        finished_at=job.finished_at,
        also=job.lease.release_in,
    )
    if job.trace is not None:
        tracing.finish_job_trace(
            job.trace,
            started_at=job.started_at,
            finished_at=job.finished_at,
            steps_ms=outcome.steps_ms,
            costs=outcome.costs,
            cache_layer=outcome.layer,
            tenant=spec.tenant_id,
            session=spec.session_id,
            outputs={"component_id": result.component_id, "quality": result.quality,
                     "cost": asdict(result.cost), "artifacts": sorted(result.artifacts)},
        )  # fmt: skip
    metrics.GENERATION_SUCCESS.labels(component_type=spec.component_type).inc()
    total_ms = job.timings["total"]
    metrics.GENERATION_LATENCY.labels(
        component_type=spec.component_type, cache_layer=outcome.layer
    ).observe(total_ms / 1000)
    logger.info("job %s succeeded from %s in %.1f ms", state.id, outcome.layer, total_ms)
