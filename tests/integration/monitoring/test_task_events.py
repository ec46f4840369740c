"""A real worker's task events, as Flower and celery-exporter receive them: every job's,
published in batches, none dropped when the worker stops."""

from __future__ import annotations

import os
import threading
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import redis
from celery import Celery

from tests.helpers import broker_of_its_own, make_job, queue_job, wait_for_end

pytestmark = pytest.mark.integration
TASK_EVENT_TYPES = {"task-received", "task-started", "task-succeeded"}


class EventLog:
    """Task events received with Celery's own receiver, and how many broker messages
    carried them (counted on the event channels), on a broker of the tests' own."""

    def __init__(self, broker: str) -> None:
        self.broker = broker
        self.events: dict[str, set[str]] = defaultdict(set)  # job id -> event types
        self.messages = 0
        self.changed = threading.Condition()

    def on_event(self, event: dict[str, Any]) -> None:
        if event["type"] in TASK_EVENT_TYPES:
            with self.changed:
                self.events[event["uuid"]].add(event["type"])
                self.changed.notify_all()

    def wait_for_all(self, job_ids: list[str], timeout_s: float = 20) -> bool:
        with self.changed:
            return self.changed.wait_for(
                lambda: all(self.events[j] == TASK_EVENT_TYPES for j in job_ids), timeout_s
            )


@pytest.fixture
def event_log() -> Iterator[EventLog]:
    log = EventLog(broker_of_its_own(os.environ["REDIS_URL"]))
    app = Celery(broker=log.broker, set_as_current=False)
    client = redis.Redis.from_url(log.broker)
    raw = client.pubsub(ignore_subscribe_messages=True)
    db = client.connection_pool.connection_kwargs.get("db", 0)
    raw.psubscribe(f"/{db}.celeryev/task.*")  # kombu's fanout channels for task events
    stop = threading.Event()

    def count_messages() -> None:
        while not stop.is_set():
            if raw.get_message(timeout=0.2) is not None:
                log.messages += 1

    with app.connection_for_read() as connection:
        receiver = app.events.Receiver(connection, handlers={"*": log.on_event})
        threads = [
            threading.Thread(target=lambda: receiver.capture(wakeup=False), daemon=True),
            threading.Thread(target=count_messages, daemon=True),
        ]
        for thread in threads:
            thread.start()
        yield log
        receiver.should_stop = True
        stop.set()
        for thread in threads:
            thread.join(timeout=5)
    raw.close()
    client.close()


def test_a_burst_s_events_all_arrive_in_fewer_messages_than_events(
    start_worker: Callable[..., Any], api: httpx.Client, event_log: EventLog
) -> None:
    # Given a worker with task events on, and a job already in its L1 cache
    queue = f"events-{uuid.uuid4().hex[:8]}"
    env = {"TASK_EVENTS": "true", "BROKER_URL": event_log.broker}
    start_worker(queue=queue, concurrency=2, env=env)
    body = make_job(component_name="EventfulButton")
    job = queue_job(queue, body, broker_url=event_log.broker)
    assert wait_for_end(api, job)["status"] == "succeeded"
    first_messages = event_log.messages
    # When 30 identical jobs (L1 hits, a few ms each) are sent at once
    burst = [queue_job(queue, body, broker_url=event_log.broker) for _ in range(30)]
    for job_id in burst:
        assert wait_for_end(api, job_id)["status"] == "succeeded"
    # Then each job's received, started and succeeded events reach a monitor
    assert event_log.wait_for_all(burst)
    # in batches: far fewer broker messages than the 90 events they carry
    assert event_log.messages - first_messages <= 45


def test_events_still_buffered_when_the_worker_stops_are_sent(
    start_worker: Callable[..., Any], api: httpx.Client, event_log: EventLog
) -> None:
    # Given a worker with task events on, published every 5 s
    queue = f"events-{uuid.uuid4().hex[:8]}"
    env = {"TASK_EVENTS": "true", "TASK_EVENTS_FLUSH_S": "5", "BROKER_URL": event_log.broker}
    worker = start_worker(queue=queue, concurrency=1, env=env)
    # When it is stopped as soon as its job ends (its last events not yet flushed)
    body = make_job(component_name="LastWordButton")
    job_id = queue_job(queue, body, broker_url=event_log.broker)
    assert wait_for_end(api, job_id)["status"] == "succeeded"
    worker.stop()
    # Then the job's succeeded event was still published
    assert event_log.wait_for_all([job_id], timeout_s=10), dict(event_log.events)
