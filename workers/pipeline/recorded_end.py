"""When two deliveries of a job race to end it, the generations row decides.

The row is inserted at most once (ON CONFLICT DO NOTHING), so the delivery that finds
it already there lost the race: it makes the live state in Redis say what the row says
instead of writing its own ending. Redis and Postgres then never disagree, e.g. when
the hard time-out's handler and the child it stopped both end the job. The status
route uses `follow_row` too, when it finds a row for a job Redis still says is running.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import redis

from config.settings import get_settings
from core.result import JobResult
from core.state import JobStatus
from workers.clients import db_engine
from workers.storage import job_state
from workers.storage.models import Generation
from workers.storage.records import load_generation

logger = logging.getLogger(__name__)


def adopt_recorded_end(
    client: redis.Redis, job_id: str, *, also: Callable[[redis.client.Pipeline], None] | None = None
) -> bool:
    """Write the row's ending to the job's live state; False if there is no row (or it
    cannot be read now: the caller then writes its own ending)."""
    try:
        row = load_generation(db_engine(), job_id)
    except Exception:
        logger.exception("job %s: could not read its row", job_id)
        return False
    if row is None:
        return False
    follow_row(client, row, also=also)
    return True


def follow_row(
    client: redis.Redis,
    row: Generation,
    *,
    also: Callable[[redis.client.Pipeline], None] | None = None,
) -> None:
    """Make the job's live state say what its row says (the row is the truth for an
    ended job); `also` adds commands to the same round trip."""
    job_id = row.id
    error = {"type": row.error_type or "", "message": row.error_message or ""}
    job_state.finish(
        client,
        job_id,
        status=JobStatus(row.status),
        ttl_s=get_settings().ended_job_state_ttl_s,
        cache_layer=row.cache_layer,
        result=JobResult.from_dict(row.result) if row.success and row.result else None,
        error=None if row.success else error,
        finished_at=row.finished_at.timestamp(),
        also=also,
    )
