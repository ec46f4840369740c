"""Task events (Flower's and celery-exporter's feed) sent in batches, not one publish each.

Celery's consumer buffers a worker's task events and flushes the buffer on the event
loop's next turn, so under load nearly every event is its own publish: three Redis
round trips per job (received, started, succeeded), about a third of the worker main
process's time in an L1-hit burst. BatchedEventsConsumer flushes at most every
TASK_EVENTS_FLUSH_S instead (Celery still flushes a full buffer of 24 at once). Each
event keeps the timestamp of the moment it happened, so monitors see the same times, at
most that much later.
"""

from __future__ import annotations

import logging
import time

from celery import bootsteps
from celery.worker.consumer.consumer import Consumer
from celery.worker.consumer.events import Events

from config.settings import get_settings
from workers import green

logger = logging.getLogger(__name__)


class BatchedEventsConsumer(Consumer):
    """Celery's worker consumer, publishing buffered task events on a timer."""

    _flush_due: float | None = None

    def on_send_event_buffered(self) -> None:
        # The gevent pool's consumer has no event loop of Celery's (Celery's own method
        # would then never flush): its timer, which runs greenlets, does it.
        if self.hub:
            call_later = self.hub.call_later
        elif green.is_green():
            call_later = self.timer.call_after
        else:
            super().on_send_event_buffered()
            return
        now, wait_s = time.monotonic(), get_settings().task_events_flush_s
        # One timer at a time; a timer lost with a restarted event loop (its due time
        # long past) is replaced by the next event's.
        if self._flush_due is not None and now < self._flush_due + wait_s:
            return
        self._flush_due = now + wait_s
        call_later(wait_s, self._flush_batch)

    def _flush_batch(self) -> None:
        self._flush_due = None
        self._flush_events()

    def shutdown(self) -> None:
        # Celery closes the dispatcher on shutdown, dropping what is still buffered.
        try:
            self._flush_events()
        except Exception:
            logger.warning("task events still buffered at shutdown were not sent", exc_info=True)
        super().shutdown()


class GreenEventBuffer(bootsteps.StartStopStep):
    """Buffers task events on the gevent pool too. Celery buffers them only for a worker
    with its event loop (prefork), so on gevent each job's three events were three
    publishes, in the one process that also runs every job."""

    requires = (Events,)

    def start(self, c: Consumer) -> None:
        dispatcher = c.event_dispatcher
        if dispatcher is not None and not c.hub and green.is_green():
            dispatcher.buffer_group = frozenset({"task"})
            dispatcher.on_send_buffered = c.on_send_event_buffered
