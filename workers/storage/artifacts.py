"""Artifacts in S3 (any S3-compatible endpoint): bucket set-up, parallel uploads, URLs."""

from __future__ import annotations

import logging
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore.exceptions import ClientError

from workers.storage import bucket_epoch

logger = logging.getLogger(__name__)

CONTENT_TYPES = {
    ".tsx": "text/plain; charset=utf-8",
    ".json": "application/json",
    ".html": "text/html; charset=utf-8",
}
_REPORTS = frozenset({"quality-report.html"})

_SAFE_PART = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}")
_ensured: set[tuple[int, str]] = set()
_ensure_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def artifact_key(component_id: str, name: str) -> str:
    """`components/{id}/{name}` or `reports/{id}/{name}`; raises ValueError for an id or
    name that could make the key climb out of its folder (ids are server-made)."""
    if not _SAFE_PART.fullmatch(component_id) or not _SAFE_PART.fullmatch(name):
        raise ValueError(f"not a safe artifact key part: {component_id[:80]!r}/{name[:80]!r}")
    folder = "reports" if name in _REPORTS else "components"
    return f"{folder}/{component_id}/{name}"


def ensure_bucket(s3: Any, bucket: str, *, region: str, lifecycle_days: int) -> None:
    """Create the bucket if needed, (re)apply versioning, AES256 and expiry, and give it
    an epoch if it has none (workers.storage.bucket_epoch).

    Runs once per client (until forget_bucket); the settings calls are idempotent, so
    several processes racing here is harmless.
    """
    marker = (id(s3), bucket)
    if marker in _ensured:
        return
    with _ensure_lock:
        if marker in _ensured:
            return
        try:
            s3.head_bucket(Bucket=bucket)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket"):
                raise
            kwargs: dict[str, Any] = {"Bucket": bucket}
            if region != "us-east-1":
                kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
            try:
                s3.create_bucket(**kwargs)
                logger.info("created bucket %s", bucket)
            except ClientError as create_exc:
                code = create_exc.response.get("Error", {}).get("Code")
                if code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    raise
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        s3.put_bucket_encryption(
            Bucket=bucket,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
        )
        # The artifacts' folders expire; the epoch marker beside them must not.
        s3.put_bucket_lifecycle_configuration(
            Bucket=bucket,
            LifecycleConfiguration={
                "Rules": [
                    {
                        "ID": f"{folder}-expire-after-{lifecycle_days}-days",
                        "Status": "Enabled",
                        "Filter": {"Prefix": f"{folder}/"},
                        "Expiration": {"Days": lifecycle_days},
                        "NoncurrentVersionExpiration": {"NoncurrentDays": lifecycle_days},
                    }
                    for folder in ("components", "reports")
                ]
            },
        )
        bucket_epoch.ensure(s3, bucket)
        _ensured.add(marker)


def bucket_missing(exc: BaseException) -> bool:
    """S3 says the bucket is gone (a fresh endpoint, or deleted by mistake)."""
    return isinstance(exc, ClientError) and (
        exc.response.get("Error", {}).get("Code") == "NoSuchBucket"
    )


def forget_bucket(s3: Any, bucket: str) -> None:
    """Drop the "already set up" marker, so the next ensure_bucket creates the bucket
    again with its settings."""
    with _ensure_lock:
        _ensured.discard((id(s3), bucket))


def _upload_pool(max_workers: int) -> ThreadPoolExecutor:
    """The threads of parallel uploads."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="s3-upload")
        return _pool


def reset_after_fork() -> None:
    """A forked child must not reuse the parent's threads or bucket markers."""
    global _pool
    _pool = None
    _ensured.clear()
    bucket_epoch.reset_after_fork()


def upload_artifacts(
    s3: Any, bucket: str, component_id: str, files: dict[str, bytes], *, concurrency: int
) -> dict[str, str]:
    """Upload every file in parallel; returns name -> key. Raises if any upload fails."""

    def put(name: str) -> str:
        key = artifact_key(component_id, name)
        suffix = name[name.rfind(".") :]
        s3.put_object(
            Bucket=bucket,
            Key=key,
            Body=files[name],
            ContentType=CONTENT_TYPES.get(suffix, "application/octet-stream"),
            ServerSideEncryption="AES256",
        )
        return key

    names = sorted(files)
    futures = [_upload_pool(concurrency).submit(put, name) for name in names]
    return {name: future.result() for name, future in zip(names, futures, strict=True)}


def delete_component(s3: Any, bucket: str, component_id: str) -> int:
    """Delete every version (and delete marker) of a component's artifacts, in both its
    folders; returns how many were deleted. For a cancelled job, which leaves nothing:
    in a versioned bucket a plain delete would keep the uploaded versions."""
    found: list[dict[str, str]] = []
    for name in ("component.tsx", "quality-report.html"):  # one name per folder
        prefix = artifact_key(component_id, name).rsplit("/", 1)[0] + "/"
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix):
            for entry in page.get("Versions", []) + page.get("DeleteMarkers", []):
                found.append({"Key": entry["Key"], "VersionId": entry["VersionId"]})
    for start in range(0, len(found), 1000):  # DeleteObjects takes up to 1000 keys
        s3.delete_objects(Bucket=bucket, Delete={"Objects": found[start : start + 1000]})
    return len(found)


def presigned_url(s3: Any, bucket: str, key: str, *, ttl_s: int) -> str:
    return s3.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=ttl_s
    )
