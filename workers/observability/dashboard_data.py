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
    """
)
_BY_LAYER = text(
    """
    SELECT coalesce(cache_layer, '-') AS layer, count(*) AS jobs,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) AS p50_ms,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95_ms
    FROM generations WHERE created_at >= :since AND success
    GROUP BY 1 ORDER BY 1
    """
)
_BY_TYPE = text(
    """
    SELECT component_type, count(*) AS jobs, count(*) FILTER (WHERE success) AS succeeded
    FROM generations WHERE created_at >= :since
    GROUP BY 1 ORDER BY 2 DESC, 1
    """
)
_ERRORS = text(
    """
    SELECT error_type, count(*) AS jobs FROM generations
    WHERE created_at >= :since AND NOT success GROUP BY 1 ORDER BY 2 DESC LIMIT 10
    """
)
_CACHE = text(
    """
    SELECT layer, sum(hits) AS hits, sum(misses) AS misses, sum(saved_usd) AS saved_usd
    FROM cache_stats WHERE bucket_start >= :since GROUP BY 1 ORDER BY 1
    """
)
_RECENT = text(
    """
    SELECT id, component_name, component_type, cache_layer, success, error_type,
           duration_ms, finished_at
    FROM generations ORDER BY finished_at DESC LIMIT 15
    """
)


def _rows(conn: Any, query: Any, since: datetime) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in conn.execute(query, {"since": since})]


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


def summary(engine: Engine, client: redis.Redis, settings: Settings, *, hours: int) -> Any:
    since = datetime.now(UTC) - timedelta(hours=hours)
    with engine.connect() as conn:
        totals = dict(conn.execute(_TOTALS, {"since": since}).one()._mapping)
        data: dict[str, Any] = {
            "window_hours": hours,
            "totals": totals,
            "by_layer": _rows(conn, _BY_LAYER, since),
            "by_type": _rows(conn, _BY_TYPE, since),
            "errors": _rows(conn, _ERRORS, since),
            "cache": _rows(conn, _CACHE, since),
            "recent": _rows(conn, _RECENT, since),
        }
    live: dict[str, int | None] = {"queued": None}
    if settings.broker_is_redis:
        # kombu's Redis transport keeps a queue as a list named after it.
        live["queued"] = int(client.llen(settings.generation_queue))
    data["live"] = live
    return _json_safe(data)
