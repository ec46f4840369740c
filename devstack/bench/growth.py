"""Whether reads stay flat as the record grows: 10^4, 10^5 and 10^6 generations rows.

    python -m devstack.bench.growth        # or: make bench-growth

At each size the `generations` table is refilled (with its costs and per-minute
cache_stats; three months of history, 50 tenants with Zipf-like shares, ten component
types, the L1..L4 ladder's shares, ~5% failed or cancelled), VACUUM ANALYZEd, and each
read the API and the dashboard make is timed SAMPLES times: a job's status answered from
its row, /v1/usage, the dashboard's summary and page, and the analytics of DESIGN.md
(hit rate by layer over time, cost by component type, latency by layer, failures by
reason, spend by tenant). Prints p50 per size, the ratio 10^6 / 10^4, the scans the plan
uses at the largest size, and Redis bytes per job state and (devstack.bench.cache_memory)
per L1 entry at 10^3..10^5 entries.

Rows are written in created_at order, as a deployment writes them, so a time range is a
contiguous stretch of the heap. Runs on a database of its own (dropped afterwards) on
DATABASE_URL's server, or on the embedded Postgres when DATABASE_URL is unset; Redis is
REDIS_URL's (an empty database), or the embedded one.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from hashlib import md5
from pathlib import Path
from typing import Any

import boto3
import redis
from sqlalchemy import Connection, Engine, TextClause, create_engine, text

from workers.storage import rollups

SIZES = tuple(
    int(n) for n in os.environ.get("BENCH_GROWTH_SIZES", "10000,100000,1000000").split(",")
)
SAMPLES = int(os.environ.get("BENCH_GROWTH_SAMPLES", "60"))  # timed calls per query per size
HISTORY_DAYS = 90
TENANTS = 50
BUDGET_MS = 50.0
RATIO_MAX = 3.0
"""log n grows 1.5x from 10^4 to 10^6; a p50 within 3x of the 10^4 one (fixed costs
included) is called log-like, anything faster-growing is called linear in the rows read."""
TOP_TENANT = "tenant-01"  # the largest (~18% of jobs): the worst case of a tenant's reads
JOB_STATES = 20  # real job states written to measure their Redis bytes
ROOT = Path(__file__).resolve().parents[2]

Row = list[str]

# --- loading ---------------------------------------------------------------------------

_GENERATIONS = text(
    """
    INSERT INTO generations (id, component_id, component_type, component_name, tenant_id,
        created_at, started_at, finished_at, duration_ms, cache_layer, cache_key, pattern_id,
        provider, model, prompt_tokens, completion_tokens, cost_usd, saved_usd,
        quality_score, attempts, success, status, error_type, error_message, result)
    SELECT md5('job-' || i), md5('component-' || i), kind, initcap(kind) || (i % 97),
           tenant, created_at, created_at + interval '40 ms',
           created_at + interval '40 ms' + duration_ms * interval '1 ms', duration_ms,
           layer, md5('key-' || (i % greatest(:n / 3, 1))), kind || '-default',
           'openai', 'gpt-4o-mini',
           CASE WHEN layer = 'L4' THEN 900 + (r_cost * 600)::int ELSE 0 END,
           CASE WHEN layer = 'L4' THEN 1500 + (r_cost * 900)::int ELSE 0 END,
           CASE WHEN layer = 'L4' THEN round((0.004 + r_cost * 0.03)::numeric, 6) ELSE 0 END,
           CASE WHEN layer IN ('L1', 'L2', 'L3') THEN round((0.01 + r_cost * 0.02)::numeric, 6)
                ELSE 0 END,
           CASE WHEN status = 'succeeded' THEN 0.8 + r_cost * 0.2 END,
           1 + (r_cost < 0.03)::int, status = 'succeeded', status,
           CASE WHEN status = 'failed' THEN (ARRAY['ChainTimeout', 'LLMError',
                'QualityGateFailed', 'FigmaUnavailable', 'InvalidTokens'])[1 + (i % 5)] END,
           CASE WHEN status = 'failed' THEN 'the bench says so' END,
           CASE WHEN status = 'succeeded' THEN jsonb_build_object(
               'component_id', md5('component-' || i),
               'artifacts', jsonb_build_object(
                   'component.tsx', 'components/' || md5('component-' || i) || '/component.tsx',
                   'stories.tsx', 'components/' || md5('component-' || i) || '/stories.tsx',
                   'report.html', 'components/' || md5('component-' || i) || '/report.html'),
               'quality', jsonb_build_object('score', 0.8 + r_cost * 0.2, 'typescript', 'ok',
                   'reuse', CASE WHEN layer = 'L2' THEN jsonb_build_object(
                       'similarity', 0.9 + r_cost * 0.09) END),
               'pattern_id', kind || '-default',
               'cost', jsonb_build_object('usd', 0, 'prompt_tokens', 0,
                                          'completion_tokens', 0),
               'cache_key', md5('key-' || i), 'trace_url', NULL) END
    FROM (
        SELECT i, created_at,
               'tenant-' || lpad(floor(exp(r_tenant * ln(:tenants + 1)))::int::text, 2, '0')
                   AS tenant,
               (ARRAY['button', 'card', 'input', 'select', 'checkbox', 'radio', 'switch',
                      'tabs', 'badge', 'alert'])[1 + floor(r_type * 10)::int] AS kind,
               CASE WHEN r_outcome < 0.94 THEN 'succeeded'
                    WHEN r_outcome < 0.99 THEN 'failed' ELSE 'cancelled' END AS status,
               CASE WHEN r_outcome >= 0.94 THEN NULL
                    WHEN r_layer < 0.40 THEN 'L1' WHEN r_layer < 0.50 THEN 'L2'
                    WHEN r_layer < 0.65 THEN 'L3' ELSE 'L4' END AS layer,
               CASE WHEN r_outcome >= 0.94 THEN 1000 + r_cost * 20000
                    WHEN r_layer < 0.40 THEN 15 + r_cost * 30
                    WHEN r_layer < 0.50 THEN 200 + r_cost * 400
                    WHEN r_layer < 0.65 THEN 800 + r_cost * 1500
                    ELSE 8000 + r_cost * 30000 END AS duration_ms,
               r_cost
        FROM (
            SELECT i, :start + (i + random()) * (:span_s / :n) * interval '1 second'
                       AS created_at,
                   random() AS r_tenant, random() AS r_type, random() AS r_outcome,
                   random() AS r_layer, random() AS r_cost
            FROM generate_series(0, :n - 1) AS i
        ) draws
    ) job
    ORDER BY created_at
    """
)
# Two paid calls per L4 job, booked when it ended (workers.storage.records).
_COSTS = text(
    """
    INSERT INTO costs (generation_id, stage, provider, model, prompt_tokens,
                       completion_tokens, usd, created_at)
    SELECT id, stage, 'openai', 'gpt-4o-mini', prompt_tokens / 2, completion_tokens / 2,
           round(cost_usd / 2, 6), finished_at
    FROM generations, unnest(ARRAY['requirements', 'generate']) AS stage
    WHERE cache_layer = 'L4' ORDER BY finished_at
    """
)
# Each succeeded job looked up L1, then L2 and L3 until one answered; a third of them
# also asked Figma (L0), answered from the cache four times in five.
_CACHE_STATS = text(
    """
    INSERT INTO cache_stats (bucket_start, layer, hits, misses, lookup_ms_sum, saved_usd)
    SELECT date_trunc('minute', g.finished_at), e.layer, count(*) FILTER (WHERE e.hit),
           count(*) FILTER (WHERE NOT e.hit), sum(e.lookup_ms),
           coalesce(sum(g.saved_usd) FILTER (WHERE e.hit AND e.layer <> 'L0'), 0)
    FROM generations g CROSS JOIN LATERAL (VALUES
        ('L0', hashtext(g.id) % 5 <> 0, 40.0, hashtext(g.id) % 3 = 0),
        ('L1', g.cache_layer = 'L1', 0.4, true),
        ('L2', g.cache_layer = 'L2', 3.0, g.cache_layer >= 'L2'),
        ('L3', g.cache_layer = 'L3', 1.0, g.cache_layer >= 'L3')
    ) AS e(layer, hit, lookup_ms, looked)
    WHERE g.success AND e.looked
    GROUP BY 1, 2
    """
)


def job_id(index: int) -> str:
    """The id the loader gives row `index` (md5('job-' || i))."""
    return md5(f"job-{index}".encode()).hexdigest()


def load(engine: Engine, rows: int, *, now: datetime) -> dict[str, int]:
    """Replace the record with `rows` jobs over the HISTORY_DAYS before `now`, their costs
    and cache statistics; VACUUM ANALYZE (the visibility map and statistics autovacuum
    keeps for a deployment). Returns each table's row count."""
    span_s = HISTORY_DAYS * 86400.0
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL synchronous_commit = off"))
        conn.execute(
            text("TRUNCATE generations, costs, cache_stats, generation_rollups, tenant_spend_hours")
        )
        conn.execute(text("SELECT setseed(0.14)"))
        conn.execute(
            _GENERATIONS,
            {"n": rows, "start": now - timedelta(seconds=span_s), "span_s": span_s,
             "tenants": TENANTS},
        )  # fmt: skip
        conn.execute(_COSTS)
        conn.execute(_CACHE_STATS)
    # The rollups a deployment's sweep would have written for that history: the same
    # function over the loaded range, up to the current hour.
    rollups.roll(engine, now - timedelta(seconds=span_s), now)
    tables = ("generations", "costs", "cache_stats", "generation_rollups", "tenant_spend_hours")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"VACUUM ANALYZE {', '.join(tables)}"))
        return {
            table: int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
            for table in tables
        }


