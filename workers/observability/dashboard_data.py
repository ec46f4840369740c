"""The numbers behind /dashboard: read live from Postgres and Redis, one query per panel.

`summary` is GET /v1/dashboard/summary's tables; `overview` is what the page draws
(GET /dashboard/data). Window aggregates read the hourly and daily rollups for the closed
hours and the raw rows for the rest (workers.storage.rollups), so they cost the hours in
the window, not the jobs; latency percentiles are estimated from the rollups' histogram
(exact with one or two values per bucket, otherwise within one bucket: < 19%).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import redis
from sqlalchemy import Connection, Engine, text

from config.settings import Settings
from workers.observability.dashboard_trends import TENANT_CLAUSE, trends
from workers.resilience.circuit_breaker import read_all
from workers.storage import semantic_cache, spend
from workers.storage.admission import in_flight
from workers.storage.rollups import Cell, percentile, source, window

# Window aggregates read workers.storage.rollups' `source`: closed hours (and UTC days) from
# generation_rollups, the rest of the window from the raw rows.
_TOTALS = text(
    f"""
    SELECT coalesce(sum(jobs), 0)::bigint AS jobs,
           coalesce(sum(succeeded), 0)::bigint AS succeeded,
           coalesce(sum(failed), 0)::bigint AS failed,
           coalesce(sum(cost_usd), 0) AS cost_usd,
           coalesce(sum(saved_usd), 0) AS saved_usd,
           coalesce(sum(llm_tokens), 0)::bigint AS llm_tokens,
           sum(quality_sum) / nullif(sum(quality_n), 0) AS quality
    FROM ({source("layer")}) s
    """
)
# Succeeded jobs per layer and latency bucket: counts, percentiles (estimated from the
# buckets, workers.storage.rollups.percentile), savings and L2 similarity.
_BY_LAYER = text(
    f"""
    SELECT CASE WHEN cache_layer = '' THEN '-' ELSE cache_layer END AS layer,
           latency_bucket AS bucket, sum(jobs)::bigint AS jobs,
           min(duration_min) AS min_ms, max(duration_max) AS max_ms,
           coalesce(sum(saved_usd), 0) AS saved_usd,
           sum(similarity_sum) AS similarity_sum, sum(similarity_n) AS similarity_n
    FROM ({source("latency")}) s
    GROUP BY 1, 2
    """
)
_BY_TYPE = text(
    f"""
    SELECT component_type, sum(jobs)::bigint AS jobs, sum(succeeded)::bigint AS succeeded
    FROM ({source("type")}) s
    GROUP BY 1 ORDER BY 2 DESC, 1
    """
)
_ERRORS = text(
    f"""
    SELECT nullif(error_type, '') AS error_type, sum(jobs)::bigint AS jobs
    FROM ({source("error")}) s WHERE status = 'failed'
    GROUP BY 1 ORDER BY 2 DESC LIMIT 10
    """
)
_CACHE = text(
    """
    SELECT layer, sum(hits) AS hits, sum(misses) AS misses, sum(saved_usd) AS saved_usd
    FROM cache_stats WHERE bucket_start >= :since GROUP BY 1 ORDER BY 1
    """
)
_TENANT_CACHE = text(
    f"""
    SELECT 'L1' AS layer,
           coalesce(sum(jobs) FILTER (WHERE cache_layer = 'L1'), 0)::bigint AS hits,
           coalesce(sum(jobs) FILTER (WHERE cache_layer = 'L4'), 0)::bigint AS misses,
           coalesce(sum(saved_usd), 0) AS saved_usd
    FROM ({source("latency")}) s
    """
)
_BY_TENANT = text(
    f"""
    SELECT CASE WHEN tenant_id = '' THEN '-' ELSE tenant_id END AS tenant,
           sum(jobs)::bigint AS jobs, sum(failed)::bigint AS failed,
           coalesce(sum(cost_usd), 0) AS cost_usd, coalesce(sum(saved_usd), 0) AS saved_usd
    FROM ({source("tenant", per_tenant=True)}) s
    GROUP BY 1 ORDER BY 2 DESC LIMIT 50
    """
)
_RECENT = text(
    """
    SELECT id, component_name, component_type, cache_layer, success, error_type,
           duration_ms, finished_at
    FROM generations WHERE (CAST(:tenant AS text) IS NULL OR tenant_id = :tenant)
    ORDER BY finished_at DESC LIMIT 15
    """
)


def _rows(conn: Any, query: Any, params: dict[str, Any]) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(query, params)]


@dataclass(frozen=True)
class LayerLatency:
    """A cache layer's succeeded jobs in a window: how many, how fast, what they saved."""

    jobs: int
    p50_ms: float | None
    p95_ms: float | None
    saved_usd: float
    similarity: float | None


