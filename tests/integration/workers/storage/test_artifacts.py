"""S3 storage against a real S3 API server: bucket policy, keys, parallel upload, URLs."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from workers.storage.artifacts import (
    artifact_key,
    ensure_bucket,
    missing_artifacts,
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
    assert lifecycle[0]["Expiration"]["Days"] == 90
    assert lifecycle[0]["Status"] == "Enabled"


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


def test_missing_artifacts_names_what_s3_lacks(s3: Any) -> None:
    bucket = f"cf-storage-{uuid.uuid4().hex[:8]}"
    ensure_bucket(s3, bucket, region="us-east-1", lifecycle_days=90)
    keys = upload_artifacts(s3, bucket, "comp-2", {"a.tsx": b"1", "b.json": b"{}"}, concurrency=2)
    all_keys = sorted(keys.values())
    assert missing_artifacts(s3, bucket, all_keys, concurrency=2) == []

    s3.delete_object(Bucket=bucket, Key=keys["a.tsx"])  # a delete marker: versions remain

    assert missing_artifacts(s3, bucket, all_keys, concurrency=2) == [keys["a.tsx"]]
    assert missing_artifacts(s3, bucket, [keys["a.tsx"]], concurrency=2) == [keys["a.tsx"]]
    gone = f"cf-never-made-{uuid.uuid4().hex[:8]}"
    assert missing_artifacts(s3, gone, all_keys, concurrency=2) == all_keys
