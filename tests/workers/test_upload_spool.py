"""S3 down: jobs succeed with uploads pending, and the objects appear when S3 returns."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from celery import Celery

from tests.helpers import make_job, object_versions, wait_for_end

pytestmark = pytest.mark.integration


def test_artifacts_are_spooled_then_uploaded(
    start_worker: Callable[..., Any],
    api: httpx.Client,
    s3: Any,
    bucket: str,
    redis_db: redis.Redis,
    tmp_path: Path,
) -> None:
    # Given a worker that cannot reach S3
    queue = f"nos3-{uuid.uuid4().hex[:8]}"
    settings = {"SPOOL_DIR": str(tmp_path / "spool"), "SPOOL_REPLAY_INTERVAL_S": "0.5"}
    cut_off = start_worker(queue=queue, env={**settings, "S3_ENDPOINT_URL": "http://127.0.0.1:9"})
    body = make_job(component_name="SpooledUploadCard", component_type="card")
    sent = Celery(broker=os.environ["BROKER_URL"], set_as_current=False).send_task(
        "generation.run", kwargs={"request": body}, queue=queue
    )
    # When the job runs
    status = wait_for_end(api, sent.id)
    # Then it succeeds with its uploads pending, and nothing is cached or uploaded yet
    assert status["status"] == "succeeded", status
    assert status["result"]["uploads"] == "pending"
    assert not redis_db.exists(status["cache_key"])
    prefix = f"components/{status['result']['component_id']}/"
    assert object_versions(s3, bucket, prefix) == []
    cut_off.stop()
    # When a worker that reaches S3 runs on that machine
    start_worker(queue=queue, env=settings)
    # Then every artifact appears at the key the job reported, and downloads
    deadline = time.monotonic() + 20
    while len(object_versions(s3, bucket, prefix)) < 4 and time.monotonic() < deadline:
        time.sleep(0.2)
    fresh = api.get(f"/v1/generations/{sent.id}").json()
    for name, artifact in fresh["result"]["artifacts"].items():
        download = httpx.get(artifact["url"])
        assert download.status_code == 200 and download.content, name
    assert list((tmp_path / "spool" / "uploads").glob("*.json")) == []
