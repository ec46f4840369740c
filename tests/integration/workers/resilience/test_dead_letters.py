"""Messages no task can run end as failed jobs with their reason, never silently dropped
(workers.resilience.dead_letters): a real worker, raw messages published as a foreign
client would."""

from __future__ import annotations

import contextlib
import json
import os
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from kombu import Connection
from sqlalchemy import Engine, text

from core.keys import job_key
from core.spec import JobSpec
from core.state import creation_fields, new_job
from tests.conftest import Keys, bearer
from tests.helpers import generation_rows, get_one, make_job, queue_job, raw_body, wait_for_end

pytestmark = pytest.mark.integration

RABBITMQ_URL = os.environ.get("TEST_RABBITMQ_URL") or "amqp://guest:guest@127.0.0.1:5672//"


def publish_raw(
    broker_url: str,
    queue: str,
    body: bytes,
    *,
    headers: dict[str, Any],
    content_type: str = "application/json",
) -> None:
    """Put a message on `queue` through the default exchange, without declaring it."""
    with Connection(broker_url) as conn:
        conn.Producer().publish(
            body,
            exchange="",
            routing_key=queue,
            content_type=content_type,
            content_encoding="utf-8",
            headers=headers,
            retry=True,
        )


def task_body(**kwargs: Any) -> bytes:
    """A well-formed protocol-2 body: [args, kwargs, embed]."""
    embed = {"callbacks": None, "errbacks": None, "chain": None, "chord": None}
    return json.dumps([[], kwargs, embed]).encode()


