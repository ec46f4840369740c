"""The Celery app, built from settings. Only configuration lives here."""

from __future__ import annotations

from typing import Any

from celery import Celery

from config.settings import Settings, get_settings

BROKER_SOCKET_TIMEOUT_S = 10
"""How long a Redis broker may leave a command unanswered before it counts as down."""


def celery_config(settings: Settings) -> dict[str, Any]:
    """Celery's configuration, from ours."""
    return dict(
        broker_url=settings.broker_url,
        # redis:// only (TLS and sockets keep kombu's own): one client per channel.
        broker_transport=(
            "workers.storage.broker_transport:Transport"
            if settings.broker_url.startswith("redis://")
            else None
        ),
        # JSON only: any language can publish a job, and no pickle reaches a worker.
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        # Job state lives in Redis/Postgres under the job id; Celery results would be a
        # second, unused copy.
        task_ignore_result=True,
        task_default_queue=settings.generation_queue,
        task_routes={
            "generation.run": {"queue": settings.generation_queue},
            "webhooks.deliver": {"queue": settings.webhook_queue},
        },
        # A job is acked only when it finished; a worker lost mid-job gives it back.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        # One message at a time per process: jobs are long and uneven, so prefetching
        # would park work behind a slow job while other processes sit idle.
        worker_prefetch_multiplier=1,
        task_soft_time_limit=settings.task_soft_time_limit_s,
        task_time_limit=settings.task_time_limit_s,
        broker_transport_options=_transport_options(settings),
        # RabbitMQ: a quorum queue is replicated and fsyncs what it accepts.
        task_default_queue_type=_queue_type(settings),
        task_create_missing_queue_type=_queue_type(settings),
        broker_connection_retry_on_startup=True,
        # Monitoring (Flower, celery-exporter) reads task events.
        worker_send_task_events=settings.task_events,
        task_send_sent_event=settings.task_events,
        timezone="UTC",
        enable_utc=True,
        # A message no task can run (undecodable, unknown task name, invalid) ends as a
        # failed job with its reason in Postgres and is copied to "{queue}.dead", not
        # silently acked.
        worker_consumer="workers.resilience.dead_letters:DeadLetterConsumer",
    )


def _queue_type(settings: Settings) -> str:
    return "quorum" if settings.rabbitmq_quorum_queues else "classic"


def _transport_options(settings: Settings) -> dict[str, Any]:
    if settings.broker_is_redis:
        # An unacked message comes back after the visibility timeout (its whole worker was
        # lost). Scan for such messages every few seconds, not every 100 s (kombu's default
        # interval x throttle), so a lost job is not left waiting.
        timeout_s = settings.broker_visibility_timeout_s
        return {
            "visibility_timeout": timeout_s,
            "unacked_restore_interval": max(1, min(10, timeout_s // 3)),
            "unacked_restore_throttle": 1,
            # kombu sets none: a broker that stops answering (a half-open connection)
            # would hang a publish or an ack for good. Its BRPOP waits 1 s, well inside.
            "socket_timeout": BROKER_SOCKET_TIMEOUT_S,
            "socket_connect_timeout": BROKER_SOCKET_TIMEOUT_S,
        }
    # RabbitMQ: a publish returns once the broker has the message (publisher confirms), so
    # a 202 or a retry is never answered for a message the broker did not take.
    return {"confirm_publish": True}


app = Celery("componentforge", include=["tasks.generation", "tasks.webhooks"])
# Read on the app's first use, not at import: a process that imports this module before
# its environment is complete (a test session, before its services start) still gets the
# final settings.
app.add_defaults(lambda: celery_config(get_settings()))
