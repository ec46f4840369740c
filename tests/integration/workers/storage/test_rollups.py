"""Hourly rollups of generations: the sweep aggregates whole hours idempotently, counts
late rows of the hours it rolls again, and the dashboard and the spend rebuild read from
them the same numbers the raw rows give."""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import redis
from sqlalchemy import Engine, text

from config.settings import get_settings
from workers.observability import dashboard_data, dashboard_trends
from workers.storage import rollups, spend

pytestmark = pytest.mark.integration

_INSERT = text(
    """
    INSERT INTO generations (id, component_type, component_name, tenant_id, created_at,
        finished_at, duration_ms, cache_layer, prompt_tokens, completion_tokens, cost_usd,
        saved_usd, quality_score, attempts, success, status, error_type)
    VALUES (:id, :kind, 'Rolled', :tenant, :created_at, :created_at, :duration_ms, :layer,
        :tokens, :tokens, :cost, :saved, :quality, 1, :status = 'succeeded', :status, :error)
    """
)
_COST = text(
    """
    INSERT INTO costs (generation_id, stage, provider, model, usd, created_at)
    VALUES (:id, 'generate', :provider, 'm', :usd, :created_at)
    """
)


def insert_job(engine: Engine, tenant: str, created_at: datetime, rng: random.Random) -> None:
    status = rng.choices(["succeeded", "failed", "cancelled"], [8, 2, 1])[0]
    layer = rng.choice(["L1", "L2", "L4"]) if status == "succeeded" else None
    job = {
        "id": uuid.uuid4().hex, "kind": rng.choice(["button", "card", "tabs"]),
        "tenant": tenant, "created_at": created_at,
        "duration_ms": rng.choice([None, 1.0, 12.5, 12.5, 300.0, 9000.0 * rng.random()]),
        "layer": layer, "tokens": rng.randrange(100), "cost": Decimal(rng.randrange(1000)) / 10**5,
        "saved": Decimal(rng.randrange(500)) / 10**5, "status": status,
        "quality": rng.choice([None, rng.random()]),
        "error": rng.choice(["ChainTimeout", "LLMError", None]) if status == "failed" else None,
    }  # fmt: skip
    with engine.begin() as conn:
        conn.execute(_INSERT, job)
        for provider in ("openai", "template"):
            usd = Decimal(rng.randrange(1, 900)) / 10**5
            conn.execute(_COST, {"id": job["id"], "provider": provider, "usd": usd,
                                 "created_at": created_at + timedelta(seconds=30)})  # fmt: skip


@pytest.fixture
def tenant(engine: Engine, redis_db: redis.Redis) -> Iterator[str]:
    """A tenant of its own with ~150 jobs over the last 30 hours, the current one included."""
    name = f"rollups-{uuid.uuid4().hex[:8]}"
    rng = random.Random(name)
    now = datetime.now(UTC)
    for _ in range(150):
        insert_job(engine, name, now - timedelta(hours=30) * rng.random() ** 2, rng)
    # Rows written into hours already rolled (by an earlier run) are late rows: roll them.
    rollups.roll(engine, now - timedelta(hours=31), now)
    rollups.sweep(engine)
    yield name
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM generations WHERE tenant_id = :t"), {"t": name})
        conn.execute(text("DELETE FROM generation_rollups WHERE tenant_id = :t"), {"t": name})
        conn.execute(text("DELETE FROM tenant_spend_hours WHERE tenant_id = :t"), {"t": name})
    redis_db.delete(f"spend:{name}:{spend.month_of()}")


def rolled(engine: Engine, tenant: str) -> list[Any]:
    """The tenant's rollup rows (floats rounded: a sum's last bit depends on its order)."""
    with engine.connect() as conn:
        return [
            tuple(round(v, 6) if isinstance(v, float) else v for v in r)
            for r in conn.execute(
                text(
                    "SELECT * FROM generation_rollups WHERE tenant_id = :t "
                    "ORDER BY grain, period_hours, period_start, component_type, cache_layer, "
                    "status, error_type, latency_bucket"
                ),
                {"t": tenant},
            )
        ]


def raw_hours(engine: Engine, tenant: str, before: datetime) -> dict[datetime, tuple[int, Any]]:
    with engine.connect() as conn:
        return {
            r.hour: (r.jobs, r.cost)
            for r in conn.execute(
                text(
                    "SELECT date_trunc('hour', created_at, 'UTC') AS hour, count(*) AS jobs, "
                    "sum(cost_usd) AS cost FROM generations "
                    "WHERE tenant_id = :t AND created_at < :before GROUP BY 1"
                ),
                {"t": tenant, "before": before},
            )
        }


