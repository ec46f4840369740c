"""Bookkeeping writes a job's row, costs and cache statistics exactly once."""

from __future__ import annotations

import pickle
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, text

from core.result import CostLine
from workers.storage.generation_row import GenerationRow
from workers.storage.records import CacheEvent, load_generation, minute_bucket, record_generation

pytestmark = pytest.mark.integration


def make_row(**overrides: Any) -> GenerationRow:
    now = datetime.now(UTC)
    row: dict[str, Any] = {
        "id": uuid.uuid4().hex,
        "component_type": "button",
        "component_name": "PrimaryButton",
        "created_at": now,
        "finished_at": now,
        "cache_layer": "L4",
        "success": True,
        "attempts": 1,
        "cost_usd": Decimal("0.0123"),
    }
    return GenerationRow(**(row | overrides))


def stats(engine: Engine, bucket: datetime, layer: str) -> tuple[int, int, Decimal]:
    with engine.connect() as conn:
        found = conn.execute(
            text(
                "SELECT hits, misses, saved_usd FROM cache_stats "
                "WHERE bucket_start = :bucket AND layer = :layer"
            ),
            {"bucket": bucket, "layer": layer},
        ).one_or_none()
    return tuple(found) if found else (0, 0, Decimal(0))  # type: ignore[return-value]


def rows(engine: Engine, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql), params)]


def test_recording_twice_writes_once(engine: Engine) -> None:
    # A unique layer name keeps this test's statistics apart from other tests' jobs.
    layer = f"T{uuid.uuid4().hex[:6]}"
    row = make_row()
    cost = CostLine(
        "generate_code", "openai", "m", prompt_tokens=10, completion_tokens=5, usd=0.0123
    )
    events = [CacheEvent(layer, hit=False, lookup_ms=0.4)]

    assert record_generation(engine, row, costs=[cost], cache_events=events) is True
    assert record_generation(engine, row, costs=[cost], cache_events=events) is False

    with engine.connect() as conn:
        costs = conn.execute(
            text("SELECT count(*) FROM costs WHERE generation_id = :id"), {"id": row.id}
        ).scalar_one()
    assert costs == 1
    assert stats(engine, minute_bucket(row.finished_at), layer) == (0, 1, Decimal(0))
    loaded = load_generation(engine, row.id)
    assert loaded is not None and loaded.cost_usd == Decimal("0.0123")


def test_cache_stats_accumulate_per_minute_and_layer(engine: Engine) -> None:
    layer = f"T{uuid.uuid4().hex[:6]}"
    moment = datetime.now(UTC)
    for hit in (True, True, False):
        record_generation(
            engine,
            make_row(finished_at=moment),
            cache_events=[CacheEvent(layer, hit=hit, lookup_ms=1.0, saved_usd=Decimal("0.5"))],
        )
    assert stats(engine, minute_bucket(moment), layer) == (2, 1, Decimal("1.5"))


def test_costs_keep_the_calls_order_and_values(engine: Engine) -> None:
    row = make_row()
    calls = [
        CostLine(stage, "openai", model, prompt_tokens=i, completion_tokens=2 * i, usd=0.001 * i)
        for i, (stage, model) in enumerate(
            [("extract_tokens", "m1"), ("propose_requirements", None), ("generate_code", "m2")],
            start=1,
        )
    ]
    record_generation(engine, row, costs=calls)
    found = rows(
        engine,
        "SELECT stage, model, prompt_tokens, completion_tokens, usd, created_at "
        "FROM costs WHERE generation_id = :id ORDER BY id",
        id=row.id,
    )
    assert [tuple(f[:5]) for f in found] == [
        (c.stage, c.model, c.prompt_tokens, c.completion_tokens, Decimal(str(c.usd))) for c in calls
    ]
    assert {f[5] for f in found} == {row.finished_at}


