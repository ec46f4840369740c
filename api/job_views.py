"""Job state (live in Redis, or the lasting row in Postgres) as the public view."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from api.schemas import GenerationPublic
from config.settings import Settings
from core.state import JobState, JobStatus
from workers.clients import db_engine
from workers.storage import artifacts
from workers.storage.models import Generation
from workers.webhooks.deliveries import webhook_view


def _iso(epoch_s: float | None) -> str | None:
    if epoch_s is None:
        return None
    return datetime.fromtimestamp(epoch_s, UTC).isoformat().replace("+00:00", "Z")


REUSE_SHARE = 0.01
"""A signed URL is handed out again for up to this share of its TTL (at most
REUSE_MAX_S): every answer's URL stays valid for at least 99% of S3_PRESIGN_TTL_S, and
clients polling an ended job do not each pay a signature (~0.3 ms per artifact)."""
REUSE_MAX_S = 30.0
_SIGNED_MAX = 10_000
_signed: dict[tuple[int, str, str, int], tuple[float, str]] = {}


def _presigned(s3: Any, bucket: str, key: str, ttl_s: int) -> str:
    now = time.monotonic()
    cache_key = (id(s3), bucket, key, ttl_s)  # another client (endpoint): its own URLs
    hit = _signed.get(cache_key)
    if hit is not None and hit[0] > now:
        return hit[1]
    url = artifacts.presigned_url(s3, bucket, key, ttl_s=ttl_s)
    if len(_signed) >= _SIGNED_MAX:
        _signed.clear()  # bounded: a burst of distinct jobs costs only re-signing
    _signed[cache_key] = (now + min(ttl_s * REUSE_SHARE, REUSE_MAX_S), url)
    return url


def _with_urls(result: dict[str, Any] | None, s3: Any, settings: Settings) -> dict[str, Any] | None:
    if result is None:
        return None
    bucket, ttl_s = settings.s3_bucket, settings.s3_presign_ttl_s
    urls = {
        name: {"key": key, "url": _presigned(s3, bucket, key, ttl_s)}
        for name, key in result["artifacts"].items()
    }
    return {**result, "artifacts": urls}


def from_state(
    state: JobState, s3: Any, settings: Settings, *, with_webhook: bool = True
) -> GenerationPublic:
    """`with_webhook`: read its webhook's attempts (Postgres; only for a job with one)."""
    webhook = _webhook(state.id, state.webhook_url) if with_webhook and state.webhook_url else None
    return GenerationPublic.model_validate(
        {
            "id": state.id,
            "status": state.status,
            "stage": state.stage,
            "component_type": state.component_type,
            "component_name": state.component_name,
            "cache_layer": state.cache_layer,
            "cache_key": state.cache_key or None,
            "attempts": state.attempts,
            "timings_ms": state.timings_ms,
            "created_at": _iso(state.created_at),
            "started_at": _iso(state.started_at),
            "finished_at": _iso(state.finished_at),
            "error": state.error,
            "result": _with_urls(state.result.as_dict() if state.result else None, s3, settings),
            "cancel_requested": state.cancel_requested is not None,
            "webhook": webhook,
        }
    )


def from_row(
    row: Generation, s3: Any, settings: Settings, *, with_webhook: bool = True
) -> GenerationPublic:
    """A job whose live state expired: rebuilt from its generations row (its webhook
    from its attempts, if it has any)."""
    error = None
    if not row.success:
        error = {"type": row.error_type or "failed", "message": row.error_message or ""}
    timings = {"total": row.duration_ms} if row.duration_ms is not None else {}
    return GenerationPublic.model_validate(
        {
            "id": row.id,
            "status": JobStatus(row.status),
            "stage": None,
            "component_type": row.component_type,
            "component_name": row.component_name,
            "cache_layer": row.cache_layer,
            "cache_key": row.cache_key,
            "attempts": row.attempts,
            "timings_ms": timings,
            "created_at": row.created_at.isoformat().replace("+00:00", "Z"),
            "started_at": row.started_at.isoformat().replace("+00:00", "Z")
            if row.started_at
            else None,
            "finished_at": row.finished_at.isoformat().replace("+00:00", "Z"),
            "error": error,
            "result": _with_urls(row.result, s3, settings),
            "cancel_requested": row.status == JobStatus.CANCELLED,
            "webhook": _webhook(row.id, None) if with_webhook else None,
        }
    )


def _webhook(job_id: str, url: str | None) -> dict[str, Any] | None:
    """The job's webhook and its attempts (workers.webhooks.deliveries)."""
    return webhook_view(db_engine(), job_id, url)
