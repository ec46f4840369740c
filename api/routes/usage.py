"""GET /v1/usage: the caller's tenant, month to date: jobs, spend, savings, budget, limits."""

from __future__ import annotations

import redis
from fastapi import APIRouter
from sqlalchemy import Engine, text

from api.deps import EngineDep, Reader, RedisDep, SettingsDep
from api.schemas import UsageJobs, UsageLimits, UsagePublic, error_responses
from api.tenant_limits import limits_of
from config.settings import Settings
from workers.storage import rollups, spend
from workers.storage.admission import in_flight

router = APIRouter(prefix="/v1/usage", tags=["usage"])

# One tenant's month so far: its days and hours from the rollups, the rest from its rows
# (workers.storage.rollups), so the read does not grow with the month's jobs.
_MONTH = text(
    f"""
    SELECT coalesce(sum(succeeded), 0)::bigint AS succeeded,
           coalesce(sum(failed), 0)::bigint AS failed,
           coalesce(sum(jobs) FILTER (WHERE cache_layer IN ('L1', 'L2', 'L3')), 0)::bigint
               AS cache_hits,
           coalesce(sum(saved_usd), 0) AS saved_usd
    FROM ({rollups.source("layer")}) s
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
    start, _ = spend.month_bounds(month)
    with engine.connect() as conn:
        row = conn.execute(_MONTH, rollups.window(conn, start) | {"tenant": tenant}).one()
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