# --- the reads -------------------------------------------------------------------------


@dataclass(frozen=True)
class Read:
    """One read the API or the dashboard makes. `sql`: its statement and parameters, for
    the plan (None: several statements, timed as the endpoint's function)."""

    name: str
    call: Callable[[int], Any]
    sql: tuple[TextClause, Callable[[Connection], dict[str, Any]]] | None = None


def reads(engine: Engine, client: redis.Redis, rows: int) -> list[Read]:
    """The reads timed at each size, built over the app's own functions and statements."""
    from api import job_views
    from api.routes.usage import _MONTH, month_to_date
    from config.settings import get_settings
    from workers.observability import dashboard_data as dash
    from workers.observability import dashboard_trends as trends
    from workers.storage import spend
    from workers.storage.records import load_generation
    from workers.webhooks.deliveries import webhook_view

    settings = get_settings()
    s3 = boto3.client(
        "s3",
        region_name="us-east-1",
        endpoint_url="http://127.0.0.1:9",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
    )  # fmt: skip; presigning is local arithmetic: nothing is sent
    rng = random.Random(15)
    month = spend.month_of()
    start, _ = spend.month_bounds(month)

    def status(_: int) -> Any:
        found = job_id(rng.randrange(rows))
        row = load_generation(engine, found)
        assert row is not None, found
        view = job_views.from_row(row, s3, settings, with_webhook=False)
        webhook_view(engine, found, None)  # what from_row asks for its webhook
        return view

    def rebuilt_spend(_: int) -> float:
        client.delete(f"spend:{TOP_TENANT}:{month}")
        return spend.rebuild(client, engine, TOP_TENANT, month)

    def window(hours: float | None) -> Callable[[Connection], dict[str, Any]]:
        """[now - hours, now) as the dashboard reads it (rollups + raw rows); None: the
        trends' 25 hour points."""

        def params(conn: Connection) -> dict[str, Any]:
            now = datetime.now(UTC)
            since = trends.window_start(now) if hours is None else now - timedelta(hours=hours)
            return rollups.window(conn, since, days=hours is not None) | {
                "tenant": None, "today": now.replace(hour=0, minute=0),
                "bucket_s": trends.BUCKET_S, "last": trends.BUCKETS - 1,
            }  # fmt: skip

        return params

    def sql_read(
        name: str, statement: TextClause, params: Callable[[Connection], dict[str, Any]]
    ) -> Read:
        def call(_: int) -> Any:
            with engine.connect() as conn:
                return conn.execute(statement, params(conn)).all()

        return Read(name, call, (statement, params))

    def usage_params(conn: Connection) -> dict[str, Any]:
        return rollups.window(conn, start) | {"tenant": TOP_TENANT}

    day, month_window, hours = window(24), window(24 * 30), window(None)
    return [
        Read("status from Postgres (row + webhook)", status,
             (text("SELECT * FROM generations WHERE id = :id"), lambda _: {"id": job_id(0)})),
        Read(f"/v1/usage ({TOP_TENANT}, month to date)",
             lambda _: month_to_date(engine, client, settings, TOP_TENANT),
             (_MONTH, usage_params)),
        Read(f"usage spend rebuilt from Postgres ({TOP_TENANT})", rebuilt_spend),
        Read("dashboard summary, admin, 24 h",
             lambda _: dash.summary(engine, client, settings, hours=24, tenant=None)),
        Read(f"dashboard summary, {TOP_TENANT}, 24 h",
             lambda _: dash.summary(engine, client, settings, hours=24, tenant=TOP_TENANT)),
        Read("dashboard page data, admin",
             lambda _: dash.overview(engine, client, settings, tenant=None, presign=str)),
        Read(f"dashboard page data, {TOP_TENANT}",
             lambda _: dash.overview(engine, client, settings, tenant=TOP_TENANT, presign=str)),
        sql_read("recent jobs (summary), admin", dash._RECENT, day),
        sql_read("hit rate by layer over time, 24 h", trends._OUTCOMES, hours),
        sql_read("hit rate by layer (cache_stats), 24 h", dash._CACHE, day),
        sql_read("cost by component type, 24 h", _COST_BY_TYPE, day),
        sql_read("latency by layer, 24 h", dash._BY_LAYER, day),
        sql_read("latency by layer over time, 24 h", trends._LATENCY, hours),
        sql_read("failures by reason, 24 h", dash._ERRORS, day),
        sql_read("spend by tenant, 24 h", dash._BY_TENANT, day),
        sql_read("hit rate by layer (cache_stats), 30 days", dash._CACHE, month_window),
        sql_read("latency by layer, 30 days", dash._BY_LAYER, month_window),
        sql_read("spend by tenant, 30 days", dash._BY_TENANT, month_window),
    ]  # fmt: skip


