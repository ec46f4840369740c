"""Hourly and daily rollups of generations (generation_rollups) and of tenants' paid costs
(tenant_spend_hours), and the SQL that reads a time window from them. The same sweep folds
cache_stats' minute buckets older than CACHE_STATS_MINUTES_FOR into one bucket per hour
(its sums unchanged, so every reader of a range stays right): 30 days of it are then
~700 hour rows per layer, not 43,200 minute rows.

Why: a window aggregate over raw rows costs the rows in the window (30 days at 10^6 rows:
~300k rows, 300+ ms). Over rollups it costs the hours and days in the window.

Grains (a row's dimensions; the others hold '*', a NULL one holds ''):
- layer:   cache_layer, status             (counts, cost, saved, tokens, quality, similarity)
- type:    component_type
- error:   status, error_type
- latency: cache_layer, latency_bucket     (succeeded jobs only; -1: no duration)
- tenant:  nothing but the tenant          (per tenant only: the admin's spend by tenant)
Each grain has a row per tenant and one for every tenant together (tenant_id '*'), so an
admin's read touches a few rows per hour, not one per tenant.

Latency is a histogram: bucket i holds durations in (2^((i-1)/4), 2^(i/4)] ms (bucket 0:
<= 1 ms, the last: everything above ~82 min), with each bucket's min and max. A percentile
is interpolated between the observed min and max of the bucket its rank falls in, so it is
exact when a bucket holds one or two values, and otherwise off by less than one bucket's
width (a factor 2^(1/4): < 19%, typically far less).

Filled by `sweep`: one worker main process at a time (Redis lock, like the reaper) rolls
the closed hours since the last rolled one (the first time: all of history, a day per
transaction), and rolls again the last RE_ROLL_HOURS closed hours every time, for rows
that arrive late (rows are keyed by created_at, the job's acceptance; a row is written
when the job ends, or when the bookkeeping spool replays it). An hour is rewritten whole
(delete + insert) in one transaction; a UTC day's row is summed from its 24 hours once
the day is closed. A row later than RE_ROLL_HOURS after its hour closed is missed by the
rollups until `python -m workers.storage.rollups --since <ISO time>` rolls again.

Reads (`window`, `source`): [since, now) = day rows for whole UTC days + hour rows for
the other whole hours up to the last rolled hour + raw rows for the rest (the partial
first hour, the current hour, anything not rolled yet). Never rolled: everything raw.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import redis
from sqlalchemy import Connection, Engine, text

logger = logging.getLogger(__name__)

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
RE_ROLL_HOURS = 2
"""Closed hours rolled again by every sweep: a row up to this late is counted."""
BATCH_HOURS = 24
"""Hours rolled per transaction (the first sweep rolls all of history this way)."""
SWEEP_INTERVAL_S = 300.0
LOCK_KEY = "rollups:lock"
"""Held (SET NX PX) by the one process sweeping this interval."""
ALL_TENANTS = "*"
CACHE_STATS_MINUTES_FOR = timedelta(days=2)
"""cache_stats keeps minute buckets this long, then one bucket per hour (at :00)."""
BUCKETS_PER_DOUBLING = 4
LATENCY_BUCKETS = 90
NO_DURATION = -1

GRAINS: dict[str, dict[str, str]] = {
    "layer": {"cache_layer": "coalesce(g.cache_layer, '')", "status": "g.status"},
    "type": {"component_type": "g.component_type"},
    "error": {"status": "g.status", "error_type": "coalesce(g.error_type, '')"},
    "latency": {
        "cache_layer": "coalesce(g.cache_layer, '')",
        "latency_bucket": (
            f"CASE WHEN g.duration_ms IS NULL THEN {NO_DURATION} ELSE least(greatest("
            f"ceil({BUCKETS_PER_DOUBLING} * ln(greatest(g.duration_ms, 1)) / ln(2)), 0), "
            f"{LATENCY_BUCKETS - 1}) END"
        ),
    },
    "tenant": {},
}
_ONLY = {"latency": "g.success"}
_PER_TENANT_ONLY = frozenset({"tenant"})
KEYS = ("component_type", "cache_layer", "status", "error_type", "latency_bucket")
MEASURES = (
    "jobs", "succeeded", "failed", "cost_usd", "saved_usd", "llm_tokens", "quality_sum",
    "quality_n", "similarity_sum", "similarity_n", "duration_min", "duration_max",
)  # fmt: skip
_SIMILARITY = "(g.result #>> '{quality,reuse,similarity}')::float"
_RAW_MEASURES = f"""
    count(*) AS jobs, count(*) FILTER (WHERE g.success) AS succeeded,
    count(*) FILTER (WHERE g.status = 'failed') AS failed,
    coalesce(sum(g.cost_usd), 0) AS cost_usd, coalesce(sum(g.saved_usd), 0) AS saved_usd,
    coalesce(sum(g.prompt_tokens + g.completion_tokens), 0) AS llm_tokens,
    coalesce(sum(g.quality_score), 0) AS quality_sum, count(g.quality_score) AS quality_n,
    coalesce(sum({_SIMILARITY}), 0) AS similarity_sum, count({_SIMILARITY}) AS similarity_n,
    min(g.duration_ms) AS duration_min, max(g.duration_ms) AS duration_max"""
_SUMMED_MEASURES = """
    sum(jobs), sum(succeeded), sum(failed), sum(cost_usd), sum(saved_usd), sum(llm_tokens),
    sum(quality_sum), sum(quality_n), sum(similarity_sum), sum(similarity_n),
    min(duration_min), max(duration_max)"""
_COLUMNS = f"grain, period_start, tenant_id, {', '.join(KEYS)}, {', '.join(MEASURES)}"


def raw_select(grain: str, *, tenant: str, where: str) -> str:
    """Raw generations rows (alias g) matching `where`, in `grain`'s shape, per hour.
    `tenant`: the SQL of the tenant_id column (a tenant's, or ALL_TENANTS quoted)."""
    dims = GRAINS[grain]
    keys = [
        f"{dims.get(k, str(NO_DURATION) if k == 'latency_bucket' else repr(ALL_TENANTS))} AS {k}"
        for k in KEYS
    ]
    conditions = " AND ".join(f"({c})" for c in (where, _ONLY.get(grain)) if c)
    return f"""
    SELECT '{grain}' AS grain, date_trunc('hour', g.created_at, 'UTC') AS period_start,
           {tenant} AS tenant_id, {", ".join(keys)}, {_RAW_MEASURES}
    FROM generations g WHERE {conditions}
    GROUP BY 2, 3, 4, 5, 6, 7, 8"""


# --- reads -----------------------------------------------------------------------------

_ROLLED_UNTIL = text(
    """
    SELECT max(period_start) FROM generation_rollups
    WHERE grain = 'layer' AND tenant_id = '*' AND period_hours = 1
    """
)


def rolled_until(conn: Connection) -> datetime | None:
    """The end of the last rolled hour that had jobs (None: nothing rolled). Hours before
    it are in the rollups; the empty hours a sweep rolled after it are read raw (cheaply)."""
    last = conn.execute(_ROLLED_UNTIL).scalar_one()
    return None if last is None else last + HOUR


def _floor(moment: datetime, step: timedelta) -> datetime:
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    return epoch + (moment - epoch) // step * step


def _ceil(moment: datetime, step: timedelta) -> datetime:
    floor = _floor(moment, step)
    return floor if floor == moment else floor + step


@dataclass(frozen=True)
class Window:
    """How [since, now) is read: day rows in [d_from, d_to), hour rows in [h_from, d_from)
    and [d_to, h_to), raw rows in [since, h_from) and from h_to on."""

    since: datetime
    h_from: datetime
    h_to: datetime
    d_from: datetime
    d_to: datetime

    def params(self) -> dict[str, datetime]:
        return {"since": self.since, "h_from": self.h_from, "h_to": self.h_to,
                "d_from": self.d_from, "d_to": self.d_to}  # fmt: skip


def plan(since: datetime, rolled: datetime | None, *, days: bool = True) -> Window:
    """The window from `since` given rollups up to `rolled` (no I/O). `days` False: hour
    rows only (a read grouped by hour)."""
    h_from = _ceil(since, HOUR)
    if rolled is None or rolled <= h_from:
        return Window(since, since, since, since, since)  # all raw
    d_from, d_to = _ceil(h_from, DAY), _floor(rolled, DAY)
    if not days or d_from >= d_to:
        d_from = d_to = rolled
    return Window(since, h_from, rolled, d_from, d_to)


def window(conn: Connection, since: datetime, *, days: bool = True) -> dict[str, datetime]:
    """The parameters `source` reads [since, now) with (one indexed look-up)."""
    return plan(since, rolled_until(conn), days=days).params()


RAW_RANGE = "((g.created_at >= :since AND g.created_at < :h_from) OR g.created_at >= :h_to)"
"""Two ranges, so that the planner bounds two index scans (one range + a filter on the OR
would read every row of the window)."""
_TENANT = "(CAST(:tenant AS text) IS NULL OR g.tenant_id = :tenant)"


def source(grain: str, *, per_tenant: bool = False) -> str:
    """SQL of `grain`'s rows over the window (parameters: `window`'s and :tenant, None for
    every tenant): rollup rows and raw rows aggregated alike, to be summed by the caller.
    `per_tenant`: every tenant's own rows (tenant_id '' is the jobs without a tenant)."""
    scope = (
        "r.tenant_id <> '*'" if per_tenant else "r.tenant_id = coalesce(CAST(:tenant AS text), '*')"
    )
    rolled = f"SELECT {_COLUMNS} FROM generation_rollups r WHERE r.grain = '{grain}' AND {scope}"
    tenant = "coalesce(g.tenant_id, '')" if per_tenant else repr(ALL_TENANTS)
    return f"""
    {rolled} AND r.period_hours = 24 AND r.period_start >= :d_from AND r.period_start < :d_to
    UNION ALL
    {rolled} AND r.period_hours = 1 AND r.period_start >= :h_from AND r.period_start < :d_from
    UNION ALL
    {rolled} AND r.period_hours = 1 AND r.period_start >= :d_to AND r.period_start < :h_to
    UNION ALL
    {raw_select(grain, tenant=tenant, where=f"{RAW_RANGE} AND {_TENANT}")}"""


@dataclass(frozen=True)
class Cell:
    """One latency bucket's share of a set of jobs."""

    bucket: int
    jobs: int
    min_ms: float
    max_ms: float


def percentile(cells: list[Cell], q: float) -> float | None:
    """percentile_cont(q) of the durations the cells hold, estimated (see the module doc).
    None when they hold no duration."""
    cells = sorted((c for c in cells if c.bucket != NO_DURATION and c.jobs), key=lambda c: c.bucket)
    total = sum(c.jobs for c in cells)
    if not total:
        return None
    rank = q * (total - 1)

    def value_at(k: int) -> float:
        before = 0
        for cell in cells:
            if k < before + cell.jobs:
                if cell.jobs == 1:
                    return cell.min_ms
                return cell.min_ms + (k - before) / (cell.jobs - 1) * (cell.max_ms - cell.min_ms)
            before += cell.jobs
        return cells[-1].max_ms

    low = int(rank)
    below = value_at(low)
    return below if rank == low else below + (rank - low) * (value_at(low + 1) - below)


# --- the sweep -------------------------------------------------------------------------


def _insert(select: str) -> str:
    return f"""
    INSERT INTO generation_rollups (period_hours, {_COLUMNS})
    SELECT 1, {_COLUMNS} FROM ({select}) AS hour_rows"""


_DELETE_HOURS = text(
    "DELETE FROM generation_rollups WHERE period_hours = 1 AND period_start >= :a "
    "AND period_start < :b"
)
_HOURS = [
    text(
        _insert(raw_select(grain, tenant=tenant, where="g.created_at >= :a AND g.created_at < :b"))
    )
    for grain in GRAINS
    for tenant in ("coalesce(g.tenant_id, '')", repr(ALL_TENANTS))
    if tenant != repr(ALL_TENANTS) or grain not in _PER_TENANT_ONLY
]
_DELETE_DAYS = text(
    "DELETE FROM generation_rollups WHERE period_hours = 24 AND period_start >= :a "
    "AND period_start < :b"
)
_DAYS = text(
    f"""
    INSERT INTO generation_rollups (period_hours, {_COLUMNS})
    SELECT 24, grain, date_trunc('day', period_start, 'UTC'), tenant_id, {", ".join(KEYS)},
           {_SUMMED_MEASURES}
    FROM generation_rollups
    WHERE period_hours = 1 AND period_start >= :a AND period_start < :b
    GROUP BY grain, 3, tenant_id, {", ".join(KEYS)}
    """
)
_SPEND_DELETE = text("DELETE FROM tenant_spend_hours WHERE hour >= :a AND hour < :b")
_SPEND = text(
    """
    INSERT INTO tenant_spend_hours (tenant_id, hour, paid_usd)
    SELECT g.tenant_id, date_trunc('hour', c.created_at, 'UTC'), sum(c.usd)
    FROM costs c JOIN generations g ON g.id = c.generation_id
    WHERE c.created_at >= :a AND c.created_at < :b AND g.tenant_id IS NOT NULL
      AND c.provider <> ALL(:free)
    GROUP BY 1, 2
    """
)
_FOLD_CACHE_STATS = text(
    """
    WITH minutes AS (
        DELETE FROM cache_stats
        WHERE bucket_start >= :a AND bucket_start < :b
          AND bucket_start <> date_trunc('hour', bucket_start, 'UTC')
        RETURNING *
    )
    INSERT INTO cache_stats AS c (bucket_start, layer, hits, misses, lookup_ms_sum, saved_usd)
    SELECT date_trunc('hour', bucket_start, 'UTC'), layer, sum(hits), sum(misses),
           sum(lookup_ms_sum), sum(saved_usd)
    FROM minutes GROUP BY 1, 2
    ON CONFLICT (bucket_start, layer) DO UPDATE SET
        hits = c.hits + excluded.hits, misses = c.misses + excluded.misses,
        lookup_ms_sum = c.lookup_ms_sum + excluded.lookup_ms_sum,
        saved_usd = c.saved_usd + excluded.saved_usd
    """
)
"""Folds the minute buckets of [a, b) into their hour's :00 bucket (which it keeps)."""
_FIRST = text(
    """
    SELECT least((SELECT min(created_at) FROM generations), (SELECT min(created_at) FROM costs))
    """
)


def roll(engine: Engine, start: datetime, end: datetime) -> int:
    """Roll the hours of [start, end) (floored to hours) again, BATCH_HOURS per
    transaction, and the UTC days they close; fold cache_stats' minutes of the same hours
    CACHE_STATS_MINUTES_FOR earlier. Idempotent. Returns the hours rolled."""
    from workers.storage.spend import FREE_PROVIDERS

    a, end = _floor(start, HOUR), _floor(end, HOUR)
    hours = 0
    while a < end:
        b = min(a + BATCH_HOURS * HOUR, end)
        bounds = {"a": a, "b": b}
        with engine.begin() as conn:
            conn.execute(_DELETE_HOURS, bounds)
            for statement in _HOURS:
                conn.execute(statement, bounds)
            conn.execute(_SPEND_DELETE, bounds)
            conn.execute(_SPEND, bounds | {"free": sorted(FREE_PROVIDERS)})
            # The hours CACHE_STATS_MINUTES_FOR before these: idempotent, like the rest.
            conn.execute(
                _FOLD_CACHE_STATS, {k: v - CACHE_STATS_MINUTES_FOR for k, v in bounds.items()}
            )
            days = {"a": _floor(a, DAY), "b": _floor(b, DAY)}  # the closed days it touched
            if days["a"] < days["b"]:
                conn.execute(_DELETE_DAYS, days)
                conn.execute(_DAYS, days)
        hours += (b - a) // HOUR
        a = b
    return hours


def sweep(engine: Engine, *, now: datetime | None = None) -> int:
    """Roll the closed hours not rolled yet and the last RE_ROLL_HOURS closed ones.
    Returns the hours rolled."""
    now_hour = _floor(now or datetime.now(UTC), HOUR)
    with engine.connect() as conn:
        rolled = rolled_until(conn)
        first = conn.execute(_FIRST).scalar_one() if rolled is None else None
    if rolled is None and first is None:
        return 0  # no history yet
    start = min(rolled or first, now_hour - RE_ROLL_HOURS * HOUR)
    return roll(engine, start, now_hour)


def sweep_once(engine: Engine, client: redis.Redis, *, interval_s: float) -> int | None:
    """`sweep`, if this process takes the lock for the interval (None: another has it)."""
    token = f"{socket.gethostname()}:{os.getpid()}"
    if not client.set(LOCK_KEY, token, nx=True, px=max(int(interval_s * 1000), 1)):
        return None
    return sweep(engine)


def start(interval_s: float = SWEEP_INTERVAL_S) -> threading.Event:
    """Sweep every `interval_s` from a daemon thread (the first soon after start); set the
    returned event to stop."""
    from workers.clients import db_engine, redis_client

    stop = threading.Event()

    def loop() -> None:
        wait_s = min(interval_s, 30.0)
        while not stop.wait(wait_s):
            wait_s = interval_s
            try:
                hours = sweep_once(db_engine(), redis_client(), interval_s=interval_s)
                if hours:
                    logger.debug("rollups: %d hours rolled", hours)
            except Exception:
                logger.warning("rollups: sweep failed; next in %.0f s", interval_s, exc_info=True)

    threading.Thread(target=loop, name="rollups", daemon=True).start()
    return stop


def main(argv: list[str] | None = None) -> None:
    """python -m workers.storage.rollups [--since ISO]: roll again from `--since` (default:
    all of history) to the current hour, e.g. after rows arrived later than RE_ROLL_HOURS."""
    from workers.clients import db_engine

    parser = argparse.ArgumentParser(prog="python -m workers.storage.rollups")
    parser.add_argument("--since", type=datetime.fromisoformat, default=None)
    args = parser.parse_args(argv)
    engine = db_engine()
    since: datetime | None = args.since
    if since is None:
        with engine.connect() as conn:
            since = conn.execute(_FIRST).scalar_one()
    if since is None:
        print("no history to roll")
        return
    since = since if since.tzinfo else since.replace(tzinfo=UTC)
    hours = roll(engine, _floor(since, DAY), _floor(datetime.now(UTC), HOUR))
    print(f"{hours} hours rolled since {_floor(since, DAY).isoformat()}")


if __name__ == "__main__":
    main()
