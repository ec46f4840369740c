"""The queue is a trust boundary: a message published by name carries an existing tenant,
cannot pick S3 keys or reuse another job's id, and what it is refused leaves no trace
but a dead letter."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from celery import Celery
from sqlalchemy import Engine, text

from core.keys import job_key
from core.spec import JobSpec
from core.state import creation_fields, new_job
from tests.conftest import Keys, bearer
from tests.helpers import (
    generation_rows,
    get_one,
    make_job,
    object_versions,
    queue_job,
    submit_and_wait,
    wait_for_end,
)
from workers.storage.bucket_epoch import MARKER_KEY

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]
EVIL_ID = "../../reports/evil"


def publish(queue: str, kwargs: dict[str, Any], *, task_id: str | None = None) -> str:
    """send_task as a foreign client would; the task id."""
    client = Celery(broker=os.environ["BROKER_URL"], set_as_current=False)
    try:
        return client.send_task(
            "generation.run", kwargs=kwargs, queue=queue, task_id=task_id or uuid.uuid4().hex
        ).id
    finally:
        client.close()


@pytest.fixture
def admin(api: httpx.Client, keys: Keys) -> Iterator[httpx.Client]:
    """Reads every tenant's jobs (a job failed for naming no tenant belongs to none)."""
    with httpx.Client(base_url=api.base_url, timeout=30, headers=bearer(keys.admin)) as client:
        yield client


@pytest.fixture
def own_queue(start_worker: Callable[..., Any]) -> str:
    """A queue with a worker of its own, so its dead letters are this test's."""
    queue = f"boundary-{uuid.uuid4().hex[:8]}"
    start_worker(queue=queue)
    return queue


def row_of(engine: Engine, job_id: str) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM generations WHERE id = :id"), {"id": job_id})
        found = row.mappings().first()
        return dict(found) if found is not None else None


def all_keys(s3: Any, bucket: str) -> list[str]:
    return [key for key, _ in object_versions(s3, bucket)]


@pytest.mark.parametrize("where", ["job_id", "task_id"])
def test_an_unsafe_job_id_writes_nothing_and_is_dead_lettered(
    where: str, own_queue: str, engine: Engine, redis_db: Any, s3: Any, bucket: str
) -> None:
    # Given a valid body of an existing tenant, under an id that climbs out of components/
    body = make_job(component_name="EvilButton", tenant_id="tenant-a")
    # When it is published naming that id (as job_id, or as the task id)
    if where == "job_id":
        publish(own_queue, {"job_id": EVIL_ID, "request": body})
    else:
        publish(own_queue, {"request": body}, task_id=EVIL_ID)
    # Then it is kept as a dead letter with the reason
    letter = get_one(os.environ["BROKER_URL"], f"{own_queue}.dead")
    assert "is not 1..64 letters, digits, - or _" in letter.headers["x-dead-letter-reason"]
    # And nothing was written under it: no row, no state, no S3 object outside the folders
    assert generation_rows(engine, EVIL_ID) == 0
    assert not redis_db.exists(job_key(EVIL_ID))
    keys = all_keys(s3, bucket)
    assert not [key for key in keys if "evil" in key]
    assert all(key.startswith(("components/", "reports/")) for key in keys if key != MARKER_KEY)


