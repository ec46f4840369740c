"""The `webhook_deliveries` rows (one per attempt) and the `webhook` part of a job's
status document built from them."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from workers.storage.models import WebhookDelivery

logger = logging.getLogger(__name__)


class Outcome(StrEnum):
    """What one attempt came to (the `outcome` column and the metric's label)."""

    #: the receiver answered 2xx
    DELIVERED = "delivered"
    #: the last attempt failed, or the receiver answered 410 Gone (stop)
    FAILED = "failed"
    #: not sent: the URL, its host or its address is not allowed
    REFUSED = "refused"
    #: not delivered; another attempt is due
    RETRYING = "retrying"


@dataclass(frozen=True)
class Attempt:
    """One attempt, as recorded."""

    generation_id: str
    tenant_id: str | None
    url: str
    attempt: int
    at: datetime
    status_code: int | None
    outcome: Outcome
    error: str | None
    duration_ms: float | None


def record(engine: Engine, attempt: Attempt) -> None:
    with Session(engine) as session, session.begin():
        session.add(
            WebhookDelivery(
                generation_id=attempt.generation_id,
                tenant_id=attempt.tenant_id,
                url=attempt.url,
                attempt=attempt.attempt,
                at=attempt.at,
                status_code=attempt.status_code,
                outcome=str(attempt.outcome),
                error=attempt.error,
                duration_ms=attempt.duration_ms,
            )
        )


def attempts_of(engine: Engine, generation_id: str) -> list[WebhookDelivery]:
    with Session(engine) as session:
        query = (
            select(WebhookDelivery)
            .where(WebhookDelivery.generation_id == generation_id)
            .order_by(WebhookDelivery.attempt, WebhookDelivery.id)
        )
        return list(session.scalars(query))


def webhook_view(engine: Engine, generation_id: str, url: str | None) -> dict[str, Any] | None:
    """`{url, state, attempts}` for the status document; None when the job has no
    webhook (no url and no attempt). state: pending until an attempt delivers (then
    delivered) or ends it (failed, refused: then failed)."""
    try:
        rows = attempts_of(engine, generation_id)
    except SQLAlchemyError as exc:
        logger.warning("job %s: could not read its webhook attempts (%s)", generation_id, exc)
        rows = []
    if url is None and not rows:
        return None
    state = "pending"
    if rows:
        last = rows[-1].outcome
        state = {"delivered": "delivered", "failed": "failed", "refused": "failed"}.get(
            last, "pending"
        )
    return {
        "url": url or rows[-1].url,
        "state": state,
        "attempts": [
            {
                "at": row.at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
                "status_code": row.status_code,
                "outcome": row.outcome,
                "error": row.error,
            }
            for row in rows
        ],
    }
