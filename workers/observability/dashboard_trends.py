"""The dashboard's trend series: the last 24 h in equal buckets (jobs by outcome, p50/p95
latency by cache layer, L1 hit rate, spend against a pro-rated budget).

Both queries range-scan an index on created_at (ix_generations_tenant_created_at for a
tenant, ix_generations_created_at for an admin) and aggregate in one pass.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, text

WINDOW_S = 24 * 3600
BUCKETS = 30
BUCKET_S = WINDOW_S // BUCKETS  # 48 minutes
TENANT_CLAUSE = "(CAST(:tenant AS text) IS NULL OR tenant_id = :tenant)"
"""psycopg2 binds values client-side, so the planner sees a constant: NULL (an admin)
drops the clause, a tenant makes it `tenant_id = '...'`, which the tenant index serves."""

_BUCKET = "least(floor(extract(epoch FROM created_at - :since) / :bucket_s), :last)::int"
_OUTCOMES = text(
    f"""
    SELECT {_BUCKET} AS bucket,
           count(*) FILTER (WHERE status = 'succeeded') AS succeeded,
           count(*) FILTER (WHERE status = 'failed') AS failed,
           count(*) FILTER (WHERE status = 'cancelled') AS cancelled,
           count(*) FILTER (WHERE success AND cache_layer = 'L1') AS l1_hits,
           coalesce(sum(cost_usd), 0) AS cost_usd
    FROM generations WHERE created_at >= :since AND {TENANT_CLAUSE}
    GROUP BY 1
    """
)
_LATENCY = text(
    f"""
    SELECT {_BUCKET} AS bucket, cache_layer AS layer,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) AS p50_ms,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95_ms
    FROM generations
    WHERE created_at >= :since AND success AND cache_layer IS NOT NULL AND {TENANT_CLAUSE}
    GROUP BY 1, 2
    """
)


def trends(
    conn: Connection, *, now: datetime, tenant: str | None, daily_budget_usd: float
) -> dict[str, Any]:
    """Series of BUCKETS points (oldest first) over the last 24 h. `t` holds each bucket's
    start (epoch seconds); a bucket with no job has null rates and latencies, 0 counts."""
    since = now - timedelta(seconds=WINDOW_S)
    params = {"since": since, "tenant": tenant, "bucket_s": BUCKET_S, "last": BUCKETS - 1}
    empty: list[Any] = [None] * BUCKETS
    succeeded, failed, cancelled = [0] * BUCKETS, [0] * BUCKETS, [0] * BUCKETS
    hits, cost = [0] * BUCKETS, [0.0] * BUCKETS
    for row in conn.execute(_OUTCOMES, params):
        succeeded[row.bucket], failed[row.bucket] = row.succeeded, row.failed
        cancelled[row.bucket] = row.cancelled
        hits[row.bucket], cost[row.bucket] = row.l1_hits, float(row.cost_usd)
    latency: dict[str, dict[str, list[float | None]]] = {}
    for row in conn.execute(_LATENCY, params):
        layer = latency.setdefault(row.layer, {"p50_ms": list(empty), "p95_ms": list(empty)})
        layer["p50_ms"][row.bucket] = round(row.p50_ms, 1)
        layer["p95_ms"][row.bucket] = round(row.p95_ms, 1)
    spent, running = [], 0.0
    for usd in cost:
        running += usd
        spent.append(round(running, 6))
    return {
        "bucket_s": BUCKET_S,
        "t": [int(since.timestamp()) + i * BUCKET_S for i in range(BUCKETS)],
        "jobs": {"succeeded": succeeded, "failed": failed, "cancelled": cancelled},
        "latency_ms": dict(sorted(latency.items())),
        "l1_hit_rate": [h / s if s else None for h, s in zip(hits, succeeded, strict=True)],
        "spend_usd": spent,
        "budget_usd": [round(daily_budget_usd * (i + 1) / BUCKETS, 6) for i in range(BUCKETS)],
    }