# No panel shows it yet: DESIGN.md's "cost by component type", as a panel would ask it.
_COST_BY_TYPE = text(
    f"""
    SELECT component_type, sum(jobs) AS jobs, coalesce(sum(cost_usd), 0) AS cost_usd,
           coalesce(sum(saved_usd), 0) AS saved_usd
    FROM ({rollups.source("type")}) s GROUP BY 1 ORDER BY 3 DESC
    """
)


def p50_ms(read: Read, samples: int) -> float:
    """The median of `samples` calls (after two to warm the connection and the plan)."""
    for i in range(2):
        read.call(i)
    times = []
    for i in range(samples):
        started = time.perf_counter()
        read.call(i)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def scans(engine: Engine, read: Read) -> str:
    """The scan nodes of the read's plan (EXPLAIN ANALYZE, BUFFERS), e.g. `Index Scan
    ix_generations_created_at`; `-` for a read timed as several statements."""
    if read.sql is None:
        return "-"
    statement, params = read.sql
    with engine.connect() as conn:
        plan = conn.execute(
            text(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {statement.text}"), params(conn)
        ).scalar_one()
    found: list[str] = []

    def walk(node: dict[str, Any]) -> None:
        kind = node["Node Type"]
        if "Scan" in kind and kind != "Bitmap Heap Scan":
            label = f"{kind} {node.get('Index Name') or node.get('Relation Name', '')}".strip()
            if label not in found:
                found.append(label)
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return ", ".join(found)


# --- Redis bytes per job state ---------------------------------------------------------


def job_state_bytes(client: redis.Redis) -> list[Row]:
    """MEMORY USAGE of real job states (the hash and its event stream), written by
    workers.storage.job_state as a job moves: accepted, running its five steps, ended
    (succeeded, with an L1-sized result). Keys deleted afterwards."""
    from config.settings import get_settings
    from core.keys import events_key, job_key
    from core.result import JobResult
    from core.state import JobStatus
    from devstack.bench.cache_memory import sample_records
    from workers.chain.steps import STEP_NAMES
    from workers.storage import job_state

    settings = get_settings()
    exemplars = sorted((ROOT / "samples" / "exemplars").glob("*.json"))
    # A job's body as the API receives it (the exporter's format has no component_type).
    specs = [s for p in exemplars if "component_type" in (s := json.loads(p.read_text()))]
    records = sample_records()
    queued, ended = [], []
    ids = [uuid.uuid4().hex for _ in range(JOB_STATES)]
    try:
        for index, found in enumerate(ids):
            spec = {**specs[index % len(specs)], "tenant_id": TOP_TENANT}
            job_state.create_queued(client, found, spec, ttl_s=settings.job_state_ttl_s)
            queued.append(_state_bytes(client, job_key(found), events_key(found)))
            job_state.mark_running(client, found, stage="cache_lookup", cache_key="k" * 64)
            for step in STEP_NAMES:
                job_state.set_stage(client, found, step)
            record = records[index % len(records)]
            result = JobResult(
                component_id=record.component_id, artifacts=record.artifact_keys,
                quality=record.quality, pattern_id=record.pattern_id, cost=record.cost,
                cache_key="k" * 64,
            )  # fmt: skip
            job_state.finish(
                client, found, status=JobStatus.SUCCEEDED, ttl_s=settings.ended_job_state_ttl_s,
                cache_layer="L4", timings_ms={s: 12.5 for s in STEP_NAMES}, result=result,
            )  # fmt: skip
            ended.append(_state_bytes(client, job_key(found), events_key(found)))
    finally:
        for found in ids:
            client.delete(job_key(found), events_key(found))
        from core.keys import LIVE_JOBS

        client.zrem(LIVE_JOBS, *ids)
    return [
        [label, *(f"{statistics.median(s[i] for s in sizes):.0f}" for i in range(3))]
        for label, sizes in (("queued (just accepted)", queued), ("ended (succeeded, L4)", ended))
    ]


def _state_bytes(client: redis.Redis, *keys: str) -> tuple[int, int, int]:
    hash_bytes, stream_bytes = (int(client.memory_usage(k, samples=0) or 0) for k in keys)
    return hash_bytes, stream_bytes, hash_bytes + stream_bytes


# --- the run ---------------------------------------------------------------------------


def measure(database_url: str, redis_url: str) -> tuple[list[Row], dict[int, dict[str, int]]]:
    """p50 of every read at each of SIZES on `database_url` (a database of the bench's
    own: migrated here, refilled at each size). Rows: read, p50 per size, ratio, verdict,
    scans at the largest size. Also returns the table sizes loaded."""
    os.environ["DATABASE_URL"] = database_url  # the app's engine (limits_of) reads it
    from config.settings import get_settings
    from workers.clients import db_engine

    get_settings.cache_clear()
    subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"], cwd=ROOT, check=True,
        env={**os.environ, "DATABASE_URL": database_url}, capture_output=True,
    )  # fmt: skip
    engine = db_engine()  # the app's own, as the API reads with it (15 s statement timeout)
    loader = create_engine(database_url)  # no timeout: loading 10^6 rows takes minutes
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    p50s: dict[str, list[float]] = {}
    plans: dict[str, str] = {}
    loaded: dict[int, dict[str, int]] = {}
    try:
        for rows in SIZES:
            started = time.perf_counter()
            loaded[rows] = load(loader, rows, now=datetime.now(UTC))
            print(f"  {rows:>9,} jobs loaded in {time.perf_counter() - started:.1f} s: "
                  f"{loaded[rows]}", flush=True)  # fmt: skip
            for read in reads(engine, client, rows):
                p50s.setdefault(read.name, []).append(p50_ms(read, SAMPLES))
                if rows == SIZES[-1]:
                    plans[read.name] = scans(engine, read)
    finally:
        for key in client.scan_iter("spend:*"):
            client.delete(key)
        client.close()
        loader.dispose()
    return [_verdict(name, times, plans.get(name, "")) for name, times in p50s.items()], loaded


