"""A job's paid costs are booked into its tenant's monthly counter once, whichever path
writes its row (a redelivery, a spool replay), and a lost counter is rebuilt from
Postgres."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis
from sqlalchemy import Engine

from core.keys import spend_key
from core.result import CostLine
from tests.integration.workers.storage.test_records import make_row
from workers.resilience import bookkeeping_spool
from workers.resilience.bookkeeping_spool import EXISTED, INSERTED, record_or_spool
from workers.storage import spend
from workers.storage.spend import month_of

pytestmark = pytest.mark.integration

PAID = CostLine("generate_code", "openai", "gpt-4o", prompt_tokens=10, completion_tokens=5,
                usd=0.25)  # fmt: skip
FREE = CostLine("generate_code", "template", None, prompt_tokens=0, completion_tokens=0, usd=0.5)


@pytest.fixture
def tenant(redis_db: redis.Redis, engine: Engine) -> Iterator[str]:
    """A fresh tenant whose month's counter exists (at 0: nothing spent yet)."""
    tenant = f"spend-{uuid.uuid4().hex[:10]}"
    assert spend.rebuild(redis_db, engine, tenant, month_of()) == 0.0
    yield tenant
    redis_db.delete(spend_key(tenant, month_of()))


def test_a_row_written_twice_books_its_paid_costs_once(
    tenant: str, redis_db: redis.Redis, engine: Engine
) -> None:
    # Given a job's row with a paid and a free cost line
    row = make_row(tenant_id=tenant)
    # When two deliveries record it
    assert record_or_spool(row, costs=[PAID, FREE]) == INSERTED
    assert record_or_spool(row, costs=[PAID, FREE]) == EXISTED
    # Then only the paid line is booked, once
    assert float(redis_db.get(spend_key(tenant, month_of())) or 0) == 0.25


def test_a_spool_replay_books_once_and_a_lost_counter_is_rebuilt(
    tenant: str,
    redis_db: redis.Redis,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    # Given a row spooled twice (Postgres was down for two deliveries)
    monkeypatch.setattr(bookkeeping_spool, "spool", lambda: bookkeeping_spool.Spool(tmp_path))
    row = make_row(tenant_id=tenant, finished_at=datetime.now(UTC))
    for _ in range(2):
        bookkeeping_spool.spool().put(
            f"{row.id}-{uuid.uuid4().hex[:4]}",
            {"row": row.values(), "costs": [asdict(PAID)], "cache_events": []},
        )
    # When the spool is replayed
    bookkeeping_spool.replay()
    # Then the cost is booked once
    assert float(redis_db.get(spend_key(tenant, month_of())) or 0) == 0.25
    # And when Redis loses the counter, Postgres gives it back
    redis_db.delete(spend_key(tenant, month_of()))
    assert spend.spent_usd(redis_db, engine, tenant, month_of()) == 0.25
    assert float(redis_db.get(spend_key(tenant, month_of())) or 0) == 0.25
