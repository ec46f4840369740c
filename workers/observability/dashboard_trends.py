"""The dashboard's trend series: the last 24 whole hours and the current one, an hour a
point (jobs by outcome, p50/p95 latency by cache layer, L1 hit rate, spend against a
pro-rated budget).

Hour points are what the rollups keep: closed hours are read from generation_rollups,
the current hour (and any hour not rolled yet) from the raw rows (workers.storage.rollups).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from workers.storage.rollups import HOUR, Cell, percentile, source, window

BUCKETS = 25  # 24 closed hours + the current one
BUCKET_S = 3600
WINDOW_S = BUCKETS * BUCKET_S
TENANT_CLAUSE = "(CAST(:tenant AS text) IS NULL OR tenant_id = :tenant)"
"""psycopg2 binds values client-side, so the planner sees a constant: NULL (an admin)
drops the clause, a tenant makes it `tenant_id = '...'`, which the tenant index serves."""

_BUCKET = "least(floor(extract(epoch FROM period_start - :since) / :bucket_s), :last)::int"
_OUTCOMES = text(
    f"""
    SELECT {_BUCKET} AS bucket,
           coalesce(sum(jobs) FILTER (WHERE status = 'succeeded'), 0)::bigint AS succeeded,
           coalesce(sum(jobs) FILTER (WHERE status = 'failed'), 0)::bigint AS failed,
           coalesce(sum(jobs) FILTER (WHERE status = 'cancelled'), 0)::bigint AS cancelled,
           coalesce(sum(succeeded) FILTER (WHERE cache_layer = 'L1'), 0)::bigint AS l1_hits,
           coalesce(sum(cost_usd), 0) AS cost_usd
    FROM ({source("layer")}) s
    GROUP BY 1
    """
)
_LATENCY = text(
    f"""
    SELECT {_BUCKET} AS bucket, cache_layer AS layer, latency_bucket,
           sum(jobs)::bigint AS jobs, min(duration_min) AS min_ms, max(duration_max) AS max_ms
    FROM ({source("latency")}) s WHERE cache_layer <> ''
    GROUP BY 1, 2, 3
    """
)


def window_start(now: datetime) -> datetime:
    """The first point's start: the hour 24 h before the current one's."""
    return now.replace(minute=0, second=0, microsecond=0) - (BUCKETS - 1) * HOUR


def trends(
    conn: Connection, *, now: datetime, tenant: str | None, daily_budget_usd: float
) -> dict[str, Any]:
    """Series of BUCKETS points (oldest first), an hour each, the last one the current
    hour so far. `t` holds each bucket's start (epoch seconds); a bucket with no job has
    null rates and latencies, 0 counts."""
    since = window_start(now)
    params = window(conn, since, days=False) | {
        "tenant": tenant, "bucket_s": BUCKET_S, "last": BUCKETS - 1,
    }  # fmt: skip
    empty: list[Any] = [None] * BUCKETS
    succeeded, failed, cancelled = [0] * BUCKETS, [0] * BUCKETS, [0] * BUCKETS
    hits, cost = [0] * BUCKETS, [0.0] * BUCKETS
    for row in conn.execute(_OUTCOMES, params):
        succeeded[row.bucket], failed[row.bucket] = row.succeeded, row.failed
        cancelled[row.bucket] = row.cancelled
        hits[row.bucket], cost[row.bucket] = row.l1_hits, float(row.cost_usd)
    cells: dict[tuple[str, int], list[Cell]] = {}
    for row in conn.execute(_LATENCY, params):
        cell = Cell(row.latency_bucket, row.jobs, row.min_ms, row.max_ms)
        cells.setdefault((row.layer, row.bucket), []).append(cell)
    latency: dict[str, dict[str, list[float | None]]] = {}
    for (name, bucket), histogram in cells.items():
        layer = latency.setdefault(name, {"p50_ms": list(empty), "p95_ms": list(empty)})
        for key, q in (("p50_ms", 0.5), ("p95_ms", 0.95)):
            value = percentile(histogram, q)
            layer[key][bucket] = round(value, 1) if value is not None else None
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
