"""Bookkeeping writes a job's row, costs and cache statistics exactly once."""

from __future__ import annotations

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