def test_one_jobs_events_of_a_layer_are_summed_and_defaults_apply(engine: Engine) -> None:
    layer = f"T{uuid.uuid4().hex[:6]}"
    row = make_row(attempts=None, cost_usd=None)  # left to the model's defaults
    events = [
        CacheEvent(layer, hit=False, lookup_ms=1.0),
        CacheEvent(layer, hit=True, lookup_ms=2.0, saved_usd=Decimal("0.25")),
    ]
    assert record_generation(engine, row, cache_events=events) is True
    assert stats(engine, minute_bucket(row.finished_at), layer) == (1, 1, Decimal("0.25"))
    stored = rows(
        engine,
        "SELECT attempts, cost_usd, prompt_tokens, result IS NULL FROM generations WHERE id = :id",
        id=row.id,
    )
    assert stored == [(1, Decimal(0), 0, True)]


def test_a_refused_recording_leaves_nothing_and_its_connection_usable(engine: Engine) -> None:
    # Given a row Postgres refuses (a type longer than its column) after the BEGIN
    bad = make_row(component_type="x" * 100)
    with pytest.raises(Exception, match="too long"):
        record_generation(engine, bad, costs=[CostLine("generate_code", "openai", "m", 1, 1, 0.1)])
    # Then nothing of it is stored, and the pooled connections are in no transaction
    for _ in range(engine.pool.size() + 1):
        with engine.connect() as conn:
            status = conn.connection.dbapi_connection.info.transaction_status  # type: ignore[union-attr]
            assert status == 0, "a connection went back to the pool mid-transaction"
            assert (
                conn.execute(
                    text("SELECT count(*) FROM costs WHERE generation_id = :id"), {"id": bad.id}
                ).scalar_one()
                == 0
            )
    assert record_generation(engine, make_row()) is True


def test_a_recording_whose_process_dies_while_it_waits_commits_nothing(engine: Engine) -> None:
    # Given a row another transaction holds (the same job's other delivery, not committed)
    row = make_row()
    blocker = engine.connect()
    blocker.execute(
        text(
            "INSERT INTO generations (id, component_type, component_name, created_at, "
            "finished_at, success, status, attempts) "
            "VALUES (:id, 'button', 'B', now(), now(), false, 'failed', 1)"
        ),
        {"id": row.id},
    )
    # And a process recording the same row, with a cost, waiting on that row's lock
    script = (
        "import sys, pickle; from workers.clients import db_engine; "
        "from workers.storage.records import record_generation; "
        "from core.result import CostLine; "
        "row = pickle.loads(bytes.fromhex(sys.argv[1])); "
        "cost = CostLine('generate_code', 'openai', 'm', 1, 1, 0.5); "
        "record_generation(db_engine(), row, costs=[cost])"
    )
    recorder = subprocess.Popen([sys.executable, "-c", script, pickle.dumps(row).hex()])
    try:
        deadline = time.monotonic() + 20
        while not _waiting_on_a_lock(engine, row.id):
            assert recorder.poll() is None and time.monotonic() < deadline, "never waited"
            time.sleep(0.05)
        # When the process is killed, then the other transaction ends
        recorder.kill()
        recorder.wait()
        blocker.rollback()
    finally:
        blocker.close()
    time.sleep(0.5)  # the dead client's backend runs its statement, then finds it gone
    # Then the dead process's work never commits: no row, no cost
    with engine.connect() as conn:
        for table, column in (("generations", "id"), ("costs", "generation_id")):
            count = conn.execute(
                text(f"SELECT count(*) FROM {table} WHERE {column} = :id"), {"id": row.id}
            ).scalar_one()
            assert count == 0, f"{table}: the killed recording committed"


def _waiting_on_a_lock(engine: Engine, job_id: str) -> bool:
    """A backend waits on a lock in a statement naming the job (psycopg2 sends its
    parameters inside the statement's text)."""
    with engine.connect() as conn:
        return bool(
            conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND query LIKE '%INSERT INTO generations%' AND position(:id in query) > 0"
                ),
                {"id": job_id},
            ).scalar_one()
        )
