"""S3 down: jobs succeed with uploads pending, and the objects appear when S3 returns."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from tests.helpers import make_job, object_versions, queue_job, wait_for_end

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
    job_id = queue_job(queue, body)
    # When the job runs
    status = wait_for_end(api, job_id)
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
    fresh = api.get(f"/v1/generations/{job_id}").json()
    for name, artifact in fresh["result"]["artifacts"].items():
        download = httpx.get(artifact["url"])
        assert download.status_code == 200 and download.content, name
    assert list((tmp_path / "spool" / "uploads").glob("*.json")) == []


def _delete_bucket(s3: Any, bucket: str) -> None:
    """Delete a versioned bucket as an operator would by mistake: every version and
    delete marker first, then the bucket."""
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        versions = page.get("Versions", []) + page.get("DeleteMarkers", [])
        if versions:
            s3.delete_objects(
                Bucket=bucket,
                Delete={
                    "Objects": [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in versions]
                },
            )
    s3.delete_bucket(Bucket=bucket)


def test_a_vanished_bucket_is_created_again_with_its_settings(
    start_worker: Callable[..., Any], api: httpx.Client, s3: Any
) -> None:
    # Given a worker whose one pool process has already set its bucket up
    queue = f"nobucket-{uuid.uuid4().hex[:8]}"
    bucket = f"cf-vanishing-{uuid.uuid4().hex[:8]}"
    start_worker(queue=queue, env={"S3_BUCKET": bucket, "S3_LIFECYCLE_DAYS": "30"})
    first = wait_for_end(api, queue_job(queue, make_job(component_name="BeforeCard")))
    assert first["status"] == "succeeded", first
    # When the bucket is deleted, then a job runs
    _delete_bucket(s3, bucket)
    job_id = queue_job(queue, make_job(component_name="AfterCard", component_type="card"))
    status = wait_for_end(api, job_id)
    # Then the job succeeds with its artifacts uploaded, into the bucket made again
    assert status["status"] == "succeeded", status
    assert status["result"].get("uploads") != "pending"
    prefix = f"components/{status['result']['component_id']}/"
    # (a key may hold two versions: an upload retried under load writes the same key again)
    assert len({key for key, _ in object_versions(s3, bucket, prefix)}) == 4
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    lifecycle = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert lifecycle[0]["Expiration"]["Days"] == 30 and lifecycle[0]["Status"] == "Enabled"
