"""`webhooks.deliver`: one attempt at a job's webhook (workers.webhooks.delivery).

Published by each worker's dispatcher (workers.webhooks.dispatcher) when a delivery is
due, never by clients, onto the webhook queue (WEBHOOK_QUEUE), with the attempt's own
time limits (delivery.attempt_limits). Safe to run twice: an attempt starts only while
the due entry holds the message's claim, so a duplicate finds it taken and does nothing.
An error (Postgres down, say) fails the task; the claim then lapses and the attempt is
published again, so no Celery retry is needed.
"""

from __future__ import annotations

from celery import Task

from config.celery_app import app
from workers import (
    green,
    process_hooks,  # noqa: F401  (connects the worker signals)
)
from workers.webhooks.delivery import AttemptLimits, deliver


@app.task(name="webhooks.deliver", bind=True, acks_late=True, ignore_result=True)
def deliver_webhook(self: Task, job_id: str, queue: str, claim: int) -> None:
    limits = limits_of(self)
    # Celery's gevent pool enforces only the hard limit; this raises the soft one there.
    with green.soft_time_limit(limits.soft_s):
        deliver(job_id, queue, claim, limits)


def limits_of(task: Task) -> AttemptLimits:
    """The time limits this message runs under: its own (the dispatcher sets them), else
    the app's (a message published before they were)."""
    hard_s, soft_s = task.request.timelimit or (None, None)
    return AttemptLimits(
        soft_s=float(soft_s or task.app.conf.task_soft_time_limit),
        hard_s=float(hard_s or task.app.conf.task_time_limit),
    )
