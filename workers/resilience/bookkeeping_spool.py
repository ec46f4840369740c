"""Bookkeeping that survives Postgres being down: a row that cannot be written now is
spooled to local disk (workers.resilience.spool) and the job still succeeds; every worker machine
replays its spool, oldest first, once Postgres answers (workers.resilience.spool_replay).
Replays cannot duplicate: rows are inserted by job id with ON CONFLICT DO NOTHING, and
costs and statistics only with the row that was inserted.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any, Literal

from config.settings import get_settings
from core.result import CostLine
from workers.clients import db_engine, redis_client
from workers.resilience.dependency import POSTGRES
from workers.resilience.spool import Spool
from workers.storage import spend
from workers.storage.generation_row import GenerationRow
from workers.storage.records import CacheEvent, record_generation

logger = logging.getLogger(__name__)


def spool() -> Spool:
    return Spool(get_settings().spool_dir / "bookkeeping")


INSERTED, EXISTED, SPOOLED = "inserted", "existed", "spooled"
Recorded = Literal["inserted", "existed", "spooled"]


def record_or_spool(
    row: GenerationRow,
    *,
    costs: Sequence[CostLine] = (),
    cache_events: Sequence[CacheEvent] = (),
    held: bool = True,
) -> Recorded:
    """Write the job's row now ("inserted"; "existed" when another delivery wrote it
    first, which makes that row the job's record) or, Postgres being unreachable, spool
    it ("spooled")."""
    try:
        inserted = POSTGRES.call(
            lambda: record_generation(db_engine(), row, costs=costs, cache_events=cache_events)
        )
        if inserted:
            _book_spend(row, costs, held=held)
        return INSERTED if inserted else EXISTED
    except Exception as exc:
        if not POSTGRES.is_transient(exc):
            raise
        spool().put(
            row.id,
            {
                "row": row.values(),
                "costs": [asdict(c) for c in costs],
                "cache_events": [asdict(e) for e in cache_events],
            },
        )
        logger.warning("job %s: Postgres unreachable, bookkeeping spooled", row.id)
        return SPOOLED


def replay() -> int:
    """Write what the spool holds; stops (and keeps the rest) if Postgres fails again."""

    def apply(item: dict[str, Any]) -> None:
        row = GenerationRow.from_values(item["row"])
        costs = [CostLine(**line) for line in item["costs"]]
        events = [CacheEvent(**event) for event in item["cache_events"]]
        inserted = POSTGRES.call(
            lambda: record_generation(db_engine(), row, costs=costs, cache_events=events),
        )
        if inserted:
            _book_spend(row, costs)

    return spool().drain(apply)


def _book_spend(row: GenerationRow, costs: Sequence[CostLine], *, held: bool = True) -> None:
    """Add the job's paid costs to its tenant's monthly counter, settling its budget hold:
    only by whoever inserted its row, so a redelivery or a replay of a row already written
    books nothing. A spooled row keeps its hold until its replay books it. `held` False
    (a free provider's job: admission took no hold) skips a round trip with nothing to do."""
    job_id = row.id if held else ""
    spend.book(redis_client(), row.tenant_id, costs, row.finished_at, job_id=job_id)
