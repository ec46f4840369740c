"""A tenant's paid spend per month: a running counter in Redis (`spend:{tenant}:{YYYY-MM}`)
that the API's budget check reads, booked once per job by the transaction that inserted
its row (workers.resilience.bookkeeping_spool), and rebuilt from the costs table when Redis
lost it.

Booking only adds to a counter that exists: a missing one is rebuilt from Postgres,
which already holds the job's costs (the row is committed before it is booked).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import redis
from sqlalchemy import Engine, func, select

from config.settings import get_settings
from core.keys import spend_key
from core.result import CostLine
from workers.storage.models import Cost, Generation

logger = logging.getLogger(__name__)

KEEP_S = 40 * 24 * 3600
"""A month's counter outlives its month by ~10 days (usage reads of the month before)."""
FREE_PROVIDERS = frozenset({"template"})

_BOOK = """
if redis.call('EXISTS', KEYS[1]) == 1 then
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
    client: redis.Redis, tenant: str | None, costs: Sequence[CostLine], finished_at: datetime
) -> None:
    """Add a job's paid costs to its tenant's month. Call once per job: when its row was
    inserted. A Redis error is logged, not raised (the job's record is already kept)."""
    usd = paid_usd(costs)
    if not tenant or usd <= 0:
        return
    try:
        client.eval(_BOOK, 1, spend_key(tenant, month_of(finished_at)), repr(usd))
    except redis.RedisError as exc:
        logger.warning("spend of tenant %s (+%.6f USD) not booked in Redis: %s", tenant, usd, exc)


def spent_usd(client: redis.Redis, engine: Engine, tenant: str, month: str) -> float:
    """The tenant's paid spend in `month`: the counter, or rebuilt from Postgres."""
    value = client.get(spend_key(tenant, month))
    return float(value) if value is not None else rebuild(client, engine, tenant, month)


def rebuild(client: redis.Redis, engine: Engine, tenant: str, month: str) -> float:
    """Sum the month's costs rows of the tenant's jobs into the counter (unless another
    process set it first; that value wins)."""
    start, end = month_bounds(month)
    query = (
        select(func.coalesce(func.sum(Cost.usd), 0))
        .join(Generation, Generation.id == Cost.generation_id)
        .where(
            Generation.tenant_id == tenant,
            # ix_generations_tenant_created_at: the month's jobs, and those accepted
            # before it that could still end in it (a live state lasts JOB_STATE_TTL_S).
            Generation.created_at >= start - timedelta(seconds=get_settings().job_state_ttl_s),
            Generation.created_at < end,
            Cost.created_at >= start,
            Cost.created_at < end,
            Cost.provider.not_in(FREE_PROVIDERS),
        )
    )
    with engine.connect() as conn:
        total = float(conn.execute(query).scalar_one())
    key = spend_key(tenant, month)
    if client.set(key, repr(total), nx=True, ex=KEEP_S):
        logger.info(
            "spend of tenant %s in %s rebuilt from Postgres: %.6f USD", tenant, month, total
        )
        return total
    return float(client.get(key) or total)
