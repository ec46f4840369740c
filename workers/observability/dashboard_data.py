"""The numbers behind /dashboard: read live from Postgres and Redis, one query per panel.

Aggregates use the (component_type, created_at) and created_at indexes, so they stay
cheap as generations grow.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import redis
from sqlalchemy import Engine, text

from config.settings import Settings
from workers.storage.admission import in_flight

_TOTALS = text(
    """
    SELECT count(*) AS jobs,
           count(*) FILTER (WHERE success) AS succeeded,
           count(*) FILTER (WHERE NOT success) AS failed,
           coalesce(sum(cost_usd), 0) AS cost_usd,
           coalesce(sum(saved_usd), 0) AS saved_usd,
           coalesce(sum(prompt_tokens + completion_tokens), 0) AS llm_tokens,
           avg(quality_score) AS quality
    FROM generations WHERE created_at >= :since
      AND (CAST(:tenant AS text) IS NULL OR tenant_id = :tenant)
    """
)
_BY_LAYER = text(
    """
    SELECT coalesce(cache_layer, '-') AS layer, count(*) AS jobs,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) AS p50_ms,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95_ms
    FROM generations WHERE created_at >= :since AND success
      AND (CAST(:tenant AS text) IS NULL OR tenant_id = :tenant)
    GROUP BY 1 ORDER BY 1
    """
)
_BY_TYPE = text(
    """
    SELECT component_type, count(*) AS jobs, count(*) FILTER (WHERE success) AS succeeded
    FROM generations WHERE created_at >= :since
      AND (CAST(:tenant AS text) IS NULL OR tenant_id = :tenant)
    GROUP BY 1 ORDER BY 2 DESC, 1
    """
)
_ERRORS = text(
    """
    SELECT error_type, count(*) AS jobs FROM generations
    WHERE created_at >= :since AND NOT success
      AND (CAST(:tenant AS text) IS NULL OR tenant_id = :tenant)
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
    """
    SELECT 'L1' AS layer, count(*) FILTER (WHERE cache_layer = 'L1') AS hits,
           count(*) FILTER (WHERE cache_layer = 'L4') AS misses,
           coalesce(sum(saved_usd), 0) AS saved_usd
    FROM generations WHERE created_at >= :since AND success AND tenant_id = :tenant
    """
)
_BY_TENANT = text(
    """
    SELECT coalesce(tenant_id, '-') AS tenant, count(*) AS jobs,
           count(*) FILTER (WHERE NOT success) AS failed,
           coalesce(sum(cost_usd), 0) AS cost_usd, coalesce(sum(saved_usd), 0) AS saved_usd
    FROM generations WHERE created_at >= :since GROUP BY 1 ORDER BY 2 DESC LIMIT 50
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


def _rows(conn: Any, query: Any, since: datetime, tenant: str | None) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(query, {"since": since, "tenant": tenant})]


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
    params = {"since": since, "tenant": tenant}
    with engine.connect() as conn:
        totals = dict(conn.execute(_TOTALS, params).one()._mapping)
        data: dict[str, Any] = {
            "window_hours": hours,
            "tenant": tenant,
            "totals": totals,
            "by_layer": _rows(conn, _BY_LAYER, since, tenant),
            "by_type": _rows(conn, _BY_TYPE, since, tenant),
            "errors": _rows(conn, _ERRORS, since, tenant),
            "cache": _rows(conn, _TENANT_CACHE if tenant else _CACHE, since, tenant),
            "recent": _rows(conn, _RECENT, since, tenant),
            "by_tenant": [] if tenant else _rows(conn, _BY_TENANT, since, tenant),
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
