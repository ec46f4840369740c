"""S3 storage against a real S3 API server: bucket policy, keys, parallel upload, URLs."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from workers.storage import bucket_epoch
from workers.storage.artifacts import (
    artifact_key,
    delete_component,
    ensure_bucket,
    forget_bucket,
    presigned_url,
    upload_artifacts,
)

pytestmark = pytest.mark.integration


def test_artifact_keys_follow_the_contract() -> None:
    assert artifact_key("c1", "component.tsx") == "components/c1/component.tsx"
    assert artifact_key("c1", "tokens.json") == "components/c1/tokens.json"
    assert artifact_key("c1", "quality-report.html") == "reports/c1/quality-report.html"


def test_bucket_gets_versioning_encryption_and_expiry(s3: Any) -> None:
    bucket = f"cf-storage-{uuid.uuid4().hex[:8]}"
    ensure_bucket(s3, bucket, region="us-east-1", lifecycle_days=90)

    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    lifecycle = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert {rule["Expiration"]["Days"] for rule in lifecycle} == {90}
    assert {rule["Status"] for rule in lifecycle} == {"Enabled"}


def test_upload_then_download_through_presigned_url(s3: Any) -> None:
    bucket = f"cf-storage-{uuid.uuid4().hex[:8]}"
    ensure_bucket(s3, bucket, region="us-east-1", lifecycle_days=90)
    files = {
        "component.tsx": b"export const X = 1;\n",
        "stories.tsx": b"export default {};\n",
        "tokens.json": b"{}",
        "requirements.json": b"{}",
        "quality-report.html": b"<!doctype html><title>r</title>",
    }

    keys = upload_artifacts(s3, bucket, "comp-1", files, concurrency=5)

    assert keys["quality-report.html"] == "reports/comp-1/quality-report.html"
    for name, key in keys.items():
        head = s3.head_object(Bucket=bucket, Key=key)
        assert head["ServerSideEncryption"] == "AES256"
        url = presigned_url(s3, bucket, key, ttl_s=3600)
        assert "X-Amz-Expires=3600" in url
        assert httpx.get(url).content == files[name]


def test_a_bucket_has_an_epoch_until_it_is_lost_or_emptied(s3: Any) -> None:
    # Given a bucket set up by a worker
    bucket = f"cf-storage-{uuid.uuid4().hex[:8]}"
    ensure_bucket(s3, bucket, region="us-east-1", lifecycle_days=90)
    first = bucket_epoch.read(s3, bucket)
    assert first is not None
    # Then the expiry rules cover the artifacts' folders, not the epoch's marker
    prefixes = {r["Filter"]["Prefix"] for r in s3.get_bucket_lifecycle_configuration(
        Bucket=bucket)["Rules"]}  # fmt: skip
    assert prefixes == {"components/", "reports/"}
    assert not bucket_epoch.MARKER_KEY.startswith(tuple(prefixes))
    # And a process's reading is reused for max_age_s, then read again
    assert bucket_epoch.current(s3, bucket, max_age_s=60) == first
    s3.delete_object(Bucket=bucket, Key=bucket_epoch.MARKER_KEY)  # emptied by hand
    assert bucket_epoch.current(s3, bucket, max_age_s=60) == first
    assert bucket_epoch.current(s3, bucket, max_age_s=0) is None
    # When it is set up again, Then it has a new epoch
    forget_bucket(s3, bucket)
    ensure_bucket(s3, bucket, region="us-east-1", lifecycle_days=90)
    assert bucket_epoch.read(s3, bucket) not in (None, first)
    assert bucket_epoch.read(s3, f"cf-never-made-{uuid.uuid4().hex[:8]}") is None


def test_processes_making_a_new_buckets_epoch_together_agree_on_one(s3: Any) -> None:
    # Given a bucket without an epoch, and eight makers finding that at the same moment
    bucket = f"cf-epoch-race-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    together = threading.Barrier(8)

    def make(_: int) -> str:
        together.wait()
        return bucket_epoch.ensure(s3, bucket)

    # When each makes one
    with ThreadPoolExecutor(8) as pool:
        made = set(pool.map(make, range(8)))
    # Then all got the one the bucket holds
    assert made == {bucket_epoch.read(s3, bucket)}


def test_delete_component_removes_every_version_of_both_folders(s3: Any) -> None:
    bucket = f"cf-storage-{uuid.uuid4().hex[:8]}"
    ensure_bucket(s3, bucket, region="us-east-1", lifecycle_days=90)
    files = {"component.tsx": b"a", "quality-report.html": b"<p>", "tokens.json": b"{}"}
    upload_artifacts(s3, bucket, "gone", files, concurrency=2)
    upload_artifacts(s3, bucket, "gone", files, concurrency=2)  # a second version of each
    upload_artifacts(s3, bucket, "kept", files, concurrency=2)

    assert delete_component(s3, bucket, "gone") == 6

    listed = s3.list_object_versions(Bucket=bucket)
    keys = {v["Key"] for v in listed.get("Versions", []) + listed.get("DeleteMarkers", [])}
    assert {key for key in keys if "/gone/" in key} == set()
    assert {artifact_key("kept", name) for name in files} <= keys
