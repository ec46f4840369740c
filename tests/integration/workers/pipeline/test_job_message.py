"""A job message published straight onto the Redis broker is the one Celery's send_task
would have written (same envelope, headers, body and task-sent event), so a kombu or
Celery upgrade that changes the format fails here, not in production."""

from __future__ import annotations

import base64
import json
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import redis

from config.celery_app import app
from core import keys
from workers.pipeline import job_message
from workers.storage.admission import Quota, Submission, admit_and_create

pytestmark = pytest.mark.integration

# What differs between any two publishes: a fresh tag, the Lamport clock, the send time.
_PER_PUBLISH = {"delivery_tag", "clock", "timestamp"}


def _comparable(raw: bytes) -> dict[str, Any]:
    envelope = json.loads(raw)
    envelope["body"] = json.loads(base64.b64decode(envelope["body"]))
    for part in (envelope["properties"], envelope["body"]):
        if isinstance(part, dict):
            for key in _PER_PUBLISH:
                part.pop(key, None)
    return envelope


@dataclass
class Broker:
    client: redis.Redis
    events: Any
    """Subscribed to task-sent events."""
    queue: str
    job_id: str


@pytest.fixture
def broker(services: Any) -> Iterator[Broker]:
    """The run's Redis broker, its task-sent events, and a queue and job id of the test's."""
    if not os.environ["BROKER_URL"].startswith(("redis://", "rediss://")):
        pytest.skip("the direct publish is for a Redis broker")
    client = redis.Redis.from_url(os.environ["BROKER_URL"])
    events = client.pubsub(ignore_subscribe_messages=True)
    events.psubscribe("*.celeryev/task.sent")
    queue, job_id = f"job-message-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    try:
        yield Broker(client, events, queue, job_id)
    finally:
        events.close()
        client.delete(queue)
        client.close()


def sent_events(broker: Broker, count: int) -> list[dict[str, Any]]:
    """The job's task-sent events (up to `count`, waiting up to 5 s), other runs' left out."""
    sent: list[dict[str, Any]] = []
    deadline = time.monotonic() + 5
    while len(sent) < count and time.monotonic() < deadline:
        message = broker.events.get_message(timeout=0.5)
        if message is not None and _comparable(message["data"])["body"]["uuid"] == broker.job_id:
            sent.append(message)
    return sent


def test_the_direct_message_and_event_are_celerys(broker: Broker) -> None:
    queue, job_id = broker.queue, broker.job_id
    trace = {"langsmith-trace": "20260101T000000000000Zabc", "baggage": "x=1"}
    # Given the same job published by Celery's send_task and straight onto the list
    app.send_task(job_message.TASK, kwargs={"job_id": job_id}, task_id=job_id, queue=queue,
                  headers=trace)  # fmt: skip
    job_message.publish(job_id, queue=queue, headers=trace)
    # Then the two messages are the same but for what differs per publish
    celerys, ours = reversed(broker.client.lrange(queue, 0, -1))
    assert _comparable(ours) == _comparable(celerys)
    # and so are their task-sent events, on the same channel
    sent = sent_events(broker, 2)
    assert [m["channel"] for m in sent][:1] * 2 == [m["channel"] for m in sent]
    assert _comparable(sent[1]["data"]) == _comparable(sent[0]["data"])


def test_the_admission_script_queues_celerys_message_with_the_job(broker: Broker) -> None:
    queue, job_id = broker.queue, broker.job_id
    tenant = f"t-{job_id[:8]}"
    message = job_message.queued_message(
        job_id, queue=queue, connection_kwargs=broker.client.connection_pool.connection_kwargs
    )
    quota = Quota(tenant, requests_per_minute=10, max_in_flight=10, budget_usd=None,
                  month="2026-01")  # fmt: skip
    submission = Submission(job_id=job_id, fields={"status": "queued"}, quota=quota,
                            body_hash="-", idempotency_key=None, idempotency_ttl_s=0,
                            state_ttl_s=60, message=message)  # fmt: skip
    try:
        # Given the same job published by Celery's send_task and admitted by the script
        app.send_task(job_message.TASK, kwargs={"job_id": job_id}, task_id=job_id, queue=queue)
        with redis.Redis.from_url(os.environ["BROKER_URL"], decode_responses=True) as jobs:
            assert admit_and_create(jobs, submission).outcome == "admitted"
        # Then the job is there, and its message is Celery's but for what differs per publish
        assert broker.client.hget(keys.job_key(job_id), "status") == b"queued"
        celerys, ours = reversed(broker.client.lrange(queue, 0, -1))
        assert _comparable(ours) == _comparable(celerys)
        # and its task-sent event went out too
        assert len(sent_events(broker, 2)) == 2
    finally:
        broker.client.delete(keys.job_key(job_id), keys.events_key(job_id),
                             keys.quota_rate_key(tenant))  # fmt: skip
        broker.client.zrem(keys.LIVE_JOBS, job_id)
        broker.client.zrem(keys.tenant_live_key(tenant), job_id)
