"""What a job produces: an L1 hit's record, or the agent chain's (L2, L3 or a full
generation, L4), its upload, and the cache entries it leaves for next time."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace

import redis
from sqlalchemy.exc import SQLAlchemyError

from config.settings import get_settings
from core.cache_key import reads_figma_file
from core.result import CostLine, JobCost, JobResult
from core.spec import CacheMode, JobSpec
from core.state import JobState
from workers.chain import ChainResult, run_chain
from workers.chain.quality.policy import Allowances
from workers.chain.steps import cacheable
from workers.clients import db_engine, http_client, redis_client, s3_client
from workers.observability import metrics
from workers.pipeline.cancel import JobCancelled
from workers.pipeline.ladder import JobLadder
from workers.resilience import upload_spool
from workers.resilience.dependency import REDIS_CACHE
from workers.resilience.upload_spool import upload_or_spool
from workers.storage import (
    artifacts,
    bucket_epoch,
    cancellation,
    figma_tokens,
    job_state,
    l1_cache,
    paid_calls,
    tenant_lookups,
)
from workers.storage.figma_client import FigmaSource
from workers.storage.l1_cache import L1Record
from workers.storage.records import CacheEvent

logger = logging.getLogger(__name__)


@dataclass
class Outcome:
    """What a job produced: from a cache (L1, L2, L3) or a full generation (L4)."""

    layer: str
    record: L1Record  # where the artifacts are, quality, provider, what generating cost
    cost: JobCost  # what this job cost (0 on a hit), and what a hit saved
    steps_ms: dict[str, float] = field(default_factory=dict)  # the agent steps run, in order
    costs: list[CostLine] = field(default_factory=list)  # paid calls, for the costs table
    cache_events: list[CacheEvent] = field(default_factory=list)  # lookups inside the chain
    uploads_pending: bool = False
    cache_unavailable: bool = False  # a cache read or write inside the generation failed

    def result(self, *, cache_key: str, trace_url: str | None) -> JobResult:
        return JobResult(
            component_id=self.record.component_id,
            artifacts=self.record.artifact_keys,
            quality=self.record.quality,
            pattern_id=self.record.pattern_id,
            cost=self.cost,
            cache_key=cache_key,
            trace_url=trace_url,
        )


def from_l1(record: L1Record) -> Outcome:
    """A hit costs nothing and saves what the generation it replaces had cost."""
    return Outcome("L1", record, JobCost(0.0, 0, 0, saved_usd=record.cost.usd))


def entry_current(record: L1Record) -> bool:
    """An L1 entry points at an earlier job's artifacts: a hit is served only while the
    bucket still has the epoch they were uploaded under (workers.storage.bucket_epoch),
    read at most every BUCKET_CHECK_S, so a hit costs no S3 request."""
    epoch = _bucket_epoch()
    if epoch is None:
        # The bucket or its marker is gone: the next upload sets the bucket up again.
        artifacts.forget_bucket(s3_client(), get_settings().s3_bucket)
    if record.bucket_epoch != epoch or epoch is None:
        logger.info(
            "L1 entry of job %s is of bucket epoch %s, the bucket's is %s: generating again",
            record.source_job_id, record.bucket_epoch, epoch,
        )  # fmt: skip
        return False
    return True


def _epoch_to_store() -> str | None:
    """The epoch a new entry is stored under. A bucket that lost its marker (emptied by
    hand) gets a new epoch here; None (no entry stored) if S3 will not say."""
    epoch = _bucket_epoch()
    if epoch is not None:
        return epoch
    try:
        return bucket_epoch.ensure(s3_client(), get_settings().s3_bucket)
    except Exception as exc:
        logger.warning("no L1 entry stored: the bucket's epoch is unknown (%s)", exc)
        return None


def _bucket_epoch() -> str | None:
    settings = get_settings()
    return bucket_epoch.current(s3_client(), settings.s3_bucket, max_age_s=settings.bucket_check_s)


def figma_source(spec: JobSpec, *, version: str | None = None) -> FigmaSource:
    """The job's Figma client, reading with its tenant's token; `version` pins the
    version of its figma_file_key (the one its L1 key names)."""
    settings = get_settings()
    tenant = spec.tenant_id or "-"
    key = spec.source.figma_file_key
    return FigmaSource(
        settings,
        http_client(),
        tenant=tenant,
        token=lambda: figma_tokens.token_for(settings, db_engine(), tenant),
        versions={key: version} if key is not None and version is not None else {},
    )


def source_version(spec: JobSpec) -> str | None:
    """The current version of the job's Figma file: part of its L1 key. None for other
    sources, and for a job that gives its tokens: the chain never reads its file, so an
    edit cannot change its result (and it needs no Figma access). Raises as a Figma fetch
    does (FigmaError, DependencyUnavailable)."""
    key = spec.source.figma_file_key
    return figma_source(spec).version(key) if key and reads_figma_file(spec) else None


def generate(
    state: JobState,
    spec: JobSpec,
    timings: dict[str, float],
    *,
    source_version: str | None = None,
) -> Outcome:
    """Run the chain (through L2 and L3), upload (or spool) the artifacts and store the
    cache entries; adds the
    steps' and the upload's milliseconds to `timings`. `source_version`: the Figma file's
    version the job's L1 key names. Raises JobCancelled at a step boundary of a job asked
    to stop (having deleted what it uploaded). An attempt that fails leaves its paid calls
    in Redis (workers.storage.paid_calls), for the job's ending to bill."""
    calls = paid_calls.AttemptCalls(state.id)
    try:
        return _generate(state, spec, timings, calls, source_version=source_version)
    except JobCancelled:
        raise  # billed by its ending, with the calls it carries
    except BaseException:
        _keep_paid_calls(calls)
        raise
    finally:
        # Money spent is spent, whether the attempt succeeded or not.
        for line in calls.lines:
            metrics.GENERATION_COST.labels(
                component_type=spec.component_type, api=line.provider
            ).inc(line.usd)


