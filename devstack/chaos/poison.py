"""Poison messages: what a careless or broken publisher puts straight onto the generation
queue. Each must end as a failed job with a row and a reason (README, Dead letters),
and the jobs around it must not notice."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from celery import Celery
from kombu import Connection, Queue

from devstack.chaos.crashes import Aftermath, Say
from devstack.chaos.stack import ChaosStack
from devstack.sample_jobs import make_job

OVERSIZED_BYTES = 1024 * 1024 + 4096
"""Just over the default MAX_BODY_BYTES (1 MiB), which the chaos stack keeps."""


def _celery_headers(job_id: str, task: str) -> dict[str, Any]:
    return {"lang": "py", "task": task, "id": job_id, "root_id": job_id, "retries": 0}


def _publish_raw(stack: ChaosStack, body: bytes, headers: dict[str, Any]) -> None:
    """A message as a client in another language might send it: JSON declared, any bytes."""
    queue = Queue(stack.env["GENERATION_QUEUE"])
    with Connection(stack.env["BROKER_URL"]) as connection:
        connection.Producer().publish(
            body, exchange="", routing_key=queue.name, declare=[queue], headers=headers,
            content_type="application/json", content_encoding="utf-8",
        )  # fmt: skip


def _send_task(stack: ChaosStack, job_id: str, task: str, kwargs: dict[str, Any]) -> None:
    app = Celery(broker=stack.env["BROKER_URL"])
    try:
        app.send_task(task, kwargs=kwargs, task_id=job_id, queue=stack.env["GENERATION_QUEUE"])
    finally:
        app.close()


def _valid_request() -> dict[str, Any]:
    return make_job(component_name="PoisonNeighbour")


def publish_one(stack: ChaosStack, kind: str) -> str:
    """Publish one poison message of `kind` (a key of KINDS); its job id."""
    job_id = uuid.uuid4().hex
    if kind == "undecodable":
        _publish_raw(stack, b'[[], {"request": {', _celery_headers(job_id, "generation.run"))
    elif kind == "unknown-task":
        _send_task(stack, job_id, "generation.no_such_task", {"request": _valid_request()})
    elif kind == "unknown-kwarg":
        _send_task(stack, job_id, "generation.run",
                   {"request": _valid_request(), "colour": "red"})  # fmt: skip
    elif kind == "wrong-type":
        _send_task(stack, job_id, "generation.run", {"request": json.dumps(_valid_request())})
    elif kind == "oversized":
        request = {**_valid_request(), "padding": "x" * OVERSIZED_BYTES}
        _send_task(stack, job_id, "generation.run", {"request": request})
    else:
        raise ValueError(f"no poison message of kind {kind!r}; the kinds: {', '.join(KINDS)}")
    return job_id


KINDS = ("undecodable", "unknown-task", "unknown-kwarg", "wrong-type", "oversized")


def publish_poison(stack: ChaosStack, outage_s: float, say: Say) -> Aftermath:
    """Every kind twice, spread over the outage, among the burst's jobs."""
    rounds = [kind for _ in range(2) for kind in KINDS]
    poison: dict[str, str] = {}
    for kind in rounds:
        poison[publish_one(stack, kind)] = kind
        time.sleep(outage_s / len(rounds))
    say(f"published {len(poison)} poison messages ({', '.join(KINDS)}) onto the queue")
    return Aftermath(poison=poison)
