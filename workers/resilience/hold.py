"""Holding a delivery whose outcome is not durable yet: publishing its retry, recording
its failure. Celery's retry() rejects the message without requeue when it cannot publish
(the broker is down), and an ack before the failure is recorded leaves the job running
with no message; either loses the job. So the action is tried again with backoff, then
the message goes back to the broker unacknowledged."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from celery.exceptions import Reject, SoftTimeLimitExceeded

from config.settings import get_settings
from workers.resilience.classification import describe, is_transient

logger = logging.getLogger(__name__)
T = TypeVar("T")

# HOLD_S (a setting, 10 s): how long a delivery keeps trying to make its outcome durable
# while the broker or the job-state Redis does not answer, backing off from 0.5 s to 4 s:
# long enough to ride out a broker restart, short against the soft time limit. Then the
# message goes back to the broker unacknowledged (`Reject(requeue=True)`; if even that
# cannot reach the broker, the message stays unacked and returns after the visibility
# timeout), so the job runs again instead of being dropped.


def hold(job_id: str, what: str, action: Callable[[], T]) -> T:
    """Do `action`, trying again with backoff for up to HOLD_S while it fails for a
    reason that may pass (the broker or Redis away); then give the message back to the
    broker. An error that will not pass by waiting is raised as it is."""
    hold_s = get_settings().hold_s
    deadline = time.monotonic() + hold_s
    delay_s = 0.5
    while True:
        try:
            return action()
        except Reject as refused:  # retry() could not publish; `reason` is the error
            cause = refused.reason
            reason = describe(cause) if isinstance(cause, Exception) else str(cause)
        except Exception as exc:
            if not is_transient(exc):
                raise
            reason = describe(exc)
        if time.monotonic() + delay_s > deadline:
            break
        logger.warning("job %s: could not %s (%s); trying again", job_id, what, reason)
        try:
            time.sleep(delay_s)
        except SoftTimeLimitExceeded:
            break
        delay_s = min(delay_s * 2, 4.0)
    logger.error(
        "job %s: could not %s for %.0f s (%s); its message goes back to the broker",
        job_id, what, hold_s, reason,
    )  # fmt: skip
    raise Reject(reason, requeue=True)
