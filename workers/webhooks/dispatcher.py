"""Publishes the webhook deliveries that are due (workers.webhooks.schedule) as
`webhooks.deliver` tasks, from a thread of each worker's main process (like the reaper:
no beat needed). Every worker may run it: claiming is atomic in Redis, so each due
delivery is published once per claim; one whose publish failed is claimed again when
the claim lapses.

Deliveries go to the webhook queue of their job's queue (WEBHOOK_QUEUE, by default
`{queue}.webhooks`), never to the generation queue: a generation waits behind no
delivery. Each message carries the attempt's own time limits (delivery.attempt_limits).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

from config.celery_app import app
from config.settings import Settings, get_settings
from core.keys import WEBHOOK_QUEUE_SUFFIX, webhook_queue
from workers.clients import redis_client
from workers.observability import metrics
from workers.webhooks import schedule
from workers.webhooks.delivery import attempt_limits

logger = logging.getLogger(__name__)

TASK = "webhooks.deliver"


def dispatch_once(queues: Sequence[str]) -> int:
    """Publish every delivery due on the generation queues among `queues` (a webhook
    queue stands for its own), each to its webhook queue; returns how many."""
    settings = get_settings()
    limits = attempt_limits(settings)
    client = redis_client()
    published = 0
    for queue in generation_queues(queues, settings):
        claimed, deferred = schedule.claim_due(
            client,
            queue,
            claim_s=limits.claim_s,
            max_in_flight=settings.webhook_max_in_flight_per_tenant,
            wait_s=settings.webhook_dispatch_interval_s,
        )
        if deferred:
            metrics.WEBHOOK_DEFERRED.inc(deferred)
        destination = webhook_queue_of(queue, settings)
        for due in claimed:
            try:
                app.send_task(
                    TASK,
                    args=[due.job_id, queue, due.claim],
                    queue=destination,
                    soft_time_limit=limits.soft_s,
                    time_limit=limits.hard_s,
                )
                published += 1
            except Exception:
                schedule.release_slot(client, due.tenant_id, due.job_id)
                logger.warning(
                    "webhooks: could not publish job %s's delivery; it is claimed again in %.0f s",
                    due.job_id,
                    limits.claim_s,
                    exc_info=True,
                )
    return published


def generation_queues(queues: Sequence[str], settings: Settings) -> list[str]:
    """The generation queues whose due deliveries a worker consuming `queues` publishes:
    each generation queue, and the one behind each webhook queue."""
    found: list[str] = []
    for queue in queues:
        if queue == settings.webhook_queue:
            queue = settings.generation_queue
        elif queue.endswith(WEBHOOK_QUEUE_SUFFIX):
            queue = queue.removesuffix(WEBHOOK_QUEUE_SUFFIX)
        if queue not in found:
            found.append(queue)
    return found


def webhook_queue_of(queue: str, settings: Settings) -> str:
    """Where the deliveries of generation queue `queue`'s jobs are published."""
    return settings.webhook_queue if queue == settings.generation_queue else webhook_queue(queue)


def start(queues: Sequence[str]) -> threading.Event:
    """Dispatch every WEBHOOK_DISPATCH_INTERVAL_S; set the returned event to stop."""
    stop = threading.Event()
    interval_s = get_settings().webhook_dispatch_interval_s

    def loop() -> None:
        while not stop.wait(interval_s):
            try:
                dispatch_once(queues)
            except Exception:
                logger.warning("webhooks: dispatch failed; next in %.1f s", interval_s,
                               exc_info=True)  # fmt: skip

    threading.Thread(target=loop, name="webhook-dispatch", daemon=True).start()
    return stop