def _verdict(name: str, times: list[float], plan: str) -> Row:
    ratio = times[-1] / times[0]
    fits = times[-1] < BUDGET_MS
    grows = "log-like" if ratio <= RATIO_MAX else "linear"
    verdict = f"{'ok' if fits else 'OVER'} < {BUDGET_MS:.0f} ms, {grows}"
    return [name, *(f"{t:.2f}" for t in times), f"{ratio:.1f}", verdict, plan]


@contextmanager
def services() -> Iterator[tuple[str, str]]:
    """(DATABASE_URL of a database of the bench's own, REDIS_URL): the environment's
    servers when set, else embedded ones."""
    from devstack.databases import own_database
    from devstack.services import local_services

    with tempfile.TemporaryDirectory(prefix="cf-bench-growth-") as workdir:
        env = dict(os.environ)
        if env.get("DATABASE_URL") and env.get("REDIS_URL"):
            with own_database(env["DATABASE_URL"], "cf_growth") as url:
                yield url, env["REDIS_URL"]
            return
        with local_services(Path(workdir), env=env) as started:
            server = env.get("DATABASE_URL") or started["DATABASE_URL"]
            with own_database(server, "cf_growth") as url:
                yield url, env.get("REDIS_URL") or started["REDIS_URL"]


def report(growth: list[Row], job_bytes: list[Row], l1: list[Row] | None) -> None:
    from devstack.bench.cache_memory import GROWTH_HEADER
    from devstack.bench.run import table

    header = ["read", *(f"p50 ms {n:,}" for n in SIZES), f"{SIZES[-1]:,}/{SIZES[0]:,}",
              "verdict", f"scans at {SIZES[-1]:,}"]  # fmt: skip
    table(f"Reads as generations grow (median of {SAMPLES} calls; {HISTORY_DAYS} days of "
          f"history, {TENANTS} tenants)", header, growth)  # fmt: skip
    table("Redis bytes per job state (MEMORY USAGE, median of "
          f"{JOB_STATES} real states)", ["state", "job:{id}", "job-events:{id}", "total"],
          job_bytes)  # fmt: skip
    if l1 is not None:
        table("L1 entries (devstack.bench.cache_memory)", GROWTH_HEADER, l1)


def run(*, with_l1: bool = True) -> tuple[list[Row], list[Row], list[Row] | None]:
    """The growth table, the job-state bytes and (`with_l1`) the L1 table; what
    devstack.bench.run calls to print them with its own."""
    from devstack.bench import cache_memory

    with services() as (database_url, redis_url):
        client = redis.Redis.from_url(redis_url, decode_responses=True)
        try:
            if client.dbsize():
                raise SystemExit(f"{redis_url}: not an empty database")
            l1 = cache_memory.run(redis_url) if with_l1 else None
            job_bytes = job_state_bytes(client)
        finally:
            client.close()
        growth, _ = measure(database_url, redis_url)
    return growth, job_bytes, l1


def main() -> int:
    print(f"growth bench: sizes {', '.join(f'{n:,}' for n in SIZES)}; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)  # fmt: skip
    report(*run(with_l1=os.environ.get("BENCH_GROWTH_L1", "on") != "off"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
