"""Batches of jobs (POST /v1/generations/batch): stored in Postgres (the `batches` row,
lasting) with a Redis copy (answers while Postgres blinks), and their members' statuses
read from live state in one round trip, from rows for jobs whose state expired."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import redis
from sqlalchemy import Engine, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import SQLAlchemyError

from core.keys import batch_key, job_key
from workers.storage.models import Batch, Generation

logger = logging.getLogger(__name__)

MEMBER_FIELDS = ("status", "stage", "component_name", "component_type", "cache_layer")
"""What a batch shows of each job."""


@dataclass(frozen=True)
class BatchRecord:
    id: str
    tenant_id: str
    created_at: float  # unix seconds
    job_ids: list[str]


def save(client: redis.Redis, engine: Engine, batch: BatchRecord, *, ttl_s: int) -> None:
    """Store the batch: the Redis copy, then the row (a replay of the same batch, under
    the same Idempotency-Key, keeps the first). A row that cannot be written is logged:
    the Redis copy serves the batch for `ttl_s`."""
    client.set(
        batch_key(batch.id),
        json.dumps({"tenant_id": batch.tenant_id, "created_at": batch.created_at,
                    "job_ids": batch.job_ids}),
        ex=ttl_s, nx=True,
    )  # fmt: skip
    values = {
        "id": batch.id,
        "tenant_id": batch.tenant_id,
        "created_at": datetime.fromtimestamp(batch.created_at, UTC),
        "job_ids": batch.job_ids,
    }
    try:
        with engine.begin() as conn:
            conn.execute(insert(Batch).values(values).on_conflict_do_nothing(index_elements=["id"]))
    except SQLAlchemyError as exc:
        logger.warning("batch %s: its row could not be written (%s); kept in Redis", batch.id, exc)


def load(client: redis.Redis, engine: Engine, batch_id: str) -> BatchRecord | None:
    raw = client.get(batch_key(batch_id))
    if raw is not None:
        stored = json.loads(raw)
        return BatchRecord(batch_id, stored["tenant_id"], stored["created_at"], stored["job_ids"])
    with engine.connect() as conn:
        row = conn.execute(select(Batch).where(Batch.id == batch_id)).first()
    if row is None:
        return None
    return BatchRecord(row.id, row.tenant_id, row.created_at.timestamp(), list(row.job_ids))


def members(client: redis.Redis, engine: Engine, job_ids: list[str]) -> list[dict[str, Any]]:
    """Each job's MEMBER_FIELDS and id, in order: one pipelined HMGET for all, then one
    query for those whose live state is gone (status `unknown` if they have no row)."""
    pipe = client.pipeline(transaction=False)
    for job_id in job_ids:
        pipe.hmget(job_key(job_id), *MEMBER_FIELDS)
    found: dict[str, dict[str, Any]] = {}
    for job_id, values in zip(job_ids, pipe.execute(), strict=True):
        if values[0] is not None:
            named = zip(MEMBER_FIELDS, values, strict=True)
            found[job_id] = {name: value or None for name, value in named}
    missing = [job_id for job_id in job_ids if job_id not in found]
    if missing:
        found.update(_from_rows(engine, missing))
    unknown = dict.fromkeys(MEMBER_FIELDS) | {"status": "unknown"}
    return [{"id": job_id, **found.get(job_id, unknown)} for job_id in job_ids]


def _from_rows(engine: Engine, job_ids: list[str]) -> dict[str, dict[str, Any]]:
    columns = (Generation.id, Generation.status, Generation.component_name,
               Generation.component_type, Generation.cache_layer)  # fmt: skip
    with engine.connect() as conn:
        rows = conn.execute(select(*columns).where(Generation.id.in_(job_ids))).all()
    return {
        row.id: {"status": row.status, "stage": None, "component_name": row.component_name,
                 "component_type": row.component_type, "cache_layer": row.cache_layer}
        for row in rows
    }  # fmt: skip