def rolled_hours(engine: Engine, tenant: str) -> dict[datetime, tuple[int, Any]]:
    with engine.connect() as conn:
        return {
            r.period_start: (r.jobs, r.cost)
            for r in conn.execute(
                text(
                    "SELECT period_start, sum(jobs) AS jobs, sum(cost_usd) AS cost "
                    "FROM generation_rollups WHERE tenant_id = :t AND grain = 'layer' "
                    "AND period_hours = 1 GROUP BY 1"
                ),
                {"t": tenant},
            )
        }


def this_hour() -> datetime:
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


def test_the_sweep_rolls_every_closed_hour_and_again_changes_nothing(
    engine: Engine, tenant: str
) -> None:
    # Given the rollups of every closed hour (the fixture's): they hold its jobs and costs
    now_hour = this_hour()
    assert rolled_hours(engine, tenant) == raw_hours(engine, tenant, now_hour)
    before = rolled(engine, tenant)
    # When the whole range is rolled again
    rollups.roll(engine, now_hour - timedelta(hours=48), now_hour)
    # Then nothing changes
    assert rolled(engine, tenant) == before


def test_late_rows_of_the_hours_rolled_again_are_counted(engine: Engine, tenant: str) -> None:
    # Given rows that arrive after their hours were rolled: one an hour late, one 6 h late
    rng = random.Random(7)
    now_hour = this_hour()
    insert_job(engine, tenant, now_hour - timedelta(minutes=30), rng)
    insert_job(engine, tenant, now_hour - timedelta(hours=5, minutes=30), rng)
    # When the next sweep runs
    rollups.sweep(engine)
    # Then the hour within RE_ROLL_HOURS counts its late row; the older one waits for a re-roll
    raw, rolled_now = raw_hours(engine, tenant, now_hour), rolled_hours(engine, tenant)
    assert rolled_now[now_hour - timedelta(hours=1)] == raw[now_hour - timedelta(hours=1)]
    older = now_hour - timedelta(hours=6)
    assert rolled_now.get(older, (0, 0))[0] == raw[older][0] - 1
    rollups.roll(engine, older, now_hour)
    assert rolled_hours(engine, tenant) == raw


# The dashboard's queries as they were before the rollups, over the raw rows.
_OLD_TOTALS = text(
    """
    SELECT count(*) AS jobs, count(*) FILTER (WHERE success) AS succeeded,
           count(*) FILTER (WHERE status = 'failed') AS failed,
           coalesce(sum(cost_usd), 0) AS cost_usd, coalesce(sum(saved_usd), 0) AS saved_usd,
           coalesce(sum(prompt_tokens + completion_tokens), 0) AS llm_tokens,
           avg(quality_score) AS quality
    FROM generations WHERE created_at >= :since AND tenant_id = :tenant
    """
)
_OLD_BY_LAYER = text(
    """
    SELECT coalesce(cache_layer, '-') AS layer, count(*) AS jobs,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) AS p50_ms,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95_ms
    FROM generations WHERE created_at >= :since AND success AND tenant_id = :tenant
    GROUP BY 1 ORDER BY 1
    """
)
_OLD_BY_TYPE = text(
    """
    SELECT component_type, count(*) AS jobs, count(*) FILTER (WHERE success) AS succeeded
    FROM generations WHERE created_at >= :since AND tenant_id = :tenant
    GROUP BY 1 ORDER BY 2 DESC, 1
    """
)
_OLD_ERRORS = text(
    """
    SELECT error_type, count(*) AS jobs FROM generations
    WHERE created_at >= :since AND status = 'failed' AND tenant_id = :tenant
    GROUP BY 1 ORDER BY 2 DESC, 1
    """
)
_OLD_HOURLY = text(
    """
    SELECT floor(extract(epoch FROM created_at - :since) / 3600)::int AS bucket,
           count(*) FILTER (WHERE status = 'succeeded') AS succeeded,
           count(*) FILTER (WHERE status = 'failed') AS failed,
           count(*) FILTER (WHERE success AND cache_layer = 'L1') AS l1_hits
    FROM generations WHERE created_at >= :since AND tenant_id = :tenant GROUP BY 1
    """
)

