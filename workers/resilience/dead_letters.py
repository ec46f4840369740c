"""Dead letters: a message no task can run ends as a failed job with its reason, never
silently dropped.

Celery's worker consumer logs a message it cannot decode and acks it (gone), and logs
and rejects one for an unknown task or with an invalid task message. DeadLetterConsumer
(`worker_consumer` in config/celery_app.py) keeps that logging, records the message as
a failed generations row (spooled while Postgres is down) — or, when the job already
has live state in Redis, ends it failed there too, so a client polling it reads the
reason — and copies it, as received, to the dead-letter queue "{queue}.dead" before
it leaves the queue. These callbacks run in the worker's main process.

`dead_letter(task, reason)` does the same for a job the task failed after spending its
retries: a task message that would run it again goes to "{queue}.dead", so an operator
can inspect it or move it back once the dependency is fixed.

The dead-letter queue is an ordinary durable queue the worker publishes to, on Redis
and RabbitMQ alike. (RabbitMQ's own x-dead-letter-exchange would need arguments on the
generation queue, and every client declaring that queue without them would then be
refused with PRECONDITION_FAILED.)
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

import redis
from celery import Task
from celery.worker.consumer import consumer as celery_consumer
from celery.worker.consumer.consumer import MESSAGE_DECODE_ERROR, dump_body
from kombu import Exchange, Queue
from kombu.message import Message
from kombu.utils.encoding import safe_repr

from config.settings import get_settings
from core import state as core_state
from core.errors import ComponentForgeError
from core.keys import dead_letter_queue
from workers import green
from workers.clients import redis_client
from workers.observability import metrics
from workers.observability.task_events import BatchedEventsConsumer
from workers.pipeline.failure import fail_job
from workers.resilience.bookkeeping_spool import record_or_spool
from workers.storage import job_state
from workers.storage.generation_row import GenerationRow

logger = logging.getLogger(__name__)

BODY_EXCERPT_BYTES = 160
"""How much of an unrunnable message's body its error message quotes: enough to
recognise the publisher, too little to copy a payload into Postgres and logs."""
DEAD_LETTER_REASON = "x-dead-letter-reason"


class UnrunnableMessage(ComponentForgeError):
    """A queued message no task could run; `error_type` says why."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


def dead_letter(task: Task, reason: str) -> None:
    """Put a task message for this job, as it was last delivered, on the dead-letter
    queue (after the job was failed for spending its retries)."""
    request = task.request
    origin = (request.delivery_info or {}).get("routing_key") or get_settings().generation_queue
    try:
        task.app.send_task(
            task.name,
            args=request.args,
            kwargs=request.kwargs,
            task_id=request.id,
            queue=_dead_queue(origin),
            headers={DEAD_LETTER_REASON: _short(reason, 1000)},
        )
    except Exception:
        logger.exception("job %s: could not put it on the dead-letter queue", request.id)


class DeadLetterConsumer(BatchedEventsConsumer):
    """The worker's consumer, recording unrunnable messages instead of dropping them (and
    batching its task events: BatchedEventsConsumer)."""

    def loop_args(self) -> tuple[Any, ...]:
        args = super().loop_args()
        if self.hub or not green.is_green():
            return args  # type: ignore[no-any-return]
        # The gevent pool's blocking loop: fill a freed slot at once (green.PromptDrain).
        connection = green.PromptDrain(args[1], full=self._no_slot_free)
        return (args[0], connection, *args[2:])

    def _no_slot_free(self) -> bool:
        qos = getattr(getattr(self.task_consumer, "channel", None), "qos", None)
        can_consume = getattr(qos, "can_consume", None)
        return bool(can_consume is not None and not can_consume())

    def _dead_letter(self, message: Message, error_type: str, reason: str) -> bool:
        """Fail the job it names, and keep the message on the dead-letter queue. False
        when either could not be done: the message is then given back to the broker
        (requeued) instead of dropped, and comes back to be dead-lettered again."""
        recorded = _record(message, error_type, reason)
        if recorded and _copy_to_dead_letters(self.app, message, reason):
            return True
        logger.error("an unrunnable message could not be kept (%s); requeued", reason)
        message.reject_log_error(logger, self.connection_errors, requeue=True)
        return False

    def on_decode_error(self, message: Message, exc: Exception) -> None:
        # Celery's own report (critical), then reject instead of its ack.
        celery_consumer.logger.critical(
            MESSAGE_DECODE_ERROR, exc, message.content_type, message.content_encoding,
            safe_repr(message.headers), dump_body(message, message.body), exc_info=1,
        )  # fmt: skip
        reason = (
            f"the queued message could not be decoded as {message.content_type!r} "
            f"({_short(exc)}); it was not run. Fix the publisher, then resubmit"
        )
        if self._dead_letter(message, "undecodable_message", reason):
            message.reject_log_error(logger, self.connection_errors, requeue=False)

    def on_unknown_message(self, body: Any, message: Message) -> None:
        reason = (
            "the queued message is not a Celery task message (no task name); it was "
            "not run. Publish generation.run, then resubmit"
        )
        if self._dead_letter(message, "invalid_message", reason):
            super().on_unknown_message(body, message)  # logs, rejects without requeue

    def on_unknown_task(self, body: Any, message: Message, exc: Exception) -> None:
        name = _headers(message).get("task")
        reason = (
            f"no task named {_short(name)!r} runs on this queue; it was not run. "
            "Publish generation.run, then resubmit"
        )
        if self._dead_letter(message, "unknown_task", reason):
            super().on_unknown_task(body, message, exc)  # logs, rejects without requeue

    def on_invalid_task(self, body: Any, message: Message, exc: Exception) -> None:
        reason = (
            f"the queued message is not a valid task message ({_short(exc)}); it was "
            "not run. Fix the publisher, then resubmit"
        )
        if self._dead_letter(message, "invalid_message", reason):
            super().on_invalid_task(body, message, exc)  # logs, rejects without requeue


