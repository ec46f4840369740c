"""The bucket's epoch: a random id in a marker object, made when the bucket (or its
marker) is created. An L1 entry records the epoch its artifacts were uploaded under and
is served only while the bucket still has that epoch: a bucket lost, recreated empty or
emptied by hand has a new one (or none), so entries pointing at what went are misses.

Checking costs no S3 request per hit: each process reads the marker at most every
BUCKET_CHECK_S, so an L1 hit within that time of a loss may still point at lost
artifacts (the window `make chaos` shows). Objects deleted one by one are not seen: an
operator who does that invalidates the entries too (DELETE /v1/cache/{key}).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from typing import Any

from botocore.exceptions import ClientError

logger = logging.getLogger(__name__)

MARKER_KEY = "componentforge/bucket-epoch"
"""Outside components/ and reports/, so the artifacts' expiry rule never removes it."""
_ABSENT = ("404", "NoSuchKey", "NoSuchBucket")
_MADE_MEANWHILE = ("PreconditionFailed", "ConditionalRequestConflict", "412", "409")

_seen: dict[tuple[int, str], tuple[float, str | None]] = {}
_lock = threading.Lock()


def read(s3: Any, bucket: str) -> str | None:
    """The bucket's epoch; None when the bucket or its marker is gone."""
    try:
        return s3.get_object(Bucket=bucket, Key=MARKER_KEY)["Body"].read().decode()
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in _ABSENT:
            return None
        raise


def ensure(s3: Any, bucket: str) -> str:
    """The bucket's epoch, making a new one if it has none (a bucket just created).

    Made only if still absent (If-None-Match: *): processes starting together on a new
    bucket all find none, and with a plain put the last one's epoch would win while the
    others store entries under theirs, misses from then on."""
    epoch = read(s3, bucket)
    if epoch is None:
        epoch = uuid.uuid4().hex
        try:
            s3.put_object(Bucket=bucket, Key=MARKER_KEY, Body=epoch.encode(),
                          ServerSideEncryption="AES256", IfNoneMatch="*")  # fmt: skip
            logger.warning("bucket %s has a new epoch %s: older L1 entries are misses",
                           bucket, epoch)  # fmt: skip
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in _MADE_MEANWHILE:
                raise
            epoch = read(s3, bucket) or epoch  # another process's, made first
    _remember(s3, bucket, epoch)
    return epoch


def current(s3: Any, bucket: str, *, max_age_s: float) -> str | None:
    """The epoch as this process last read it, read again when older than `max_age_s`.
    S3 unreachable: the last value read (entries are then served unchecked)."""
    now = time.monotonic()
    seen = _seen.get((id(s3), bucket))
    if seen is not None and now - seen[0] < max_age_s:
        return seen[1]
    try:
        epoch = read(s3, bucket)
    except Exception as exc:  # S3 down: no news is not bad news
        logger.warning("bucket epoch unreadable (%s); keeping the last one", type(exc).__name__)
        return seen[1] if seen is not None else None
    _remember(s3, bucket, epoch)
    return epoch


def _remember(s3: Any, bucket: str, epoch: str | None) -> None:
    with _lock:
        _seen[(id(s3), bucket)] = (time.monotonic(), epoch)


def reset_after_fork() -> None:
    with _lock:
        _seen.clear()
