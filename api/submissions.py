"""Accepting a job: idempotency, the tenant's quota, the job's first state, and the
message on the queue.

Nothing here waits on a worker. The claim, the quota check and the job hash are one
Redis round trip (workers.storage.admission), written before the message is published
(a worker never sees a job it cannot find), and undone if the publish fails, so a
refused submission leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime

import redis
from sqlalchemy import Engine

from api.tenant_limits import PAID_PROVIDERS, check_provider_and_model, limits_of
from config.celery_app import app as celery_app
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
from workers.storage import spend
from workers.storage.admission import (
    IN_FLIGHT_RETRY_S,
    Admission,
    Quota,
    admit_and_create,
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
    spec_json = spec.model_dump(mode="json", exclude_none=True)
    body_hash = hashlib.sha256(canonical_json(spec_json)).hexdigest()
    job_id = new_job_id()
    tenant = spec.tenant_id or "-"
    quota = quota or _unlimited(tenant)

    state = new_job(job_id, spec_json)
    fields = {**creation_fields(state), "queue": settings.generation_queue}
    for _ in range(2):
        admission = admit_and_create(
            client, job_id=job_id, fields=fields, quota=quota, body_hash=body_hash,
            idempotency_key=idempotency_key, idempotency_ttl_s=settings.idempotency_ttl_s,
            state_ttl_s=settings.job_state_ttl_s,
        )  # fmt: skip
        if admission.outcome != "spend_unknown" or engine is None:
            break
        spend.rebuild(client, engine, tenant, quota.month)  # Redis lost it; ask again
    if admission.outcome == "replay":
        assert admission.job_id is not None
        return admission.job_id, False, admission
    if admission.outcome == "conflict":
        raise IdempotencyConflict(
            "this Idempotency-Key was already used with a different body; "
            "use a new key for a new job"
        )
    if admission.outcome != "admitted":
        raise refusal(admission, quota)

    trace_headers: dict[str, str] = {}
    # Started once admitted (a refusal or a replay must not open a run that never ends).
    if (trace := tracing.start_job_trace(job_id=job_id, spec=spec_json,
                                         created_at=state.created_at)) is not None:  # fmt: skip
        ref, trace_headers = trace
        client.hset(keys.job_key(job_id), mapping=ref.as_fields())
    try:
        celery_app.send_task(
            "generation.run",
            kwargs={"job_id": job_id},
            task_id=job_id,
            queue=settings.generation_queue,
            headers=trace_headers,  # LangSmith's langsmith-trace and baggage headers
        )
    except Exception as exc:
        logger.warning("job %s: publish failed: %s", job_id, exc)
        undo(client, job_id=job_id, tenant=tenant, idempotency_key=idempotency_key)
        raise DependencyUnavailable(
            "the job queue is unavailable; nothing was queued, retry shortly"
        ) from exc
    return job_id, True, admission


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
    check_provider_and_model(spec, limits, settings)
    quota = Quota(
        tenant,
        requests_per_minute=limits.requests_per_minute,
        max_in_flight=limits.max_in_flight,
        budget_usd=limits.monthly_budget_usd if spec.options.provider in PAID_PROVIDERS else None,
        month=month_of(),
    )
    job_id, created, admission = submit_within_quota(
        client, settings, spec, idempotency_key=idempotency_key, quota=quota, engine=engine
    )
    return job_id, created, admission, quota


def _in_callers_tenant(spec: JobSpec, caller: Principal) -> JobSpec:
    """The job belongs to the key's tenant; a body naming another is refused (an admin
    may submit for any tenant)."""
    if spec.tenant_id is not None and spec.tenant_id != caller.tenant_id:
        if caller.role is not Role.ADMIN:
            raise BadRequest(
                "tenant_id", "is not your API key's tenant; leave it out (the key sets it)"
            )
        return spec
    return spec.model_copy(update={"tenant_id": caller.tenant_id})


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
        error = BudgetExhausted(
            f"your tenant spent {admission.used:.2f} USD on paid providers in {quota.month}, "
            f"its monthly budget is {budget:.2f} USD; template jobs still run "
            "(options.provider \"template\"), or ask for a larger budget",
            limit=budget, remaining=0, reset_s=max(reset_s, 1.0),
        )  # fmt: skip
    metrics.QUOTA_REFUSALS.labels(tenant=tenant, kind=error.kind).inc()
    logger.warning("quota: tenant %s refused (%s): %s", tenant, error.kind, error)
    return error
