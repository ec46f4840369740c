"""A job message published straight onto the Redis broker is the one Celery's send_task
would have written (same envelope, headers, body and task-sent event), so a kombu or
Celery upgrade that changes the format fails here, not in production."""

from __future__ import annotations

import base64
import json
import os
import time
import uuid
from typing import Any

import pytest
import redis

from config.celery_app import app
from workers.pipeline import job_message

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


def test_the_direct_message_and_event_are_celerys(services: Any) -> None:
    if not os.environ["BROKER_URL"].startswith(("redis://", "rediss://")):
        pytest.skip("the direct publish is for a Redis broker")
    broker = redis.Redis.from_url(os.environ["BROKER_URL"])
    events = broker.pubsub(ignore_subscribe_messages=True)
    events.psubscribe("*.celeryev/task.sent")
    queue, job_id = f"job-message-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    trace = {"langsmith-trace": "20260101T000000000000Zabc", "baggage": "x=1"}
    try:
        # Given the same job published by Celery's send_task and straight onto the list
        app.send_task(job_message.TASK, kwargs={"job_id": job_id}, task_id=job_id, queue=queue,
                      headers=trace)  # fmt: skip
        job_message.publish(job_id, queue=queue, headers=trace)
        # Then the two messages are the same but for what differs per publish
        celerys, ours = reversed(broker.lrange(queue, 0, -1))
        assert _comparable(ours) == _comparable(celerys)
        # and so are their task-sent events, on the same channel
        sent = []
        deadline = time.monotonic() + 5
        while len(sent) < 2 and time.monotonic() < deadline:
            message = events.get_message(timeout=0.5)
            # Other runs on the broker send events too: this job's alone.
            if message is not None and _comparable(message["data"])["body"]["uuid"] == job_id:
                sent.append(message)
        assert [m["channel"] for m in sent][:1] * 2 == [m["channel"] for m in sent]
        assert _comparable(sent[1]["data"]) == _comparable(sent[0]["data"])
    finally:
        events.close()
        broker.delete(queue)
        broker.close()
