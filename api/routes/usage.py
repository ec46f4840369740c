"""GET /v1/usage: the caller's tenant, month to date: jobs, spend, savings, budget, limits."""

from __future__ import annotations

import redis
from fastapi import APIRouter
from sqlalchemy import Engine, text

from api.deps import EngineDep, Reader, RedisDep, SettingsDep
from api.schemas import UsageJobs, UsageLimits, UsagePublic, error_responses
from api.tenant_limits import limits_of
from config.settings import Settings
from workers.storage import spend
from workers.storage.admission import in_flight

router = APIRouter(prefix="/v1/usage", tags=["usage"])

# ix_generations_tenant_created_at: one tenant's rows of one month.
_MONTH = text(
    """
    SELECT count(*) FILTER (WHERE success) AS succeeded,
           count(*) FILTER (WHERE status = 'failed') AS failed,
           count(*) FILTER (WHERE cache_layer IN ('L1', 'L2', 'L3')) AS cache_hits,
           coalesce(sum(saved_usd), 0) AS saved_usd
    FROM generations
    WHERE tenant_id = :tenant AND created_at >= :start AND created_at < :end
    """
)


@router.get(
    "",
    response_model=UsagePublic,
    responses=error_responses(401, 503),
)
def usage(
    caller: Reader, engine: EngineDep, client: RedisDep, settings: SettingsDep
) -> UsagePublic:
    """Your tenant's jobs this month by outcome, its paid spend, what the cache saved it,
    its budget and what remains, its jobs in flight and its limits."""
    return month_to_date(engine, client, settings, caller.tenant_id)


def month_to_date(
    engine: Engine, client: redis.Redis, settings: Settings, tenant: str
) -> UsagePublic:
    month = spend.month_of()
    start, end = spend.month_bounds(month)
    with engine.connect() as conn:
        row = conn.execute(_MONTH, {"tenant": tenant, "start": start, "end": end}).one()
    spent = spend.spent_usd(client, engine, tenant, month)
    limits = limits_of(tenant)
    live = in_flight(client, tenant, stale_after_s=settings.job_state_ttl_s)
    return UsagePublic(
        tenant=tenant,
        month=month,
        jobs=UsageJobs(
            succeeded=row.succeeded, failed=row.failed, in_flight=live, cache_hits=row.cache_hits
        ),
        spend_usd=round(spent, 6),
        saved_usd=float(row.saved_usd),
        budget_usd=limits.monthly_budget_usd,
        remaining_usd=round(max(limits.monthly_budget_usd - spent, 0.0), 6),
        in_flight=live,
        limits=UsageLimits(
            requests_per_minute=limits.requests_per_minute,
            max_in_flight=limits.max_in_flight,
            monthly_budget_usd=limits.monthly_budget_usd,
            allowed_providers=limits.allowed_providers,
            allowed_models=limits.allowed_models,
        ),
    )