def wait_for_row(engine: Engine, job_id: str, *, timeout_s: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            row = (
                conn.execute(text("SELECT * FROM generations WHERE id = :id"), {"id": job_id})
                .mappings()
                .first()
            )
        if row is not None:
            return dict(row)
        time.sleep(0.1)
    raise AssertionError(f"no generations row for {job_id} after {timeout_s} s")


def test_an_undecodable_message_is_recorded_and_the_worker_goes_on(
    start_worker: Callable[..., Any], api: httpx.Client, engine: Engine, keys: Keys
) -> None:
    # Given a worker on a queue of its own
    queue = f"dead-{uuid.uuid4().hex[:8]}"
    start_worker(queue=queue)
    job_id = uuid.uuid4().hex
    # When a message whose JSON body does not parse arrives, then a good job
    publish_raw(
        os.environ["BROKER_URL"],
        queue,
        b"{not json\x00",
        headers={"id": job_id, "task": "generation.run"},
    )
    good_id = queue_job(
        queue, make_job(component_name="AfterDeadButton"), broker_url=os.environ["BROKER_URL"]
    )
    # Then the bad one is a failed row saying why, quoting what it carried
    row = wait_for_row(engine, job_id)
    assert row["success"] is False
    assert row["error_type"] == "undecodable_message"
    message = row["error_message"]
    assert "could not be decoded as 'application/json'" in message
    assert f"task 'generation.run' on queue '{queue}'" in message
    assert "10 bytes: '{not json\\x00'" in message
    # And over HTTP too (from the row; no tenant's, so an admin's), and the worker still
    # runs the next job
    with httpx.Client(base_url=api.base_url, headers=bearer(keys.admin)) as admin:
        status = wait_for_end(admin, job_id)
    assert status["status"] == "failed"
    assert status["error"]["type"] == "undecodable_message"
    assert wait_for_end(api, good_id)["status"] == "succeeded"
    assert generation_rows(engine, job_id) == 1
    # And the message itself waits, as it came, in the dead-letter queue
    letter = get_one(os.environ["BROKER_URL"], f"{queue}.dead")
    assert raw_body(letter) == b"{not json\x00"
    assert letter.headers["id"] == job_id
    assert "could not be decoded" in letter.headers["x-dead-letter-reason"]


def test_an_unknown_task_fails_the_job_a_client_is_polling(
    start_worker: Callable[..., Any], api: httpx.Client, redis_db: Any, engine: Engine
) -> None:
    # Given a job with live state (a client polls it) and a worker on its queue
    queue = f"dead-{uuid.uuid4().hex[:8]}"
    start_worker(queue=queue)
    job_id = uuid.uuid4().hex
    spec = JobSpec.model_validate(make_job(component_name="MisnamedButton", tenant_id="tenant-a"))
    redis_db.hset(
        job_key(job_id),
        mapping=creation_fields(new_job(job_id, spec.model_dump(mode="json", exclude_none=True))),
    )
    # When its message names a task no worker has
    publish_raw(
        os.environ["BROKER_URL"],
        queue,
        task_body(job_id=job_id),
        headers={"id": job_id, "task": "generation.rnu"},
    )
    # Then the polled job ends failed with the reason, once
    status = wait_for_end(api, job_id)
    assert status["status"] == "failed"
    assert status["error"]["type"] == "unknown_task"
    assert "'generation.rnu'" in status["error"]["message"]
    assert status["component_name"] == "MisnamedButton"
    assert generation_rows(engine, job_id) == 1
    assert wait_for_end(
        api,
        queue_job(
            queue, make_job(component_name="AfterDeadButton"), broker_url=os.environ["BROKER_URL"]
        ),
    )["status"] == ("succeeded")


def test_an_invalid_task_message_is_recorded(
    start_worker: Callable[..., Any], engine: Engine
) -> None:
    # Given a worker on a queue of its own
    queue = f"dead-{uuid.uuid4().hex[:8]}"
    start_worker(queue=queue)
    job_id = uuid.uuid4().hex
    # When a task message arrives whose ETA is not a date
    publish_raw(
        os.environ["BROKER_URL"],
        queue,
        task_body(request=make_job()),
        headers={"id": job_id, "task": "generation.run", "eta": "next tuesday"},
    )
    # Then it is a failed row naming the fault
    row = wait_for_row(engine, job_id)
    assert row["error_type"] == "invalid_message"
    assert "invalid ETA value 'next tuesday'" in row["error_message"]
    assert f"on queue '{queue}'" in row["error_message"]


def rabbitmq_answers(url: str) -> bool:
    try:
        with Connection(url, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1)
        return True
    except Exception:
        return False


@pytest.mark.rabbitmq
def test_rabbitmq_dead_letters_an_undecodable_message(
    start_worker: Callable[..., Any], engine: Engine
) -> None:
    if not rabbitmq_answers(RABBITMQ_URL):
        pytest.skip(f"no RabbitMQ answers at {RABBITMQ_URL}")
    # Given a worker on RabbitMQ
    queue = f"dead-{uuid.uuid4().hex[:8]}"
    worker = start_worker(queue=queue, env={"BROKER_URL": RABBITMQ_URL, "GENERATION_QUEUE": queue})
    job_id = uuid.uuid4().hex
    try:
        # When an undecodable message arrives
        publish_raw(
            RABBITMQ_URL, queue, b"{not json", headers={"id": job_id, "task": "generation.run"}
        )
        # Then it is recorded, and the message itself waits in "{queue}.dead"
        row = wait_for_row(engine, job_id)
        assert row["error_type"] == "undecodable_message"
        letter = get_one(RABBITMQ_URL, f"{queue}.dead")
        assert raw_body(letter) == b"{not json"
        assert letter.headers["id"] == job_id
        assert "could not be decoded" in letter.headers["x-dead-letter-reason"]
    finally:
        worker.stop()  # before its queue goes, or it would declare it again
        delete_topology(RABBITMQ_URL, queue)


def delete_topology(url: str, queue: str) -> None:
    with Connection(url) as conn:
        for name in (queue, f"{queue}.dead"):
            with contextlib.suppress(Exception):
                conn.default_channel.queue_delete(name)
        for name in (queue, f"{queue}.dead"):
            with contextlib.suppress(Exception):
                conn.default_channel.exchange_delete(name)