@pytest.mark.parametrize("expired", [False, True], ids=["live-state", "state-expired"])
@pytest.mark.parametrize("tenant", ["tenant-a", "tenant-b"])
@pytest.mark.usefixtures("worker")
def test_reusing_an_ended_jobs_id_leaves_that_job_untouched(
    expired: bool,
    tenant: str,
    own_queue: str,
    api: httpx.Client,
    engine: Engine,
    redis_db: Any,
    s3: Any,
    bucket: str,
) -> None:
    # Given tenant-a's job that succeeded, its row, state and artifacts
    body = make_job(component_name="OriginalButton")
    original = submit_and_wait(api, body)
    assert original["status"] == "succeeded", original
    job_id, component_id = original["id"], original["result"]["component_id"]
    assert component_id != job_id  # the folder is server-made, not the job id
    row = row_of(engine, job_id)
    if expired:
        redis_db.delete(job_key(job_id))
    state = redis_db.hgetall(job_key(job_id))
    versions = object_versions(s3, bucket, f"components/{component_id}/") + object_versions(
        s3, bucket, f"reports/{component_id}/"
    )
    code_key = original["result"]["artifacts"]["component.tsx"]["key"]
    code = s3.get_object(Bucket=bucket, Key=code_key)["Body"].read()
    # When a message reuses its id with other code (another design, the same L1 inputs'
    # neighbour) for `tenant`
    attack = {**body, "tokens": {"colors": {"primary": "#ff0000"}}, "tenant_id": tenant}
    publish(own_queue, {"job_id": job_id, "request": attack})
    sentinel = queue_job(own_queue, make_job(component_name="AfterAttackButton"))
    assert wait_for_end(api, sentinel)["status"] == "succeeded"  # the attack was handled
    # Then it is refused and kept as a dead letter (its own tenant's ended job, still in
    # Redis, is a no-op: a redelivery of an ended job looks the same)
    if expired or tenant != "tenant-a":
        letter = get_one(os.environ["BROKER_URL"], f"{own_queue}.dead")
        assert job_id in letter.headers["x-dead-letter-reason"]
    # And the original job's row, state and artifacts are as they were
    assert row_of(engine, job_id) == row
    assert redis_db.hgetall(job_key(job_id)) == state
    assert (
        object_versions(s3, bucket, f"components/{component_id}/")
        + object_versions(s3, bucket, f"reports/{component_id}/")
        == versions
    )
    # And an identical submission is an L1 hit serving the original code
    again = submit_and_wait(api, body)
    assert again["cache_layer"] == "L1", again
    assert again["result"]["component_id"] == component_id
    assert s3.get_object(Bucket=bucket, Key=code_key)["Body"].read() == code


def test_a_live_job_of_another_tenant_is_not_touched(
    own_queue: str, redis_db: Any, engine: Engine
) -> None:
    # Given tenant-a's job waiting in the queue
    job_id = uuid.uuid4().hex
    spec = JobSpec.model_validate(make_job(component_name="WaitingButton", tenant_id="tenant-a"))
    fields = creation_fields(new_job(job_id, spec.model_dump(mode="json", exclude_none=True)))
    redis_db.hset(job_key(job_id), mapping=fields)
    try:
        state = redis_db.hgetall(job_key(job_id))
        # When tenant-b publishes a body under its id
        body = make_job(component_name="HijackButton", tenant_id="tenant-b")
        publish(own_queue, {"job_id": job_id, "request": body})
        # Then the message is refused, and tenant-a's job is as it was, with no row
        letter = get_one(os.environ["BROKER_URL"], f"{own_queue}.dead")
        assert "another tenant" in letter.headers["x-dead-letter-reason"]
        assert redis_db.hgetall(job_key(job_id)) == state
        assert generation_rows(engine, job_id) == 0
    finally:
        redis_db.delete(job_key(job_id))


@pytest.mark.usefixtures("worker")
@pytest.mark.parametrize(
    ("tenant", "said"),
    [(None, "must name its tenant"), ("no-such-tenant", "no tenant 'no-such-tenant'")],
    ids=["no-tenant", "unknown-tenant"],
)
def test_a_message_without_an_existing_tenant_ends_failed_with_a_row(
    tenant: str | None, said: str, admin: httpx.Client, engine: Engine, redis_db: Any
) -> None:
    # When a body naming no tenant, or one that does not exist, is published
    body = make_job(component_name="OrphanButton")
    if tenant is not None:
        body["tenant_id"] = tenant
    job_id = publish(os.environ["GENERATION_QUEUE"], {"request": body})
    # Then the job ends failed with the reason and one row, and its hash keeps no body
    status = wait_for_end(admin, job_id)
    assert status["status"] == "failed", status
    assert status["error"]["type"] == "unknown_tenant"
    assert said in status["error"]["message"]
    assert generation_rows(engine, job_id) == 1
    assert not redis_db.hexists(job_key(job_id), "spec")
