"""generation.run as a queue client sees it: by name, any broker, workers that die."""

from __future__ import annotations

import json
import os
import signal
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from kombu import Connection, Queue
from sqlalchemy import Engine, insert

from core.keys import job_key
from core.spec import JobSpec
from core.state import creation_fields, new_job
from devstack.fakes.figma import FigmaState
from tests.conftest import FIGMA_TOKEN
from tests.helpers import (
    KILLABLE_WORKER_ENV,
    QUEUE_TENANT,
    generation_rows,
    get_one,
    make_job,
    object_versions,
    queue_job,
    wait_for_end,
)
from workers.storage.models import Generation

pytestmark = pytest.mark.integration


def wait_for_status(
    api: httpx.Client, job_id: str, wanted: str, *, timeout_s: float = 30
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        response = api.get(f"/v1/generations/{job_id}")
        if response.status_code == 200 and response.json()["status"] == wanted:
            return response.json()
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} never reached {wanted}")


@pytest.mark.usefixtures("worker")
def test_send_task_by_name_is_visible_over_http(api: httpx.Client, engine: Engine) -> None:
    # Given a client that knows only the task name and the queue
    # When it publishes a job body
    job_id = queue_job(
        os.environ["GENERATION_QUEUE"],
        make_job(component_name="QueuedBadge", component_type="badge"),
    )
    # Then the job is visible over HTTP under the task id and succeeds
    status = wait_for_end(api, job_id)
    assert status["status"] == "succeeded", status
    assert status["component_name"] == "QueuedBadge"
    assert generation_rows(engine, job_id) == 1


@pytest.mark.usefixtures("worker")
def test_invalid_queue_body_fails_with_a_reason(api: httpx.Client, engine: Engine) -> None:
    job_id = queue_job(os.environ["GENERATION_QUEUE"], make_job(component_name="not-pascal"))
    status = wait_for_end(api, job_id)
    assert status["status"] == "failed"
    assert status["error"]["type"] == "validation_error"
    assert "component_name" in status["error"]["message"]
    assert generation_rows(engine, job_id) == 1


def test_worker_killed_mid_job_completes_exactly_once(
    start_worker: Callable[..., Any], api: httpx.Client, engine: Engine, s3: Any, bucket: str
) -> None:
    # Given a prefork worker on a queue of its own whose steps take a while (the gevent
    # pool has no process per job: test_whole_worker_killed_mid_job_is_redelivered)
    queue = f"killed-{uuid.uuid4().hex[:8]}"
    worker = start_worker(
        queue=queue, concurrency=1, env={"TEMPLATE_DELAY_MS": "400"}, pool="prefork"
    )
    job_id = queue_job(queue, make_job(component_name="KilledButton"))
    # When the process running the job is killed -9 in the middle of the chain
    wait_for_status(api, job_id, "running")
    children = worker.child_pids()
    assert children, "prefork worker has no child process"
    for pid in children:
        os.kill(pid, signal.SIGKILL)
    # Then the message comes back, the job runs again and succeeds once
    status = wait_for_end(api, job_id, timeout_s=60)
    assert status["status"] == "succeeded", status
    assert status["attempts"] == 2
    assert generation_rows(engine, job_id) == 1
    prefix = f"components/{status['result']['component_id']}/"
    keys = {key for key, _ in object_versions(s3, bucket, prefix)}
    assert keys == {
        prefix + n for n in ("component.tsx", "stories.tsx", "tokens.json", "requirements.json")
    }


def test_whole_worker_killed_mid_job_is_redelivered(
    start_worker: Callable[..., Any], api: httpx.Client, engine: Engine
) -> None:
    # Given a worker whose whole process tree dies mid-job (a lost machine)
    queue = f"lost-{uuid.uuid4().hex[:8]}"
    first = start_worker(queue=queue, concurrency=1, env=KILLABLE_WORKER_ENV)
    job_id = queue_job(queue, make_job(component_name="LostButton"))
    wait_for_status(api, job_id, "running")
    first.kill9()
    # When a new worker starts
    start_worker(queue=queue, concurrency=1, env=KILLABLE_WORKER_ENV)
    # Then the job is picked up again and succeeds once
    # A bound, not a target: the visibility timeout (12 s) plus a new worker's start under
    # the suite's load took over 60 s once.
    status = wait_for_end(api, job_id, timeout_s=120)
    assert status["status"] == "succeeded", status
    assert generation_rows(engine, job_id) == 1


