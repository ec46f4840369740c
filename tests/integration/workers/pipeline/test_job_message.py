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


def test_the_admission_script_queues_celerys_message_with_the_job(services: Any) -> None:
    if not os.environ["BROKER_URL"].startswith(("redis://", "rediss://")):
        pytest.skip("the script queues the message when the broker is the job Redis")
    broker = redis.Redis.from_url(os.environ["BROKER_URL"])
    events = broker.pubsub(ignore_subscribe_messages=True)
    events.psubscribe("*.celeryev/task.sent")
    queue, job_id = f"job-message-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    tenant = f"t-{job_id[:8]}"
    message = job_message.queued_message(
        job_id, queue=queue, connection_kwargs=broker.connection_pool.connection_kwargs
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
        assert broker.hget(keys.job_key(job_id), "status") == b"queued"
        celerys, ours = reversed(broker.lrange(queue, 0, -1))
        assert _comparable(ours) == _comparable(celerys)
        # and its task-sent event went out too
        deadline, sent = time.monotonic() + 5, 0
        while sent < 2 and time.monotonic() < deadline:
            event = events.get_message(timeout=0.5)
            if event is not None and _comparable(event["data"])["body"]["uuid"] == job_id:
                sent += 1
        assert sent == 2
    finally:
        events.close()
        broker.delete(queue, keys.job_key(job_id), keys.events_key(job_id))
        broker.zrem(keys.LIVE_JOBS, job_id)
        broker.zrem(keys.tenant_live_key(tenant), job_id)
        broker.delete(keys.quota_rate_key(tenant))
        broker.close()