def by_layer(rows: Any) -> dict[str, LayerLatency]:
    """_BY_LAYER's bucket rows summed per layer (oldest layer name first)."""
    cells: dict[str, list[Any]] = {}
    for row in rows:
        cells.setdefault(row.layer, []).append(row)
    layers = {}
    for layer, found in sorted(cells.items()):
        histogram = [Cell(r.bucket, r.jobs, r.min_ms, r.max_ms) for r in found]
        similarity_n = sum(int(r.similarity_n or 0) for r in found)
        layers[layer] = LayerLatency(
            jobs=sum(r.jobs for r in found),
            p50_ms=percentile(histogram, 0.5),
            p95_ms=percentile(histogram, 0.95),
            saved_usd=float(sum(r.saved_usd for r in found)),
            similarity=(
                sum(float(r.similarity_sum or 0) for r in found) / similarity_n
                if similarity_n
                else None
            ),
        )
    return layers


def _json_safe(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    if value is not None and not isinstance(value, bool | int | float | str):
        return float(value)  # Decimal
    return value


def summary(
    engine: Engine, client: redis.Redis, settings: Settings, *, hours: int, tenant: str | None
) -> Any:
    """The panels for one tenant's jobs, or (tenant None, an admin) for all of them, with
    a panel per tenant and the deployment-wide cache and queue numbers."""
    since = datetime.now(UTC) - timedelta(hours=hours)
    with engine.connect() as conn:
        params = window(conn, since) | {"tenant": tenant}
        totals = dict(conn.execute(_TOTALS, params).one()._mapping)
        layers = by_layer(conn.execute(_BY_LAYER, params))
        data: dict[str, Any] = {
            "window_hours": hours,
            "tenant": tenant,
            "totals": totals,
            "by_layer": [
                {"layer": name, "jobs": one.jobs, "p50_ms": one.p50_ms, "p95_ms": one.p95_ms}
                for name, one in layers.items()
            ],
            "by_type": _rows(conn, _BY_TYPE, params),
            "errors": _rows(conn, _ERRORS, params),
            "cache": _rows(conn, _TENANT_CACHE if tenant else _CACHE, params),
            "recent": _rows(conn, _RECENT, params),
            "by_tenant": [] if tenant else _rows(conn, _BY_TENANT, params),
        }
    live: dict[str, int | None] = {"queued": None}
    if settings.broker_is_redis and tenant is None:
        # kombu's Redis transport keeps a queue as a list named after it. Deployment-wide,
        # so an admin's alone: a tenant must not count others' jobs.
        live["queued"] = int(client.llen(settings.generation_queue))
    if tenant is not None:
        live["in_flight"] = in_flight(client, tenant, stale_after_s=settings.job_state_ttl_s)
    data["live"] = live
    return _json_safe(data)


# --- /dashboard/data: the page's cards, cache ladder, recent components and trends ------

TARGETS = {"l1_hit_rate_min": 0.20, "l4_p50_s_max": 60.0, "error_rate_max": 0.01}
"""The wireframe's targets: a card passes when its number meets them."""
LADDER = (
    ("L0", "Figma answers"),
    ("L1", "exact match"),
    ("L2", "semantic"),
    ("L3", "pattern"),
    ("L4", "full generation"),
)
ALWAYS_ENABLED = frozenset({"L0", "L1", "L4"})  # L2 and L3 can be switched off
RECENT_LIMIT = 20

# The window aggregates read workers.storage.rollups' `source`; the recent components read
# ix_generations_tenant_created_at (a tenant) or ix_generations_created_at backwards.
_DAY = text(
    f"""
    SELECT coalesce(sum(jobs), 0)::bigint AS jobs,
           coalesce(sum(jobs) FILTER (WHERE period_start >= :today), 0)::bigint AS jobs_today,
           coalesce(sum(jobs) FILTER (WHERE status = 'succeeded'), 0)::bigint AS succeeded,
           coalesce(sum(jobs) FILTER (WHERE status = 'failed'), 0)::bigint AS failed,
           coalesce(sum(jobs) FILTER (WHERE status = 'cancelled'), 0)::bigint AS cancelled,
           coalesce(sum(cost_usd), 0) AS cost_usd,
           coalesce(sum(saved_usd), 0) AS saved_usd
    FROM ({source("layer")}) s
    """
)
# cache_stats is deployment-wide (no tenant column): an admin's alone. Primary key
# (bucket_start, layer) serves the range.
_L0 = text(
    """
    SELECT coalesce(sum(hits), 0) AS hits, coalesce(sum(misses), 0) AS misses,
           coalesce(sum(lookup_ms_sum), 0) AS lookup_ms_sum,
           coalesce(sum(saved_usd), 0) AS saved_usd
    FROM cache_stats WHERE bucket_start >= :since AND layer = 'L0'
    """
)
_RECENT_COMPONENTS = text(
    f"""
    SELECT id, tenant_id, component_name, component_type, status, error_type,
           quality_score, cache_layer, duration_ms, created_at, finished_at,
           result -> 'artifacts' AS artifacts, result ->> 'trace_url' AS trace_url
    FROM generations WHERE {TENANT_CLAUSE}
    ORDER BY created_at DESC LIMIT {RECENT_LIMIT}
    """
)
_BUDGETS = text(
    """
    SELECT id, monthly_budget_usd FROM tenants
    WHERE CAST(:tenant AS text) IS NULL OR id = :tenant ORDER BY id LIMIT 1000
    """
)


def _card(value: float | None, *, passed: bool | None, target: str) -> dict[str, Any]:
    """A key metric against its target; `status` None when there is nothing to judge."""
    status = None if value is None or passed is None else ("pass" if passed else "warn")
    return {"value": value, "target": target, "status": status}


def _optional_layers(settings: Settings, engine: Engine) -> frozenset[str]:
    """L2 when SEMANTIC_CACHE is on and this Postgres has pgvector; L3 when PATTERN_CACHE is."""
    l2 = settings.semantic_cache == "on" and semantic_cache.available(engine)
    return frozenset({"L2"} if l2 else set()) | (
        {"L3"} if settings.pattern_cache == "on" else set()
    )


def _ladder(
    rows: dict[str, Any], l0: Any | None, *, optional: frozenset[str]
) -> list[dict[str, Any]]:
    """Each layer: the share of succeeded jobs it answered (L0: of Figma look-ups), its
    p50/p95 job latency, and what its answers saved. L2 and L3 honestly say not enabled
    where they are off (`optional`: those that are on)."""
    answered = sum(r.jobs for r in rows.values())
    enabled = ALWAYS_ENABLED | optional
    ladder = []
    for layer, name in LADDER:
        entry: dict[str, Any] = {"layer": layer, "name": name, "enabled": layer in enabled}
        if layer == "L0":
            # SUMs come back as numeric (Decimal): plain numbers before any arithmetic.
            lookups = int(l0.hits or 0) + int(l0.misses or 0) if l0 is not None else 0
            entry |= {
                "lookups": lookups,
                "hit_rate": int(l0.hits) / lookups if lookups else None,
                "p50_ms": None,
                "mean_lookup_ms": (
                    round(float(l0.lookup_ms_sum or 0) / lookups, 2) if lookups else None
                ),
                "saved_usd": float(l0.saved_usd) if l0 is not None else None,
                "available": l0 is not None,  # deployment-wide: an admin's only
            }
        else:
            row = rows.get(layer)
            jobs = row.jobs if row else 0
            entry |= {
                "jobs": jobs,
                "hit_rate": jobs / answered if answered else None,
                "p50_ms": round(row.p50_ms, 1) if row and row.p50_ms is not None else None,
                "p95_ms": round(row.p95_ms, 1) if row and row.p95_ms is not None else None,
                "saved_usd": float(row.saved_usd) if row else 0.0,
                "available": True,
            }
            if layer == "L2":  # how alike the adapted neighbours were, on average
                similarity = row.similarity if row else None
                entry["mean_similarity"] = round(similarity, 4) if similarity else None
        ladder.append(entry)
    return ladder


def _artifact_links(raw: Any, presign: Callable[[str], str]) -> list[dict[str, str]]:
    if not isinstance(raw, dict):
        return []
    return [{"name": name, "url": presign(key)} for name, key in sorted(raw.items())]


def _recent(conn: Connection, tenant: str | None, presign: Callable[[str], str]) -> list[Any]:
    return [
        {
            "id": r.id,
            "tenant": r.tenant_id,
            "name": r.component_name,
            "type": r.component_type,
            "status": r.status,
            "error_type": r.error_type,
            "quality_score": r.quality_score,
            "cache_layer": r.cache_layer,
            "duration_ms": r.duration_ms,
            "finished_at": r.finished_at,
            "status_url": f"/v1/generations/{r.id}",
            "artifacts": _artifact_links(r.artifacts, presign),
            "trace_url": r.trace_url,
        }
        for r in conn.execute(_RECENT_COMPONENTS, {"tenant": tenant})
    ]


def _budget(
    conn: Connection, client: redis.Redis, engine: Engine, settings: Settings, tenant: str | None
) -> dict[str, Any]:
    """Month-to-date paid spend (the Redis counters the budget check reads) against the
    monthly budget: the tenant's, or (an admin) the sum over tenants."""
    month = spend.month_of()
    budget = spent = 0.0
    rows = list(conn.execute(_BUDGETS, {"tenant": tenant}))
    for row in rows:
        own = row.monthly_budget_usd
        budget += float(own) if own is not None else settings.default_monthly_budget_usd
        spent += spend.spent_usd(client, engine, row.id, month)
    if not rows and tenant is not None:
        budget = settings.default_monthly_budget_usd
    return {"month": month, "spent_usd": round(spent, 6), "budget_usd": round(budget, 6)}


def overview(
    engine: Engine,
    client: redis.Redis,
    settings: Settings,
    *,
    tenant: str | None,
    presign: Callable[[str], str],
) -> dict[str, Any]:
    """Everything /dashboard draws but the live service checks and the storage facts:
    cards against TARGETS, the cache ladder, the circuits, the last RECENT_LIMIT
    components, trends over 24 h and (an admin) a row per tenant."""
    now = datetime.now(UTC)
    since = now - timedelta(hours=24)
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    with engine.connect() as conn:
        params = window(conn, since) | {"today": today, "tenant": tenant}
        day = conn.execute(_DAY, params).one()
        layers = {
            name: layer
            for name, layer in by_layer(conn.execute(_BY_LAYER, params)).items()
            if name != "-"  # no layer: ended before any cache look-up
        }
        l0 = conn.execute(_L0, params).one() if tenant is None else None
        budget = _budget(conn, client, engine, settings, tenant)
        days_in_month = (today.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(
            days=1
        )
        daily_budget = budget["budget_usd"] / days_in_month.day
        series = trends(conn, now=now, tenant=tenant, daily_budget_usd=daily_budget)
        recent = _recent(conn, tenant, presign)
        by_tenant = [] if tenant else _rows(conn, _BY_TENANT, params)
    answered = sum(r.jobs for r in layers.values())
    l1_rate = layers["L1"].jobs / answered if "L1" in layers else (0.0 if answered else None)
    l4_p50 = layers["L4"].p50_ms if "L4" in layers else None
    l4_p50_s = l4_p50 / 1000 if l4_p50 is not None else None
    ended = day.succeeded + day.failed  # a cancelled job is not an error
    error_rate = day.failed / ended if ended else None
    cards = {
        "l1_hit_rate": _card(
            l1_rate, passed=l1_rate is not None and l1_rate >= TARGETS["l1_hit_rate_min"],
            target="≥ 20%",
        ),
        "l4_p50_s": _card(
            l4_p50_s, passed=l4_p50_s is not None and l4_p50_s <= TARGETS["l4_p50_s_max"],
            target="≤ 60 s",
        ),
        "error_rate": _card(
            error_rate, passed=error_rate is not None and error_rate < TARGETS["error_rate_max"],
            target="< 1%",
        ),
        "jobs_today": {"value": day.jobs_today, "last_24h": day.jobs},
        "spend": budget
        | {
            "status": "pass" if budget["spent_usd"] <= budget["budget_usd"] else "warn",
            "cost_24h_usd": float(day.cost_usd),
            "saved_24h_usd": float(day.saved_usd),
        },
    }  # fmt: skip
    try:
        circuits = {
            service: {"state": c.state, "recent_failures": c.failures}
            for service, c in read_all(client).items()
        }
    except redis.RedisError as exc:
        circuits = {"error": type(exc).__name__}
    return _json_safe(
        {
            "tenant": tenant,
            "generated_at": now,
            "totals_24h": {
                "jobs": day.jobs,
                "succeeded": day.succeeded,
                "failed": day.failed,
                "cancelled": day.cancelled,
            },
            "cards": cards,
            "ladder": _ladder(layers, l0, optional=_optional_layers(settings, engine)),
            "circuits": circuits,
            "recent": recent,
            "trends": series,
            "by_tenant": by_tenant,
        }
    )