@pytest.mark.rabbitmq
@pytest.mark.parametrize("queue_type", ["classic", "quorum"])
def test_rabbitmq_broker(
    start_worker: Callable[..., Any], start_api: Callable[..., Any], queue_type: str
) -> None:
    rabbitmq_url = os.environ.get("TEST_RABBITMQ_URL")
    if not rabbitmq_url:
        pytest.skip("TEST_RABBITMQ_URL is not set (no RabbitMQ on this machine)")
    # Given an API and a worker that use RabbitMQ as the broker, the queue of either type
    queue = f"rabbit-{queue_type}-{uuid.uuid4().hex[:8]}"
    overrides = {
        "BROKER_URL": rabbitmq_url,
        "GENERATION_QUEUE": queue,
        "RABBITMQ_QUORUM_QUEUES": str(queue_type == "quorum").lower(),
    }
    start_worker(queue=queue, concurrency=1, env=overrides)
    api = start_api(env=overrides)
    # When a job is submitted over HTTP and another straight onto the queue
    over_http = api.post("/v1/generations", json=make_job(component_name="RabbitButton"))
    assert over_http.status_code == 202
    body = make_job(component_name="RabbitCard", component_type="card")
    job_id = queue_job(queue, body, broker_url=rabbitmq_url, queue_type=queue_type)
    # Then both succeed, and the queue is of the type asked for
    assert wait_for_end(api, over_http.json()["id"])["status"] == "succeeded"
    assert wait_for_end(api, job_id)["status"] == "succeeded"
    with Connection(rabbitmq_url) as conn:
        arguments = {"x-queue-type": queue_type} if queue_type == "quorum" else {}
        # Declaring a queue with other arguments than it has is refused (406).
        Queue(queue, queue_arguments=arguments, durable=True)(conn.default_channel).declare()
    # And the API is ready, which it is only with its broker up
    assert api.get("/readyz").json() == {"status": "ready"}


def test_a_dependency_that_stays_down_ends_the_job_with_a_reason(
    start_worker: Callable[..., Any], api: httpx.Client, engine: Engine, figma: FigmaState
) -> None:
    # Given Figma answering 500 and a worker allowed one retry
    queue = f"figma500-{uuid.uuid4().hex[:8]}"
    settings = {
        "FIGMA_TOKEN": FIGMA_TOKEN,
        "RETRY_POLICIES": json.dumps(
            {"figma": {"attempts": 1}, "task": {"attempts": 2, "backoff_cap_s": 1}}
        ),
    }
    start_worker(queue=queue, env=settings)
    figma.scripted += [(500, {}), (500, {})]
    body = make_job(component_name="NoFigmaCard", source={"figma_file_key": "Down"}, tokens=None)
    job_id = queue_job(queue, body)
    # Then it is retried, and then fails saying which dependency and what to do
    status = wait_for_end(api, job_id)
    assert status["status"] == "failed"
    assert status["error"]["type"] == "dependency_unavailable"
    assert "Figma answered HTTP 500" in status["error"]["message"]
    assert "gave up after 2 attempts" in status["error"]["message"]
    assert status["attempts"] == 2
    assert generation_rows(engine, job_id) == 1
    # And a message that would run it again waits in the dead-letter queue
    letter = get_one(os.environ["BROKER_URL"], f"{queue}.dead")
    assert letter.headers["id"] == job_id
    assert letter.headers["task"] == "generation.run"
    assert "gave up after 2 attempts" in letter.headers["x-dead-letter-reason"]
    assert letter.decode()[1] == {"request": {"tenant_id": QUEUE_TENANT, **body}}


def test_a_job_redelivered_too_often_is_failed_not_run(
    start_worker: Callable[..., Any], api: httpx.Client, redis_db: Any, engine: Engine
) -> None:
    # Given a job that was already delivered JOB_MAX_DELIVERIES times (its workers died)
    queue = f"poison-{uuid.uuid4().hex[:8]}"
    job_id = uuid.uuid4().hex
    spec = JobSpec.model_validate(make_job(component_name="PoisonButton", tenant_id="tenant-a"))
    fields = creation_fields(new_job(job_id, spec.model_dump(mode="json", exclude_none=True)))
    redis_db.hset(job_key(job_id), mapping={**fields, "attempts": "10", "status": "running"})
    queue_job(queue, task_id=job_id)
    # When a worker receives it once more
    start_worker(queue=queue, env={"JOB_MAX_DELIVERIES": "10"})
    # Then it ends failed with the reason, instead of running again
    status = wait_for_end(api, job_id)
    assert status["status"] == "failed"
    assert status["error"]["type"] == "redelivery_limit"
    assert "delivered 11 times" in status["error"]["message"]
    assert generation_rows(engine, job_id) == 1


@pytest.mark.usefixtures("worker")
def test_a_delivery_that_finds_the_job_already_recorded_keeps_that_ending(
    api: httpx.Client, engine: Engine, redis_db: Any
) -> None:
    # Given a job whose row another delivery already wrote (it was failed meanwhile)
    job_id = uuid.uuid4().hex
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(
            insert(Generation).values(
                id=job_id, component_type="button", component_name="RacedButton",
                tenant_id="tenant-a",
                created_at=now, finished_at=now, success=False, status="failed",
                error_type="timeout",
                error_message="stopped at the hard time limit by the other delivery",
            )
        )  # fmt: skip
    # When this delivery (its live state still queued) runs it to the end
    body = make_job(component_name="RacedButton", tenant_id="tenant-a")
    fields = creation_fields(new_job(job_id, JobSpec.model_validate(body).model_dump(mode="json")))
    redis_db.hset(job_key(job_id), mapping=fields)
    queue_job(os.environ["GENERATION_QUEUE"], task_id=job_id)
    # Then the live state says what the row says, not "succeeded", and the row stays one
    status = wait_for_end(api, job_id)
    assert status["status"] == "failed", status
    assert status["error"] == {
        "type": "timeout",
        "message": "stopped at the hard time limit by the other delivery",
    }
    assert generation_rows(engine, job_id) == 1
