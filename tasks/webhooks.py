"""`webhooks.deliver`: one attempt at a job's webhook (workers.webhooks.delivery).

Published by each worker's dispatcher (workers.webhooks.dispatcher) when a delivery is
due, never by clients. Safe to run twice: an attempt starts only while the due entry
holds the message's claim, so a duplicate finds it taken and does nothing. An error
(Postgres down, say) fails the task; the claim then lapses and the attempt is published
again, so no Celery retry is needed.
"""

from __future__ import annotations

from config.celery_app import app
from workers import process_hooks  # noqa: F401  (connects the worker signals)
from workers.webhooks.delivery import deliver


@app.task(name="webhooks.deliver", acks_late=True, ignore_result=True)
def deliver_webhook(job_id: str, queue: str, claim: int) -> None:
    deliver(job_id, queue, claim)