def _dead_queue(origin: str) -> Queue:
    """Where messages from `origin` that cannot or will no longer run wait: "{origin}.dead"."""
    name = dead_letter_queue(origin)
    return Queue(name, Exchange(name, type="direct"), routing_key=name, durable=True)


def _copy_to_dead_letters(app: Any, message: Message, reason: str) -> bool:
    """Publish the message as received (body, content type, headers) to "{queue}.dead",
    with the reason in a header. Never raises; False when the broker did not take it."""
    delivery = message.delivery_info if isinstance(message.delivery_info, dict) else {}
    dead = _dead_queue(str(delivery.get("routing_key") or get_settings().generation_queue))
    try:
        with app.producer_or_acquire() as producer:
            producer.publish(
                message.body,
                exchange=dead.exchange,
                routing_key=dead.routing_key,
                declare=[dead],
                content_type=message.content_type,
                content_encoding=message.content_encoding,
                headers={**_headers(message), DEAD_LETTER_REASON: _short(reason, 1000)},
                retry=True,
                retry_policy={"max_retries": 3},
            )
    except Exception:
        logger.exception("could not copy an unrunnable message to %s", dead.name)
        return False
    return True


def _record(message: Message, error_type: str, reason: str) -> bool:
    """Fail the job the message names (or a new id) with the reason and what the message
    held. Never raises; False when the ending could not be recorded (nor spooled)."""
    job_id = _job_id(message)
    error = UnrunnableMessage(error_type, f"{reason}. Received: {_describe(message)}")
    try:
        if _has_live_state(job_id):
            fail_job(job_id, error)
            return True
        record_or_spool(
            GenerationRow.unrunnable(
                job_id, error_type=error.error_type, error_message=str(error), at=time.time()
            )
        )
        metrics.GENERATION_FAILURE.labels(component_type="unknown", error_type=error_type).inc()
        logger.warning("job %s failed: %s", job_id, error)
    except Exception:
        logger.exception("job %s: could not record the unrunnable message", job_id)
        return False
    return True


def _has_live_state(job_id: str) -> bool:
    try:
        return job_state.load(redis_client(), job_id) is not None
    except redis.RedisError:
        logger.warning("job %s: Redis unreachable; recording the row only", job_id)
        return False


def _headers(message: Message) -> dict[str, Any]:
    headers = message.headers
    return headers if isinstance(headers, dict) else {}


def is_job_id(candidate: Any) -> bool:
    """A string that can name a job: 1..64 letters, digits, `-` or `_`, as the API's."""
    return core_state.is_job_id(candidate)


def _job_id(message: Message) -> str:
    """The task id the publisher gave (the job id clients poll), else a new one."""
    properties = message.properties if isinstance(message.properties, dict) else {}
    for candidate in (_headers(message).get("id"), properties.get("correlation_id")):
        if is_job_id(candidate):
            return candidate
    return uuid.uuid4().hex


def _describe(message: Message) -> str:
    """Where the message came from and a printable excerpt of its body. In the error
    message, not the row's `result`: that column holds a finished job's result."""
    body = message.body
    raw = body if isinstance(body, bytes) else str(body).encode("utf-8", "replace")
    delivery = message.delivery_info if isinstance(message.delivery_info, dict) else {}
    excerpt = raw[:BODY_EXCERPT_BYTES].decode("utf-8", "replace")  # repr escapes the rest
    return (
        f"task {_short(_headers(message).get('task'))!r} on queue "
        f"{_short(delivery.get('routing_key'))!r}, content type {_short(message.content_type)!r}"
        f" ({_short(message.content_encoding)}), {len(raw)} bytes: {excerpt!r}"
        + ("…" if len(raw) > BODY_EXCERPT_BYTES else "")
    )


def _printable(text: str) -> str:
    # Postgres text cannot hold NUL, and control characters make logs and UIs lie.
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def _short(value: Any, limit: int = 200) -> str | None:
    if value is None:
        return None
    text = _printable(str(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"
