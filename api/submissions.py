"""Accepting a job: idempotency, the tenant's quota, the job's first state, and the
message on the queue.

Nothing here waits on a worker. The claim, the quota check and the job hash are one
Redis round trip (workers.storage.admission). When the broker is that Redis and no trace
is started, the same script queues the message and its task-sent event: admitted and
queued, or neither. Otherwise the message is published after (a worker never sees a job
it cannot find), in one more round trip (workers.pipeline.job_message), and the admission
is undone if the publish fails, so a refused submission leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import redis
import redis.asyncio as aioredis
from sqlalchemy import Engine

from api.tenant_limits import (
    PAID_PROVIDERS,
    Limits,
    cached_limits,
    check_provider_and_model,
    limits_of,
    model_of,
)
from config.settings import Settings
from core import keys
from core.access import Principal, Role
from core.canonical import canonical_json
from core.errors import (
    BadRequest,
    BudgetExhausted,
    DependencyUnavailable,
    IdempotencyConflict,
    QuotaExceeded,
    RateLimited,
    TooManyInFlight,
)
from core.spec import JobSpec
from core.state import creation_fields, new_job, new_job_id
from workers.observability import metrics, tracing
from workers.pipeline import job_message
from workers.storage import budget_holds, spend
from workers.storage.admission import (
    IN_FLIGHT_RETRY_S,
    Admission,
    Quota,
    Submission,
    admit_and_create,
    admit_and_create_async,
    undo,
)
from workers.storage.spend import month_bounds, month_of

logger = logging.getLogger(__name__)


def submit(
    client: redis.Redis, settings: Settings, spec: JobSpec, *, idempotency_key: str | None
) -> tuple[str, bool]:
    """Queue a job under no quota (callers inside the system, e.g. the bench); returns
    (job id, created). created is False for an idempotent replay."""
    job_id, created, _ = submit_within_quota(
        client, settings, spec, idempotency_key=idempotency_key, quota=None
    )
    return job_id, created


@dataclass(frozen=True)
class _NewJob:
    """A submission ready for the admission script."""

    job_id: str
    tenant: str
    spec_json: dict[str, Any]
    body_hash: str
    created_at: float
    fields: dict[str, str]


def _new_job(spec: JobSpec, settings: Settings, idempotency_key: str | None) -> _NewJob:
    spec_json = spec.model_dump(mode="json", exclude_none=True)
    # The body's hash tells a replay from a reuse of the key: without a key, none is read.
    body_hash = hashlib.sha256(canonical_json(spec_json)).hexdigest() if idempotency_key else "-"
    job_id = new_job_id()
    state = new_job(job_id, spec_json)
    return _NewJob(
        job_id=job_id,
        tenant=spec.tenant_id or "-",
        spec_json=spec_json,
        body_hash=body_hash,
        created_at=state.created_at,
        fields={**creation_fields(state), "queue": settings.generation_queue},
    )


def _submission(
    job: _NewJob,
    quota: Quota,
    settings: Settings,
    idempotency_key: str | None,
    connection_kwargs: dict[str, Any],
) -> Submission:
    """What the admission script is asked, with the job's message for it to queue (one
    round trip, admitted and queued or neither) when it can: the broker is the job Redis
    (whose client has `connection_kwargs`) and no trace's headers are added once
    admitted. Without one, the caller publishes the message after the admission."""
    message = None
    if settings.broker_is_job_redis and not tracing.enabled():
        message = job_message.queued_message(
            job.job_id, queue=settings.generation_queue, connection_kwargs=connection_kwargs
        )
    return Submission(
        job_id=job.job_id, fields=job.fields, quota=quota, body_hash=job.body_hash,
        idempotency_key=idempotency_key, idempotency_ttl_s=settings.idempotency_ttl_s,
        state_ttl_s=settings.job_state_ttl_s, message=message,
    )  # fmt: skip


def _replayed(admission: Admission, quota: Quota) -> str | None:
    """The job id of a replay; None when the job was admitted. Raises the refusals."""
    if admission.outcome == "replay":
        assert admission.job_id is not None
        return admission.job_id
    if admission.outcome == "queue_unusable":
        assert admission.job_id is not None
        raise _queue_unavailable(admission.job_id, RuntimeError("its queue's key is not a list"))
    if admission.outcome == "conflict":
        raise IdempotencyConflict(
            "this Idempotency-Key was already used with a different body; "
            "use a new key for a new job"
        )
    if admission.outcome != "admitted":
        raise refusal(admission, quota)
    return None


def _queue_unavailable(job_id: str, exc: Exception) -> DependencyUnavailable:
    logger.warning("job %s: publish failed: %s", job_id, exc)
    return DependencyUnavailable("the job queue is unavailable; nothing was queued, retry shortly")


def submit_within_quota(
    client: redis.Redis,
    settings: Settings,
    spec: JobSpec,
    *,
    idempotency_key: str | None,
    quota: Quota | None,
    engine: Engine | None = None,
) -> tuple[str, bool, Admission]:
    """Queue a job if the tenant's `quota` admits it (None: no limits); returns (job id,
    created, the admission). `engine` rebuilds a lost spend counter. Raises a
    QuotaExceeded when a limit refuses it, having changed nothing."""
    job = _new_job(spec, settings, idempotency_key)
    quota = quota or _unlimited(job.tenant)
    submission = _submission(
        job, quota, settings, idempotency_key, client.connection_pool.connection_kwargs
    )
    for _ in range(2):
        admission = admit_and_create(client, submission)
        if admission.outcome != "spend_unknown" or engine is None:
            break
        spend.rebuild(client, engine, job.tenant, quota.month)  # Redis lost it; ask again
    if (replayed := _replayed(admission, quota)) is not None:
        return replayed, False, admission
    if submission.message is not None:  # queued by the script
        return job.job_id, True, admission

    trace_headers: dict[str, str] = {}
    # Started once admitted (a refusal or a replay must not open a run that never ends).
    if (trace := tracing.start_job_trace(job_id=job.job_id, spec=job.spec_json,
                                         created_at=job.created_at)) is not None:  # fmt: skip
        ref, trace_headers = trace
        client.hset(keys.job_key(job.job_id), mapping=ref.as_fields())
    try:
        job_message.publish(job.job_id, queue=settings.generation_queue, headers=trace_headers)
    except Exception as exc:
        undo(client, job_id=job.job_id, tenant=job.tenant, idempotency_key=idempotency_key)
        raise _queue_unavailable(job.job_id, exc) from exc
    return job.job_id, True, admission


def submit_as(
    caller: Principal,
    spec: JobSpec,
    *,
    client: redis.Redis,
    settings: Settings,
    engine: Engine,
    idempotency_key: str | None,
) -> tuple[str, bool, Admission, Quota]:
    """Queue a job for an API caller, within its tenant's limits (providers, models,
    rate, in flight, budget): what POST /v1/generations and each item of a batch do.
    Returns (job id, created, the admission, the quota applied); raises what refuses it
    (BadRequest, QuotaExceeded, IdempotencyConflict, DependencyUnavailable)."""
    spec = _in_callers_tenant(spec, caller)
    tenant = spec.tenant_id or caller.tenant_id
    limits = limits_of(tenant)
    _check_exists(tenant, caller, limits)
    quota = _within_limits(spec, tenant, limits, settings)
    job_id, created, admission = submit_within_quota(
        client, settings, spec, idempotency_key=idempotency_key, quota=quota, engine=engine
    )
    return job_id, created, admission, quota


async def submit_as_on_loop(
    caller: Principal,
    spec: JobSpec,
    *,
    client: aioredis.Redis,
    settings: Settings,
    idempotency_key: str | None,
) -> tuple[str, bool, Admission, Quota] | None:
    """`submit_as` on the event loop with an asyncio client of REDIS_URL, for the common
    submission that needs nothing but that Redis: its tenant's limits cached here,
    tracing off, the broker that same Redis. None (having changed nothing) when it needs
    more (Postgres, LangSmith, another broker, a lost spend counter): the caller runs
    `submit_as` in a thread. Saves the hand-off to a pool thread, the largest cost of a
    submit under load; the job is admitted and queued in one script call."""
    spec = _in_callers_tenant(spec, caller)
    tenant = spec.tenant_id or caller.tenant_id
    limits = cached_limits(tenant)
    if limits is None or tracing.enabled() or not settings.broker_is_job_redis:
        return None
    _check_exists(tenant, caller, limits)
    quota = _within_limits(spec, tenant, limits, settings)
    job = _new_job(spec, settings, idempotency_key)
    submission = _submission(
        job, quota, settings, idempotency_key, client.connection_pool.connection_kwargs
    )
    admission = await admit_and_create_async(client, submission)
    if admission.outcome == "spend_unknown":
        return None  # rebuilt from Postgres by submit_as
    if (replayed := _replayed(admission, quota)) is not None:
        return replayed, False, admission, quota
    return job.job_id, True, admission, quota


def _within_limits(spec: JobSpec, tenant: str, limits: Limits, settings: Settings) -> Quota:
    """The quota `tenant`'s job is admitted under, once its provider and model are
    allowed (BadRequest otherwise)."""
    check_provider_and_model(spec, limits, settings)
    paid = spec.options.provider in PAID_PROVIDERS
    return Quota(
        tenant,
        requests_per_minute=limits.requests_per_minute,
        max_in_flight=limits.max_in_flight,
        budget_usd=limits.monthly_budget_usd if paid else None,
        month=month_of(),
        reserve_usd=job_reservation_usd(spec, settings) if paid else 0.0,
        hold_ttl_s=settings.budget_hold_ttl_s,
    )


def job_reservation_usd(spec: JobSpec, settings: Settings) -> float:
    """The most a paid job can cost (its budget hold); its model is priced (checked)."""
    model = model_of(spec, settings)
    usd = budget_holds.max_job_usd(model, settings) if model else None
    if usd is None:  # check_provider_and_model refuses an unpriced model first
        raise BadRequest("options.model", f"{model!r} has no price")
    return usd


def _in_callers_tenant(spec: JobSpec, caller: Principal) -> JobSpec:
    """The job belongs to the key's tenant; a body naming another is refused (an admin
    may submit for another tenant, explicitly by naming it, if it exists: _check_exists)."""
    if spec.tenant_id is not None and spec.tenant_id != caller.tenant_id:
        if caller.role is not Role.ADMIN:
            raise BadRequest(
                "tenant_id", "is not your API key's tenant; leave it out (the key sets it)"
            )
        return spec
    return spec.model_copy(update={"tenant_id": caller.tenant_id})


def _check_exists(tenant: str, caller: Principal, limits: Limits) -> None:
    """An admin's job for another tenant names one that exists (422 otherwise): a made-up
    tenant would get jobs, quota and spend keys but no row, limits or keys of its own."""
    if tenant != caller.tenant_id and not limits.exists:
        raise BadRequest(
            "tenant_id",
            f"no tenant {tenant!r}; an admin submits only for an existing tenant "
            f"(create it with: componentforge tenants set {tenant})",
        )


def _unlimited(tenant: str) -> Quota:
    return Quota(tenant, requests_per_minute=2**40, max_in_flight=2**40, budget_usd=None,
                 month=month_of())  # fmt: skip


def refusal(admission: Admission, quota: Quota) -> QuotaExceeded:
    """The 429 of a refused admission, counted and logged; the message names the limit,
    its value and what to do."""
    kind, tenant = admission.outcome, quota.tenant
    if kind == "rate_limited":
        error: QuotaExceeded = RateLimited(
            f"over your tenant's limit of {quota.requests_per_minute} submissions per minute; "
            f"retry in {admission.reset_s:.0f} s (Retry-After), or ask for a higher limit",
            limit=quota.requests_per_minute, remaining=0, reset_s=admission.reset_s,
        )  # fmt: skip
    elif kind == "too_many_in_flight":
        error = TooManyInFlight(
            f"your tenant has {admission.used:.0f} jobs queued or running, its limit is "
            f"{quota.max_in_flight}; submit more when some have ended",
            limit=quota.max_in_flight, remaining=0, reset_s=IN_FLIGHT_RETRY_S,
        )  # fmt: skip
    else:
        budget = quota.budget_usd or 0.0
        reset_s = (month_bounds(quota.month)[1] - datetime.now(UTC)).total_seconds()
        if admission.used + admission.reserve_usd <= budget:
            reset_s = IN_FLIGHT_RETRY_S  # room comes back as the jobs holding it end
        error = BudgetExhausted(
            f"your tenant spent {admission.used:.4f} USD on paid providers in {quota.month} "
            f"and its jobs in flight hold {admission.held_usd:.4f} USD; this job may cost up "
            f"to {admission.reserve_usd:.4f} USD, over its monthly budget of {budget:.4f} USD; "
            "retry when jobs in flight end, run template jobs (options.provider "
            "\"template\"), or ask for a larger budget",
            limit=budget, remaining=0, reset_s=max(reset_s, 1.0),
        )  # fmt: skip
    metrics.QUOTA_REFUSALS.labels(tenant=tenant, kind=error.kind).inc()
    logger.warning("quota: tenant %s refused (%s): %s", tenant, error.kind, error)
    return error