BOUND = 2 ** (1 / rollups.BUCKETS_PER_DOUBLING) - 1  # one bucket's width


def close(estimate: float | None, exact: float | None) -> bool:
    if exact is None or estimate is None:
        return estimate == exact
    return abs(estimate - exact) <= BOUND * exact + 1e-9


def test_the_dashboard_gives_the_raw_rows_numbers(
    engine: Engine, redis_db: redis.Redis, tenant: str
) -> None:
    # When the dashboard reads the tenant's last 24 h (rolled hours + raw rows)
    since = datetime.now(UTC) - timedelta(hours=24)  # a moment before the dashboard's
    data = dashboard_data.summary(engine, redis_db, get_settings(), hours=24, tenant=tenant)
    params = {"since": since, "tenant": tenant}
    with engine.connect() as conn:
        totals = dict(conn.execute(_OLD_TOTALS, params).one()._mapping)
        by_layer = [dict(r._mapping) for r in conn.execute(_OLD_BY_LAYER, params)]
        by_type = [dict(r._mapping) for r in conn.execute(_OLD_BY_TYPE, params)]
        errors = [dict(r._mapping) for r in conn.execute(_OLD_ERRORS, params)]
    # Then the counts and sums are the raw rows'
    new = data["totals"]
    for key in ("jobs", "succeeded", "failed", "llm_tokens"):
        assert new[key] == totals[key], key
    for key in ("cost_usd", "saved_usd", "quality"):
        assert new[key] == pytest.approx(float(totals[key])), key
    assert data["by_type"] == by_type

    # Ties in jobs may come in either order (SQL puts NULL last, Python's "" first).
    def tie_free(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return sorted(rows, key=lambda e: (-e["jobs"], e["error_type"] or ""))

    assert tie_free(data["errors"]) == tie_free(errors)
    assert [(r["layer"], r["jobs"]) for r in data["by_layer"]] == [
        (r["layer"], r["jobs"]) for r in by_layer
    ]
    # And the percentiles are within one latency bucket of percentile_cont's
    for mine, exact in zip(data["by_layer"], by_layer, strict=True):
        assert close(mine["p50_ms"], exact["p50_ms"]), (mine, exact)
        assert close(mine["p95_ms"], exact["p95_ms"]), (mine, exact)


def test_the_trends_give_the_raw_rows_hourly_numbers(engine: Engine, tenant: str) -> None:
    now = datetime.now(UTC)
    with engine.connect() as conn:
        series = dashboard_trends.trends(conn, now=now, tenant=tenant, daily_budget_usd=1.0)
        since = dashboard_trends.window_start(now)
        raw = {r.bucket: r for r in conn.execute(_OLD_HOURLY, {"since": since, "tenant": tenant})}
    assert len(series["t"]) == dashboard_trends.BUCKETS
    for bucket in range(dashboard_trends.BUCKETS):
        row = raw.get(bucket)
        assert series["jobs"]["succeeded"][bucket] == (row.succeeded if row else 0)
        assert series["jobs"]["failed"][bucket] == (row.failed if row else 0)
        hits = row.l1_hits if row else 0
        rate = series["l1_hit_rate"][bucket]
        assert rate == (hits / row.succeeded if row and row.succeeded else None)


def test_the_spend_rebuild_is_the_raw_sum(
    engine: Engine, redis_db: redis.Redis, tenant: str
) -> None:
    month = spend.month_of()
    start, end = spend.month_bounds(month)
    with engine.connect() as conn:
        raw = conn.execute(
            text(
                "SELECT coalesce(sum(c.usd), 0) FROM costs c JOIN generations g "
                "ON g.id = c.generation_id WHERE g.tenant_id = :t AND c.created_at >= :start "
                "AND c.created_at < :end AND c.provider <> 'template'"
            ),
            {"t": tenant, "start": start, "end": end},
        ).scalar_one()
        rolled_part = conn.execute(
            text("SELECT count(*) FROM tenant_spend_hours WHERE tenant_id = :t"), {"t": tenant}
        ).scalar_one()
    assert rolled_part > 0  # the closed hours come from the rollups
    redis_db.delete(f"spend:{tenant}:{month}")
    assert spend.rebuild(redis_db, engine, tenant, month) == pytest.approx(float(raw))


@pytest.mark.parametrize(
    ("values", "q"),
    [([1500.0], 0.5), ([100.0, 200.0], 0.5), ([10.0, 11.0, 12.0, 13.0, 700.0], 0.95),
     ([float(v) for v in range(1, 400, 7)], 0.5)],
)  # fmt: skip
def test_a_percentile_from_buckets_is_within_one_bucket(values: list[float], q: float) -> None:
    cells: dict[int, list[float]] = {}
    for value in values:
        bucket = min(math.ceil(rollups.BUCKETS_PER_DOUBLING * math.log2(max(value, 1))), 89)
        cells.setdefault(bucket, []).append(value)
    histogram = [rollups.Cell(b, len(v), min(v), max(v)) for b, v in cells.items()]
    ordered = sorted(values)
    rank = q * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    exact = ordered[low] + (rank - low) * (ordered[high] - ordered[low])
    assert close(rollups.percentile(histogram, q), exact)


def cache_stat_rows(engine: Engine, start: datetime, end: datetime) -> list[Any]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                text(
                    "SELECT bucket_start, layer, hits, misses, lookup_ms_sum, saved_usd "
                    "FROM cache_stats WHERE bucket_start >= :a AND bucket_start < :b "
                    "ORDER BY 1, 2"
                ),
                {"a": start, "b": end},
            )
        )