def _keep_paid_calls(calls: paid_calls.AttemptCalls) -> None:
    if not calls.lines:
        return
    try:
        calls.send_all(redis_client())
    except redis.RedisError:
        logger.error(
            "job %s: its %d paid calls could not be kept in Redis; its ending will not "
            "bill them", calls.job_id, len(calls.lines), exc_info=True,
        )  # fmt: skip


def _generate(
    state: JobState,
    spec: JobSpec,
    timings: dict[str, float],
    calls: paid_calls.AttemptCalls,
    *,
    source_version: str | None,
) -> Outcome:
    settings = get_settings()
    client = redis_client()
    figma = figma_source(spec, version=source_version)
    ladder = JobLadder(spec, state.id)
    chain = run_chain(
        spec,
        allow=_code_allowances(spec.tenant_id),
        on_step=lambda step: _enter_stage(client, state.id, step, calls=calls),
        step_delay_ms=settings.template_delay_ms,
        figma=figma,
        costs=calls.lines,  # paid calls as they happen: a stopped job is billed for them
        ladder=ladder,
    )
    steps_ms = {step: round(ms, 3) for step, ms in chain.timings_ms.items()}
    timings.update(steps_ms)
    for step, ms in chain.timings_ms.items():
        metrics.AGENT_STEP_DURATION.labels(step=step).observe(ms / 1000)
    _enter_stage(client, state.id, "upload", calls=calls)
    upload_started = time.perf_counter()
    per_tenant = settings.l1_scope == "tenant"
    record = _l1_record(
        state, chain, tenant_id=spec.tenant_id if per_tenant else None, saved_usd=ladder.saved_usd
    )
    keys, uploaded = upload_or_spool(record.component_id, chain.files)
    record = replace(
        record, artifact_keys=keys, bucket_epoch=_epoch_to_store() if uploaded else None
    )
    timings["upload"] = round((time.perf_counter() - upload_started) * 1000, 3)
    if (asked := cancellation.claim_ending(client, state.id)) is not None:
        # Asked to stop while uploading: what was uploaded goes (the job leaves nothing).
        if uploaded:
            artifacts.delete_component(s3_client(), settings.s3_bucket, record.component_id)
        else:
            upload_spool.discard(record.component_id)
        raise JobCancelled(by=asked, stage="upload", costs=chain.costs)
    ladder.remember(chain, component_id=record.component_id)
    # A cache entry must point at artifacts that exist: none while uploads are pending
    # (no epoch then), and none that outlives them (its TTL ends before their expiry).
    stored = True
    # ...and never an entry for code that did not pass, or that a refused model's code led to.
    if (
        record.bucket_epoch is not None
        and spec.options.cache is not CacheMode.NO_STORE
        and cacheable(chain.quality)
    ):
        ttl_s = l1_cache.ttl_s(settings.s3_lifecycle_days)
        _, stored = REDIS_CACHE.guarded(
            lambda r: l1_cache.store(r, state.cache_key, record, ttl_s=ttl_s)
        )
    own = JobCost.of(chain.costs)
    return Outcome(
        chain.layer,
        record,
        replace(own, saved_usd=ladder.saved_usd),
        steps_ms=steps_ms,
        costs=list(chain.costs),
        cache_events=[CacheEvent("L0", hit, ms) for hit, ms in figma.lookups] + ladder.events,
        uploads_pending=not uploaded,
        cache_unavailable=figma.cache_unavailable or not stored or ladder.cache_unavailable,
    )


def _code_allowances(tenant_id: str) -> Allowances:
    """What the tenant's generated code may import and link to. Postgres not answering:
    the deployment's defaults (the tenant's own lists only ever differ by its choice)."""
    try:
        limits = tenant_lookups.code_limits(db_engine(), tenant_id)
    except SQLAlchemyError as exc:
        logger.warning("tenant %s: its code allowances could not be read (%s); using the "
                       "deployment's defaults", tenant_id, exc.__class__.__name__)  # fmt: skip
        return Allowances.default()
    return Allowances.of(limits.code_packages, limits.code_url_hosts)


def _enter_stage(
    client: redis.Redis, job_id: str, stage: str, *, calls: paid_calls.AttemptCalls
) -> None:
    """A step boundary: record the stage and keep the calls paid since the last one (same
    round trip), and stop here if the job was asked to (with what it has spent so far,
    which it is billed for)."""
    asked = job_state.set_stage(client, job_id, stage, also=calls.send_new_in)
    if asked is not None:
        raise JobCancelled(by=asked, stage=stage, costs=calls.lines)


def _l1_record(
    state: JobState, chain: ChainResult, *, tenant_id: str | None, saved_usd: float
) -> L1Record:
    """The L1 record of a chain's result (artifact keys are added once uploaded or
    spooled). Its cost is what the result is worth: what this job paid plus what an L2 or
    L3 entry saved it, so a later L1 hit books the full saving."""
    # The artifacts belong to this job, under the component id made when it was accepted
    # (never its id, which a queued message picks): a redelivery overwrites the same keys.
    own = JobCost.of(chain.costs)
    cost = replace(own, usd=round(own.usd + saved_usd, 6))
    return L1Record(
        component_id=state.component_id,
        artifact_keys={},
        quality=chain.quality,
        pattern_id=chain.pattern_id,
        provider=chain.provider,
        model=chain.model,
        cost=cost,
        source_job_id=state.id,
        tenant_id=tenant_id,
    )
