"""Writes the lasting record of a job: its generations row, its paid calls and the cache
statistics, in one statement (so in one transaction).

Exactly once: the row is keyed by job id and inserted with ON CONFLICT DO NOTHING; the
costs and statistics are written only by the transaction that inserted the row, so a
redelivered job cannot count twice.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, Select, bindparam, cast, exists, func, select
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import TableValuedAlias

from core.result import CostLine
from workers.storage.generation_row import GenerationRow
from workers.storage.models import Base, CacheStat, Cost, Generation


@dataclass(frozen=True)
class CacheEvent:
    layer: str
    hit: bool
    lookup_ms: float
    saved_usd: Decimal = Decimal(0)


_COST_COLUMNS = (
    "generation_id",
    "stage",
    "provider",
    "model",
    "prompt_tokens",
    "completion_tokens",
    "usd",
    "created_at",
)
_STAT_TOTALS = ("hits", "misses", "lookup_ms_sum", "saved_usd")
"""A statistics line's counters, added to the minute's row when it exists."""
_STAT_COLUMNS = ("bucket_start", "layer", *_STAT_TOTALS)


def minute_bucket(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def record_generation(
    engine: Engine,
    row: GenerationRow,
    *,
    costs: Sequence[CostLine] = (),
    cache_events: Sequence[CacheEvent] = (),
) -> bool:
    """Insert the job's row with its costs and cache events. False if it already existed.

    One statement, its writes chained as CTEs: it is on every job's path to its end (an
    L1 hit's too), where a statement per table cost a round trip to Postgres each. In a
    transaction still: a process killed while its statement waits on the row's lock
    (another delivery's) never sends COMMIT, so its writes are dropped with it."""
    values = row.values()
    params = {f"row_{name}": value for name, value in values.items()}
    if costs:
        params |= _arrays_of(_COST_COLUMNS, [_cost_values(row, c) for c in costs], "cost")
    if cache_events:
        stats = _stat_values(minute_bucket(row.finished_at), cache_events)
        params |= _arrays_of(_STAT_COLUMNS, stats, "stat")
    statement = _record_statement(tuple(values), bool(costs), bool(cache_events))
    with engine.begin() as conn:
        return bool(conn.execute(statement, params).scalar_one())


@functools.cache
def _record_statement(
    columns: tuple[str, ...], with_costs: bool, with_stats: bool
) -> Select[tuple[int]]:
    """SELECT the count of rows inserted (0 or 1) from a CTE inserting the row; the costs
    and statistics CTEs write only when it did. Built once per shape (a statement built
    per call costs SQLAlchemy a cache-key walk per call); lines go in as arrays (unnest),
    so their number does not change the shape."""
    table = Generation.__table__
    inserted = (
        insert(Generation)
        .values({name: bindparam(f"row_{name}", type_=table.c[name].type) for name in columns})
        .on_conflict_do_nothing(index_elements=["id"])
        .returning(Generation.id)
        .cte("inserted")
    )
    was_inserted = exists(select(inserted.c.id))
    statement = select(func.count()).select_from(inserted)
    if with_costs:
        lines = _lines_of(Cost, _COST_COLUMNS, "cost")
        ordered = select(*(lines.c[n] for n in _COST_COLUMNS)).where(was_inserted)
        write = insert(Cost).from_select(_COST_COLUMNS, ordered.order_by(lines.c.n))
        statement = statement.add_cte(write.cte("written_costs"))
    if with_stats:
        lines = _lines_of(CacheStat, _STAT_COLUMNS, "stat")
        source = select(*(lines.c[n] for n in _STAT_COLUMNS)).where(was_inserted)
        upsert = insert(CacheStat).from_select(_STAT_COLUMNS, source)
        upsert = upsert.on_conflict_do_update(
            index_elements=["bucket_start", "layer"],
            set_={name: getattr(CacheStat, name) + upsert.excluded[name] for name in _STAT_TOTALS},
        )
        statement = statement.add_cte(upsert.cte("written_stats"))
    return statement


def _lines_of(model: type[Base], names: Sequence[str], prefix: str) -> TableValuedAlias:
    """A table of `model`'s `names` columns, one array bind per column (`_arrays_of`),
    unnested and numbered by `n`."""
    table = model.__table__
    arrays = [
        cast(
            bindparam(f"{prefix}_{name}", type_=ARRAY(table.c[name].type)),
            ARRAY(table.c[name].type),
        )
        for name in names
    ]
    return (
        func.unnest(*arrays)
        .table_valued(*names, with_ordinality="n")
        .render_derived(name=f"{prefix}_lines")
    )


def _arrays_of(
    names: Sequence[str], rows: Sequence[dict[str, Any]], prefix: str
) -> dict[str, list[Any]]:
    """`_lines_of`'s binds: each column's values, in the lines' order."""
    return {f"{prefix}_{name}": [r[name] for r in rows] for name in names}


def _stat_values(bucket: datetime, events: Sequence[CacheEvent]) -> list[dict[str, Any]]:
    """One line per layer: an upsert may not touch a row twice in one statement."""
    by_layer: dict[str, dict[str, Any]] = {}
    for event in events:
        empty = {"hits": 0, "misses": 0, "lookup_ms_sum": 0.0, "saved_usd": Decimal(0)}
        line = by_layer.setdefault(
            event.layer, {"bucket_start": bucket, "layer": event.layer, **empty}
        )
        line["hits"] += int(event.hit)
        line["misses"] += int(not event.hit)
        line["lookup_ms_sum"] += event.lookup_ms
        line["saved_usd"] += event.saved_usd
    return list(by_layer.values())


def load_generation(engine: Engine, job_id: str) -> Generation | None:
    with Session(engine) as session:
        return session.scalars(select(Generation).where(Generation.id == job_id)).first()


def _cost_values(row: GenerationRow, line: CostLine) -> dict[str, Any]:
    """A paid call as a costs row (money as Decimal, as the column holds it)."""
    return {
        **asdict(line),
        "usd": Decimal(str(line.usd)),
        "generation_id": row.id,
        "created_at": row.finished_at,
    }
