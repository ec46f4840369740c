"""Publishes the webhook deliveries that are due (workers.webhooks.schedule) as
`webhooks.deliver` tasks, from a thread of each worker's main process (like the reaper:
no beat needed). Every worker may run it: claiming is atomic in Redis, so each due
delivery is published once per claim; one whose publish failed is claimed again when
the claim lapses.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

from config.celery_app import app
from config.settings import get_settings
from workers.clients import redis_client
from workers.webhooks import schedule
from workers.webhooks.delivery import claim_s

logger = logging.getLogger(__name__)

TASK = "webhooks.deliver"


def dispatch_once(queues: Sequence[str]) -> int:
    """Publish every delivery due on `queues`, each to its own queue; returns how many."""
    settings = get_settings()
    published = 0
    for queue in queues:
        for job_id, claim in schedule.claim_due(redis_client(), queue, claim_s=claim_s(settings)):
            try:
                app.send_task(TASK, args=[job_id, queue, claim], queue=queue)
                published += 1
            except Exception:
                logger.warning(
                    "webhooks: could not publish job %s's delivery; it is claimed again "
                    "in %.0f s", job_id, claim_s(settings), exc_info=True,
                )  # fmt: skip
    return published


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
