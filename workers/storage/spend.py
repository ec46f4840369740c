"""A tenant's paid spend per month: a running counter in Redis (`spend:{tenant}:{YYYY-MM}`)
that the API's budget check reads, booked once per job by the transaction that inserted
its row (workers.resilience.bookkeeping_spool), and rebuilt from Postgres when Redis lost
it: the month's rolled hours from tenant_spend_hours (workers.storage.rollups), the rest
from the costs rows.

Booking only adds to a counter that exists: a missing one is rebuilt from Postgres,
which already holds the job's costs (the row is committed before it is booked).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import redis
from sqlalchemy import Connection, Engine, text

from core.keys import budget_holds_key, spend_key
from core.result import CostLine
from workers.storage import rollups

logger = logging.getLogger(__name__)

KEEP_S = 40 * 24 * 3600
"""A month's counter outlives its month by ~10 days (usage reads of the month before)."""
FREE_PROVIDERS = frozenset({"template"})

# The actual cost replaces the job's budget hold in one step (workers.storage.budget_holds):
# never both counted, never neither.
_BOOK = """
redis.call('HDEL', KEYS[2], ARGV[2])
if tonumber(ARGV[1]) > 0 and redis.call('EXISTS', KEYS[1]) == 1 then
  return redis.call('INCRBYFLOAT', KEYS[1], ARGV[1])
end
return false
"""


def month_of(moment: datetime | None = None) -> str:
    """YYYY-MM of `moment` (default: now), in UTC."""
    return (moment or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m")


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """[first instant, first instant of the next month) of YYYY-MM, in UTC."""
    start = datetime.strptime(month, "%Y-%m").replace(tzinfo=UTC)
    end = (start + timedelta(days=32)).replace(day=1)
    return start, end


def paid_usd(costs: Sequence[CostLine]) -> float:
    return sum(line.usd for line in costs if line.provider not in FREE_PROVIDERS)


def book(
    client: redis.Redis,
    tenant: str | None,
    costs: Sequence[CostLine],
    finished_at: datetime,
    *,
    job_id: str = "",
) -> None:
    """Add a job's paid costs to its tenant's month and settle its budget hold (`job_id`).
    Call once per job: when its row was inserted. A Redis error is logged, not raised (the
    job's record is already kept; its hold lapses after BUDGET_HOLD_TTL_S)."""
    usd = paid_usd(costs)
    if not tenant or (usd <= 0 and not job_id):
        return
    month_key, holds = spend_key(tenant, month_of(finished_at)), budget_holds_key(tenant)
    try:
        client.eval(_BOOK, 2, month_key, holds, repr(usd), job_id)
    except redis.RedisError as exc:
        logger.warning("spend of tenant %s (+%.6f USD) not booked in Redis: %s", tenant, usd, exc)


def spent_usd(client: redis.Redis, engine: Engine, tenant: str, month: str) -> float:
    """The tenant's paid spend in `month`: the counter, or rebuilt from Postgres."""
    value = client.get(spend_key(tenant, month))
    return float(value) if value is not None else rebuild(client, engine, tenant, month)


_ROLLED_SPEND = text(
    """
    SELECT coalesce(sum(paid_usd), 0) FROM tenant_spend_hours
    WHERE tenant_id = :tenant AND hour >= :start AND hour < :rolled
    """
)
# The hours not rolled yet (the current one, at least): the costs rows themselves, by
# ix_costs_created_at, each job's tenant by its primary key.
_RAW_SPEND = text(
    """
    SELECT coalesce(sum(c.usd), 0) FROM costs c JOIN generations g ON g.id = c.generation_id
    WHERE c.created_at >= :rolled AND c.created_at < :end AND g.tenant_id = :tenant
      AND c.provider <> ALL(:free)
    """
)


def month_spend(conn: Connection, tenant: str, month: str) -> float:
    """The tenant's paid costs in `month` (costs rows by their created_at, free providers
    left out): the rolled hours from tenant_spend_hours, the rest from the costs rows."""
    start, end = month_bounds(month)
    rolled = rollups.rolled_until(conn) or start
    rolled = min(max(rolled, start), end)
    params = {"tenant": tenant, "start": start, "end": end, "rolled": rolled,
              "free": sorted(FREE_PROVIDERS)}  # fmt: skip
    return float(
        conn.execute(_ROLLED_SPEND, params).scalar_one()
        + conn.execute(_RAW_SPEND, params).scalar_one()
    )


def rebuild(client: redis.Redis, engine: Engine, tenant: str, month: str) -> float:
    """Sum the tenant's paid costs of the month into the counter (unless another process
    set it first; that value wins)."""
    with engine.connect() as conn:
        total = month_spend(conn, tenant, month)
    key = spend_key(tenant, month)
    if client.set(key, repr(total), nx=True, ex=KEEP_S):
        logger.info(
            "spend of tenant %s in %s rebuilt from Postgres: %.6f USD", tenant, month, total
        )
        return total
    return float(client.get(key) or total)
