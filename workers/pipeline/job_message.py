"""Publishing a job's `generation.run` message: straight onto a Redis broker, else through
Celery's send_task.

Why straight: send_task goes through kombu's producer, which on the Redis transport builds
a Redis client, declares the queue and wraps the call in retries on every publish, ~1.2 ms
of CPU per message, half of what the API spends on a submit. Here the message itself is
still Celery's (app.amqp.as_task_v2's protocol 2 headers, properties and body, built once
per process and filled in with each job's id; test_job_message compares it with
send_task's); only the envelope kombu's Redis transport reads is written here, as kombu
writes it: JSON with the body base64-encoded, LPUSHed onto the list named after the queue
(priority 0). The task-sent event Flower and celery-exporter count goes on the channel
kombu's Redis fanout uses (`/{db}.{event_exchange}/task.sent`), in the same MULTI/EXEC, or
the same admission script (`queued_message`): both or neither.
RabbitMQ (or any other broker) publishes through send_task, with publisher confirms.
"""

from __future__ import annotations

import base64
import os
import uuid
from dataclasses import dataclass
from typing import Any

import orjson
from celery.events.event import Event
from celery.utils.nodenames import anon_nodename
from celery.utils.time import utcoffset

from config.celery_app import app
from config.settings import get_settings
from workers.clients import broker_redis_client
from workers.storage.admission import QueuedMessage

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


def queued_message(job_id: str, *, queue: str, connection_kwargs: dict[str, Any]) -> QueuedMessage:
    """The job's message for the admission script to push (the broker is the job Redis
    whose client has `connection_kwargs`)."""
    message, event = redis_envelopes(job_id, queue=queue, headers={})
    if event is None:
        return QueuedMessage(queue, message, "")
    return QueuedMessage(queue, message, _event_channel(connection_kwargs), event)


def _queue_in(
    pipe: Any, connection_kwargs: dict[str, Any], job_id: str, queue: str, headers: dict[str, str]
) -> None:
    """Add the message and its task-sent event to `pipe`."""
    message, event = redis_envelopes(job_id, queue=queue, headers=headers)
    pipe.lpush(queue, message)
    if event is not None:
        pipe.publish(_event_channel(connection_kwargs), event)


def _event_channel(connection_kwargs: dict[str, Any]) -> str:
    """Where kombu's Redis fanout publishes task-sent events (its prefix names the db)."""
    return f"/{connection_kwargs.get('db', 0)}.{_template().event_exchange}/task.sent"


def redis_envelopes(
    job_id: str, *, queue: str, headers: dict[str, str]
) -> tuple[bytes, bytes | None]:
    """The message and (when task_send_sent_event is on) its task-sent event, each in
    kombu's Redis envelope."""
    template = _template()
    task_headers = {**template.headers, "id": job_id, "root_id": job_id,
                    "kwargsrepr": repr({"job_id": job_id}), **headers}  # fmt: skip
    message = _envelope(
        ((), {"job_id": job_id}, template.embed),
        headers=task_headers,
        properties={"correlation_id": job_id, "reply_to": app.thread_oid, "delivery_mode": 2},
        exchange="",
        routing_key=queue,
    )
    if template.sent_event is None:
        return message, None
    fields = {**template.event_fields, "utcoffset": utcoffset(), "clock": app.clock.forward(),
              **template.sent_event,
              "uuid": job_id, "root_id": job_id, "kwargs": task_headers["kwargsrepr"],
              "queue": queue, "exchange": "", "routing_key": queue}  # fmt: skip
    event = _envelope(
        Event("task-sent", **fields),
        headers={"hostname": template.event_fields["hostname"]},
        properties={"delivery_mode": 1},
        exchange=template.event_exchange,
        routing_key="task.sent",
    )
    return message, event


@dataclass(frozen=True)
class _Template:
    """What Celery's as_task_v2 writes the same for every generation.run message of this
    process (its origin and event hostname name the pid); the job id is filled in per
    message. Building it per message cost ~0.1 ms of a submit's ~1 ms."""

    pid: int
    headers: dict[str, Any]
    embed: dict[str, Any]
    sent_event: dict[str, Any] | None
    event_fields: dict[str, Any]
    event_exchange: str


_templates: list[_Template] = []


def _template() -> _Template:
    if _templates and _templates[0].pid == os.getpid():
        return _templates[0]
    headers, _, body, sent_event = app.amqp.as_task_v2(
        "-", TASK, kwargs={"job_id": "-"}, reply_to=app.thread_oid, ignore_result=None,
        create_sent_event=app.conf.task_send_sent_event,
    )  # fmt: skip
    template = _Template(
        pid=os.getpid(),
        headers=headers,
        embed=body[2],
        sent_event=sent_event,
        event_fields={"hostname": anon_nodename(), "pid": os.getpid()},
        event_exchange=app.conf.event_exchange,  # the app's conf is a slow chain of maps
    )
    _templates[:] = [template]  # a forked child builds its own (its pid is in the origin)
    return template


def _envelope(
    body: Any, *, headers: dict[str, Any], properties: dict[str, Any], exchange: str,
    routing_key: str,
) -> bytes:  # fmt: skip
    """kombu's Redis envelope of `body`, JSON-encoded (orjson: ~10x faster than json on
    these small documents, and the message is encoded twice, body and envelope)."""
    return orjson.dumps(
        {
            "body": base64.b64encode(orjson.dumps(body)).decode(),
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
