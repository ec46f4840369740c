"""The floor every figure is compared with: a bare Celery no-op task, configured as
DESIGN.md says (prefork, acks_late, prefetch 1, Redis result backend)."""

from __future__ import annotations

import os

from celery import Celery


def build(broker_url: str, backend_url: str) -> Celery:
    """The floor's app; the bench builds one per Redis it measures, the worker one."""
    app = Celery("floor", broker=broker_url, backend=backend_url, set_as_current=False)
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        task_acks_late=True,
        worker_prefetch_multiplier=1,
        task_default_queue=os.environ.get("FLOOR_QUEUE", "bench-floor"),
    )
    return app


app = build(os.environ.get("BROKER_URL", ""), os.environ.get("REDIS_URL", ""))


@app.task(name="bench.noop")
def noop() -> None:
    return None