def hourly_sums(rows: list[Any]) -> dict[tuple[datetime, str], tuple[Any, ...]]:
    """Per hour and layer: hits, misses, lookup ms (rounded: a float sum's last bits depend
    on its order) and saved USD."""
    sums: dict[tuple[datetime, str], list[Any]] = {}
    for r in rows:
        acc = sums.setdefault((r.bucket_start.replace(minute=0), r.layer), [0, 0, 0.0, Decimal(0)])
        for i, value in enumerate((r.hits, r.misses, r.lookup_ms_sum, r.saved_usd)):
            acc[i] += value
    return {key: (h, m, round(ms, 6), usd) for key, (h, m, ms, usd) in sums.items()}


def test_cache_stats_older_than_two_days_fold_into_hours_with_the_same_sums(
    engine: Engine,
) -> None:
    # Given minute buckets in two hours long ago (one hour's :00 bucket among them), and
    # minute buckets of yesterday
    rng = random.Random(11)
    old = this_hour() - timedelta(days=400 + rng.randrange(300))
    yesterday = this_hour() - timedelta(days=1)
    minutes = [old + timedelta(minutes=m) for m in (0, 1, 7, 59, 60 + 3, 60 + 42)]
    minutes += [yesterday + timedelta(minutes=m) for m in (5, 6)]
    with engine.begin() as conn:
        for moment in minutes:
            for layer in ("L0", "L1", "L4"):
                conn.execute(
                    text(
                        "INSERT INTO cache_stats VALUES (:t, :layer, :h, :m, :ms, :usd) "
                        "ON CONFLICT DO NOTHING"
                    ),
                    {"t": moment, "layer": layer, "h": rng.randrange(50), "m": rng.randrange(9),
                     "ms": rng.random() * 10, "usd": Decimal(rng.randrange(999)) / 10**5},
                )  # fmt: skip
    try:
        before_old = cache_stat_rows(engine, old, old + 2 * rollups.HOUR)
        before_recent = cache_stat_rows(engine, yesterday, yesterday + rollups.HOUR)
        # When the hours two days after the old ones are rolled, then a sweep, then again
        fold = old + rollups.CACHE_STATS_MINUTES_FOR
        rollups.roll(engine, fold, fold + 2 * rollups.HOUR)
        rollups.sweep(engine)
        folded = cache_stat_rows(engine, old, old + 2 * rollups.HOUR)
        rollups.roll(engine, fold, fold + 2 * rollups.HOUR)
        # Then each old hour is one bucket per layer, at :00, with its minutes' sums
        assert {(r.bucket_start, r.layer) for r in folded} == {
            (old + h * rollups.HOUR, layer) for h in (0, 1) for layer in ("L0", "L1", "L4")
        }
        assert hourly_sums(folded) == hourly_sums(before_old)
        # and rolling again changes nothing; yesterday's minutes are kept as they were
        assert cache_stat_rows(engine, old, old + 2 * rollups.HOUR) == folded
        assert cache_stat_rows(engine, yesterday, yesterday + rollups.HOUR) == before_recent
    finally:
        with engine.begin() as conn:
            for start in (old, yesterday):
                conn.execute(
                    text("DELETE FROM cache_stats WHERE bucket_start >= :a AND bucket_start < :b"),
                    {"a": start, "b": start + 2 * rollups.HOUR},
                )
