"""Celery signal hooks for per-process resources. Importing this module connects them.

Clients are built lazily per process (workers.clients); these hooks make a fresh child
drop what it inherited and make a stopping child close its sockets.
"""

from __future__ import annotations

import os
import signal
import threading
from typing import Any

from celery.signals import (
    setup_logging,
    worker_init,
    worker_process_init,
    worker_process_shutdown,
    worker_ready,
    worker_shutdown,
)

from config.celery_app import app
from config.collector import freeze_imports
from config.logging import configure_logging
from config.settings import get_settings
from workers import green
from workers.chain.quality import typecheck
from workers.clients import close_clients
from workers.observability import exposition
from workers.observability.task_events import GreenEventBuffer
from workers.pipeline.ladder import restyle
from workers.resilience import reaper, spool_replay
from workers.storage import artifacts, pattern_precompute, redis_roles, rollups
from workers.webhooks import dispatcher as webhook_dispatcher

app.steps["consumer"].add(GreenEventBuffer)  # task events in batches on gevent too


@setup_logging.connect
def _on_setup_logging(**_: Any) -> None:
    # Connected, so Celery leaves logging to us: one format for API and workers.
    configure_logging(get_settings().log_level)


@worker_init.connect
def _on_worker_init(**_: Any) -> None:
    if green.is_green():  # before any connection is made
        green.patch_psycopg2()
        green.check_redis_readiness_without_yielding()
        green.dump_greenlets_on(signal.SIGUSR2)


@worker_process_init.connect
def _on_child_start(**_: Any) -> None:
    configure_logging(get_settings().log_level)
    artifacts.reset_after_fork()
    _start_job_process()


def _start_job_process() -> None:
    """A process that runs jobs (a prefork child, or the gevent pool's one process)."""
    threading.Thread(target=typecheck.warm_up, name="tsc-warm-up", daemon=True).start()
    freeze_imports()


@worker_process_shutdown.connect
def _on_child_stop(**_: Any) -> None:
    _stop_job_process()


@worker_shutdown.connect
def _on_worker_stop(**_: Any) -> None:
    if green.is_green():  # its one process ran the jobs; prefork children stop above
        _stop_job_process()


def _stop_job_process() -> None:
    close_clients()
    typecheck.close_checkers()
    exposition.forget_process(os.getpid())


@worker_ready.connect
def _on_worker_ready(sender: Any = None, **_: Any) -> None:
    if green.is_green():
        _start_job_process()
    freeze_imports()  # the main process fetches every message and sends every event
    # The main process serves /metrics for the whole pool.
    settings = get_settings()
    if settings.worker_metrics_port:
        exposition.serve(settings.worker_metrics_port, host=settings.worker_metrics_host)
    spool_replay.start()
    # The reaper sweeps the queues this worker consumes (sender is its consumer).
    queues = sorted(sender.app.amqp.queues.consume_from) if sender is not None else []
    reaper.start(queues or [get_settings().generation_queue])
    rollups.start()  # hourly rollups of generations for the dashboard, one worker at a time
    redis_roles.start_check()  # warns when the job Redis could evict or the cache could not
    if settings.pattern_cache == "on":
        pattern_precompute.start(restyle)  # keeps the most-used L3 entries warm
    # Webhook deliveries due on those queues are published from here too.
    webhook_dispatcher.start(queues or [get_settings().generation_queue])
