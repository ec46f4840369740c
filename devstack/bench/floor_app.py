"""The floor every figure is compared with: a bare Celery no-op task, configured as
DESIGN.md says (prefork, acks_late, prefetch 1, Redis result backend)."""

from __future__ import annotations

import os

from celery import Celery

app = Celery(
    "floor",
    broker=os.environ["BROKER_URL"],
    backend=os.environ["REDIS_URL"],
)
app.conf.update(
    task_serializer="json",
    accept_content=["json"],
    result_serializer="json",
    task_acks_late=True,
    worker_prefetch_multiplier=1,
    task_default_queue=os.environ.get("FLOOR_QUEUE", "bench-floor"),
)


@app.task(name="bench.noop")
def noop() -> None:
    return None
