"""Messages published straight onto the queue are checked as the API checks a request:
each that cannot run ends as a failed job with a row and a reason, under its id."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from celery import Celery
from sqlalchemy import Engine

from tests.conftest import Keys, bearer
from tests.helpers import generation_rows, get_one, make_job, wait_for_end

pytestmark = pytest.mark.integration


def publish(queue: str, kwargs: dict[str, Any]) -> str:
    """send_task as a foreign client would, with any keyword arguments; the task id."""
    client = Celery(broker=os.environ["BROKER_URL"], set_as_current=False)
    try:
        return client.send_task(
            "generation.run", kwargs=kwargs, queue=queue, task_id=uuid.uuid4().hex
        ).id
    finally:
        client.close()


@pytest.fixture
def admin(api: httpx.Client, keys: Keys) -> Iterator[httpx.Client]:
    """Reads every tenant's jobs: one failed before acceptance belongs to none."""
    with httpx.Client(base_url=api.base_url, timeout=30, headers=bearer(keys.admin)) as client:
        yield client


def oversized_body() -> dict[str, Any]:
    """A valid body the API would refuse with 413: about 1.6 MB of colour tokens."""
    colors = {f"c{i}": "#1a7f37" for i in range(90_000)}
    return make_job(component_name="HugeBadge", tokens={"colors": colors})


def nested(depth: int) -> dict[str, Any]:
    """An object `depth` objects deep."""
    value: dict[str, Any] = {}
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.mark.usefixtures("worker")
@pytest.mark.parametrize(
    ("kwargs", "error_type", "said"),
    [
        (
            {"request": oversized_body()},
            "validation_error",
            "-byte limit (MAX_BODY_BYTES",
        ),
        (
            {"request": make_job(), "priority_hint": 3},
            "invalid_message",
            "unknown keyword arguments 'priority_hint'",
        ),
        ({"request": ["PrimaryButton", "button"]}, "invalid_message", "request is an array"),
        ({"job_id": 42}, "invalid_message", "job_id is a number"),
        ({"job_id": None}, "invalid_message", "carries no request"),
        (
            {"request": make_job(component_name="Bad\ud800Name")},
            "validation_error",
            "component_name: the string holds a lone UTF-16 surrogate",
        ),
        (
            {"request": make_job(source={"figma_file": {"document": {"name": "\udfff"}}})},
            "validation_error",
            "source.figma_file.document.name: the string holds a lone UTF-16 surrogate",
        ),
        (
            {"request": make_job(tokens={"spacing": {"md": float("nan")}})},
            "validation_error",
            "tokens.spacing.md: nan is not a JSON number",
        ),
        (
            {"request": make_job(source={"figma_file": nested(140)})},
            "validation_error",
            "nested deeper than 128 levels",
        ),
    ],
    ids=["oversized-body", "unknown-kwarg", "request-not-an-object", "job-id-not-a-string",
         "no-state-no-request", "lone-surrogate-name", "lone-surrogate-figma-file",
         "nan", "too-deep"],
)  # fmt: skip
def test_a_message_that_cannot_run_ends_failed_with_a_row(
    admin: httpx.Client, engine: Engine, kwargs: dict[str, Any], error_type: str, said: str
) -> None:
    # When a foreign client publishes it on the workers' queue
    job_id = publish(os.environ["GENERATION_QUEUE"], kwargs)
    # Then the job under its task id ends failed with the reason, and one row
    status = wait_for_end(admin, job_id)
    assert status["status"] == "failed", status
    assert status["error"] and status["error"]["type"] == error_type, status
    assert said in status["error"]["message"]
    assert generation_rows(engine, job_id) == 1


def test_a_message_with_unknown_arguments_is_kept_as_a_dead_letter(
    start_worker: Callable[..., Any], admin: httpx.Client
) -> None:
    # Given a worker on a queue of its own
    queue = f"args-{uuid.uuid4().hex[:8]}"
    start_worker(queue=queue)
    # When a message carries an argument generation.run does not take
    job_id = publish(queue, {"request": make_job(), "callback_url": "http://example.test"})
    # Then the job fails, and the message waits in the dead-letter queue with the reason
    status = wait_for_end(admin, job_id)
    assert status["status"] == "failed", status
    assert status["error"]["type"] == "invalid_message"
    letter = get_one(os.environ["BROKER_URL"], f"{queue}.dead")
    assert letter.headers["id"] == job_id
    assert "'callback_url'" in letter.headers["x-dead-letter-reason"]
