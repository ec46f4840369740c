"""Plain helpers that queue jobs and read back what a job left behind. Job bodies
(`make_job`) and throwaway databases (`own_database`) come from devstack, which the
bench and chaos tools share."""

from __future__ import annotations

import functools
import json
import os
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from botocore.exceptions import ClientError
from celery import Celery
from kombu import Connection, Message, Queue
from sqlalchemy import Engine, text

# Re-exported: tests take every helper from here.
from devstack.databases import own_database as own_database
from devstack.sample_jobs import make_job as make_job
from devstack.sample_jobs import unique_sha as unique_sha

ROOT = Path(__file__).resolve().parents[1]
"""The repository's root."""
FIGMA_FILE = ROOT / "devstack" / "fakes" / "figma_file.json"
"""A real Figma GET /v1/files answer (styles, components, auto layout)."""


QUEUE_TENANT = "tenant-a"
"""The tenant queue_job publishes for (the `keys` fixture creates it; the api fixtures
read its jobs)."""


def figma_document() -> dict[str, Any]:
    """FIGMA_FILE, parsed."""
    return json.loads(FIGMA_FILE.read_text())


@functools.cache
def _queue_client(broker_url: str, queue_type: str) -> Celery:
    client = Celery(broker=broker_url, set_as_current=False)
    client.conf.task_create_missing_queue_type = queue_type  # how it declares the queue
    # kombu's Redis transport sets no socket timeout: a connection that stops answering
    # would hang the test until its time-out. With one, the publish fails and kombu's
    # retry publishes again on a new connection, as a careful publisher would.
    client.conf.broker_transport_options = {"socket_timeout": 10, "socket_connect_timeout": 5}
    return client


def queue_job(
    queue: str,
    body: dict[str, Any] | None = None,
    *,
    task_id: str | None = None,
    broker_url: str | None = None,
    queue_type: str = "classic",
) -> str:
    """Publish generation.run straight onto `queue` as another service would (a bare
    Celery client, no project code); returns the job id. Without a body the message
    names only the job (task_id), as a redelivery of an API-submitted job does. A body
    carries its tenant, QUEUE_TENANT unless it names one (as a publisher must)."""
    request = {"tenant_id": QUEUE_TENANT, **body} if body is not None else None
    kwargs = {"request": request} if request is not None else {"job_id": task_id}
    client = _queue_client(broker_url or os.environ["BROKER_URL"], queue_type)
    return client.send_task("generation.run", kwargs=kwargs, queue=queue, task_id=task_id).id


def broker_of_its_own(redis_url: str) -> str:
    """Another database of the tests' Redis, as a broker for a test that watches task
    events: kombu names its event channels after the database, so the workers of other
    tests (running beside it, on the shared broker) stay out of what it counts."""
    parts = urlsplit(redis_url)
    own = (int(parts.path.strip("/") or 0) + 8) % 16
    return urlunsplit(parts._replace(path=f"/{own}"))


KILLABLE_WORKER_ENV = {
    "TEMPLATE_DELAY_MS": "400",
    "TASK_SOFT_TIME_LIMIT_S": "8",
    "TASK_TIME_LIMIT_S": "10",
    "BROKER_VISIBILITY_TIMEOUT_S": "12",
    "JOB_LEASE_S": "5",
}
"""A worker whose jobs take a while and whose killed jobs come back within seconds
(short lease, visibility timeout): for tests that kill one mid-job."""


def wait_for_end(client: httpx.Client, job_id: str, *, timeout_s: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        response = client.get(f"/v1/generations/{job_id}", params={"wait": 10})
        if response.status_code == 404 and time.monotonic() < deadline:
            time.sleep(0.1)  # a queue-submitted job appears once a worker received it
            continue
        response.raise_for_status()
        status = response.json()
        if status["status"] in ("succeeded", "failed", "cancelled"):
            return status
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} still {status['status']} after {timeout_s}s")


def submit_and_wait(client: httpx.Client, body: dict[str, Any], **headers: str) -> dict[str, Any]:
    response = client.post("/v1/generations", json=body, headers=headers)
    assert response.status_code == 202, response.text
    return wait_for_end(client, response.json()["id"])


def generation_rows(engine: Engine, job_id: str) -> int:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT count(*) FROM generations WHERE id = :id"), {"id": job_id}
        ).scalar_one()


def object_versions(s3: Any, bucket: str, prefix: str = "") -> list[tuple[str, str]]:
    """Every (key, version id) in the bucket, old versions included."""
    found: list[tuple[str, str]] = []
    try:
        pages = s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix)
        for page in pages:
            found += [(v["Key"], v["VersionId"]) for v in page.get("Versions", [])]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "NoSuchBucket":
            raise
    return found


def raw_body(message: Message) -> bytes:
    return message.body.encode() if isinstance(message.body, str) else message.body


def get_one(url: str, queue: str, *, timeout_s: float = 30) -> Message:
    """Take the next message off `queue` (a dead-letter queue, say), waiting for one."""
    deadline = time.monotonic() + timeout_s
    with Connection(url) as conn:
        while time.monotonic() < deadline:
            # A queue not declared yet (its first message is on its way) is empty too;
            # RabbitMQ answers that with a channel error, so each look gets a new channel.
            with conn.channel() as channel:
                try:
                    message = Queue(queue, channel=channel, no_declare=True).get(no_ack=True)
                except conn.channel_errors:
                    message = None
            if message is not None:
                return message
            time.sleep(0.1)
    raise AssertionError(f"nothing arrived in {queue} after {timeout_s} s")
