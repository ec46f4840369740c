"""Accepting a job: idempotency, the job's first state, and the message on the queue.

Nothing here waits on a worker. The job hash is written before the message is
published (a worker never sees a job it cannot find), and both are undone if the
publish fails, so a refused submission leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import logging

import redis

from config.celery_app import app as celery_app
from config.settings import Settings
from core import keys
from core.canonical import canonical_json
from core.errors import DependencyUnavailable, IdempotencyConflict
from core.spec import JobSpec
from core.state import new_job_id
from workers.storage import job_state

logger = logging.getLogger(__name__)


def submit(
    client: redis.Redis, settings: Settings, spec: JobSpec, *, idempotency_key: str | None
) -> tuple[str, bool]:
    """Queue a job; returns (job id, created). created is False for an idempotent replay."""
    spec_json = spec.model_dump(mode="json", exclude_none=True)
    body_hash = hashlib.sha256(canonical_json(spec_json)).hexdigest()
    job_id = new_job_id()
    tenant = spec.tenant_id or "-"

    if idempotency_key is not None:
        claim = f"{body_hash}:{job_id}"
        claimed = client.set(
            keys.idempotency_key(tenant, idempotency_key),
            claim,
            nx=True,
            ex=settings.idempotency_ttl_s,
        )
        if not claimed:
            existing = client.get(keys.idempotency_key(tenant, idempotency_key)) or ""
            existing_hash, _, existing_job = existing.partition(":")
            if existing_hash != body_hash:
                raise IdempotencyConflict(
                    "this Idempotency-Key was already used with a different body; "
                    "use a new key for a new job"
                )
            return existing_job, False

    _, trace_headers = job_state.create_queued(
        client,
        job_id,
        spec_json,
        ttl_s=settings.job_state_ttl_s,
        queue=settings.generation_queue,
    )
    try:
        celery_app.send_task(
            "generation.run",
            kwargs={"job_id": job_id},
            task_id=job_id,
            queue=settings.generation_queue,
            headers=trace_headers,  # LangSmith's langsmith-trace and baggage headers
        )
    except Exception as exc:
        logger.warning("job %s: publish failed: %s", job_id, exc)
        undo = client.pipeline(transaction=True)
        undo.delete(keys.job_key(job_id))
        undo.zrem(keys.LIVE_JOBS, job_id)
        if idempotency_key is not None:
            undo.delete(keys.idempotency_key(tenant, idempotency_key))
        undo.execute()
        raise DependencyUnavailable(
            "the job queue is unavailable; nothing was queued, retry shortly"
        ) from exc
    return job_id, True
