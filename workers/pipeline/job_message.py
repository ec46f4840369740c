"""Publishing a job's `generation.run` message: straight onto a Redis broker, else through
Celery's send_task.

Why straight: send_task goes through kombu's producer, which on the Redis transport builds
a Redis client, declares the queue and wraps the call in retries on every publish, ~1.2 ms
of CPU per message, half of what the API spends on a submit. Here the message itself is
still Celery's (app.amqp.as_task_v2: protocol 2 headers, properties and body); only the
envelope kombu's Redis transport reads is written here, as kombu writes it: JSON with the
body base64-encoded, LPUSHed onto the list named after the queue (priority 0). The
task-sent event Flower and celery-exporter count goes on the channel kombu's Redis fanout
uses (`/{db}.{event_exchange}/task.sent`), in the same MULTI/EXEC: both or neither.
RabbitMQ (or any other broker) publishes through send_task, with publisher confirms.
"""

from __future__ import annotations

import base64
import json
import os
import uuid
from typing import Any

import redis.asyncio as aioredis
from celery.events.event import Event
from celery.utils.nodenames import anon_nodename
from celery.utils.time import utcoffset
from kombu.utils.json import dumps as kombu_dumps

from config.celery_app import app
from config.settings import get_settings
from workers.clients import broker_redis_client

TASK = "generation.run"


def publish(job_id: str, *, queue: str, headers: dict[str, str] | None = None) -> None:
    """Queue `generation.run` for `job_id` on `queue` (the job id is the task id).
    `headers`: extra message headers (a trace's). Raises what the broker raised."""
    if not get_settings().broker_is_redis:
        app.send_task(TASK, kwargs={"job_id": job_id}, task_id=job_id, queue=queue,
                      headers=headers or {})  # fmt: skip
        return
    client = broker_redis_client()
    pipe = client.pipeline(transaction=True)
    _queue_in(pipe, client.connection_pool.connection_kwargs, job_id, queue, headers or {})
    pipe.execute()


async def publish_on(
    client: aioredis.Redis, job_id: str, *, queue: str, headers: dict[str, str] | None = None
) -> None:
    """`publish` on an asyncio client of the Redis broker (the API's event loop)."""
    pipe = client.pipeline(transaction=True)
    _queue_in(pipe, client.connection_pool.connection_kwargs, job_id, queue, headers or {})
    await pipe.execute()


def _queue_in(
    pipe: Any, connection_kwargs: dict[str, Any], job_id: str, queue: str, headers: dict[str, str]
) -> None:
    """Add the message and its task-sent event to `pipe` (a sync or an asyncio pipeline)."""
    message, event = redis_envelopes(job_id, queue=queue, headers=headers)
    pipe.lpush(queue, message)
    if event is not None:
        pipe.publish(_event_channel(connection_kwargs), event)


def _event_channel(connection_kwargs: dict[str, Any]) -> str:
    """Where kombu's Redis fanout publishes task-sent events (its prefix names the db)."""
    return f"/{connection_kwargs.get('db', 0)}.{app.conf.event_exchange}/task.sent"


def redis_envelopes(job_id: str, *, queue: str, headers: dict[str, str]) -> tuple[str, str | None]:
    """The message and (when task_send_sent_event is on) its task-sent event, each in
    kombu's Redis envelope."""
    task_headers, properties, body, sent_event = app.amqp.as_task_v2(
        job_id, TASK, kwargs={"job_id": job_id}, reply_to=app.thread_oid,
        ignore_result=None, create_sent_event=app.conf.task_send_sent_event,
    )  # fmt: skip
    task_headers.update(headers)
    message = _envelope(
        kombu_dumps(body),
        headers=task_headers,
        properties={**properties, "delivery_mode": 2},
        exchange="",
        routing_key=queue,
    )
    if sent_event is None:
        return message, None
    hostname = anon_nodename()
    fields = {"hostname": hostname, "utcoffset": utcoffset(), "pid": os.getpid(),
              "clock": app.clock.forward(), **sent_event, "queue": queue, "exchange": "",
              "routing_key": queue}  # fmt: skip
    event = _envelope(
        kombu_dumps(Event("task-sent", **fields)),
        headers={"hostname": hostname},
        properties={"delivery_mode": 1},
        exchange=app.conf.event_exchange,
        routing_key="task.sent",
    )
    return message, event


def _envelope(
    body: str, *, headers: dict[str, Any], properties: dict[str, Any], exchange: str,
    routing_key: str,
) -> str:  # fmt: skip
    return json.dumps(
        {
            "body": base64.b64encode(body.encode()).decode(),
            "content-encoding": "utf-8",
            "content-type": "application/json",
            "headers": headers,
            "properties": {
                **properties,
                "delivery_info": {"exchange": exchange, "routing_key": routing_key},
                "priority": 0,
                "body_encoding": "base64",
                "delivery_tag": str(uuid.uuid4()),
            },
        }
    )
