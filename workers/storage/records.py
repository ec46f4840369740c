"""Writes the lasting record of a job: its generations row, its paid calls and the cache
statistics, in one transaction.

Exactly once: the row is keyed by job id and inserted with ON CONFLICT DO NOTHING; the
costs and statistics are written only by the transaction that inserted the row, so a
redelivered job cannot count twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from core.result import CostLine
from workers.storage.generation_row import GenerationRow
from workers.storage.models import CacheStat, Cost, Generation


@dataclass(frozen=True)
class CacheEvent:
    layer: str
    hit: bool
    lookup_ms: float
    saved_usd: Decimal = Decimal(0)


# Built once: on the hot path a job only binds values to them.
_INSERT_GENERATION = insert(Generation).on_conflict_do_nothing(index_elements=["id"])
_INSERT_COST = insert(Cost)
_stat = insert(CacheStat)
_UPSERT_CACHE_STAT = _stat.on_conflict_do_update(
    index_elements=["bucket_start", "layer"],
    set_={
        "hits": CacheStat.hits + _stat.excluded.hits,
        "misses": CacheStat.misses + _stat.excluded.misses,
        "lookup_ms_sum": CacheStat.lookup_ms_sum + _stat.excluded.lookup_ms_sum,
        "saved_usd": CacheStat.saved_usd + _stat.excluded.saved_usd,
    },
)


def minute_bucket(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def record_generation(
    engine: Engine,
    row: GenerationRow,
    *,
    costs: Sequence[CostLine] = (),
    cache_events: Sequence[CacheEvent] = (),
) -> bool:
    """Insert the job's row with its costs and cache events. False if it already existed."""
    finished_at = row.finished_at
    with engine.begin() as conn:
        if not conn.execute(_INSERT_GENERATION, row.values()).rowcount:
            return False
        if costs:
            conn.execute(
                _INSERT_COST,
                [_cost_values(row.id, finished_at, c) for c in costs],
            )
        for event in cache_events:
            values = {
                "bucket_start": minute_bucket(finished_at),
                "layer": event.layer,
                "hits": int(event.hit),
                "misses": int(not event.hit),
                "lookup_ms_sum": event.lookup_ms,
                "saved_usd": event.saved_usd,
            }
            conn.execute(_UPSERT_CACHE_STAT, values)
    return True


def load_generation(engine: Engine, job_id: str) -> Generation | None:
    with Session(engine) as session:
        return session.scalars(select(Generation).where(Generation.id == job_id)).first()


def _cost_values(generation_id: str, created_at: datetime, line: CostLine) -> dict[str, Any]:
    """A paid call as a costs row (money as Decimal, as the column holds it)."""
    return {
        **asdict(line),
        "usd": Decimal(str(line.usd)),
        "generation_id": generation_id,
        "created_at": created_at,
    }
