"""Facts about the deployment's storage for the admin's dashboard: the artifact bucket
(objects, bytes, versioning, lifecycle) and Postgres (size, connections).

Listing a bucket costs one request per 1,000 objects, so it is bounded (MAX_LIST_PAGES)
and remembered for BUCKET_FACTS_TTL_S; a bigger bucket is reported as "at least".
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from sqlalchemy import Engine, text

logger = logging.getLogger(__name__)

BUCKET_FACTS_TTL_S = 60.0
MAX_LIST_PAGES = 20  # 20,000 objects

_cached: dict[str, tuple[float, dict[str, Any]]] = {}
_lock = threading.Lock()

_POSTGRES = text(
    """
    SELECT pg_database_size(current_database()) AS size_bytes,
           (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database())
             AS connections,
           current_setting('max_connections')::int AS max_connections
    """
)


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _lifecycle(s3: Any, bucket: str) -> list[str]:
    """Each enabled rule in words, e.g. "expire after 90 days"."""
    try:
        rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket).get("Rules", [])
    except ClientError as exc:
        if _error_code(exc) in ("NoSuchLifecycleConfiguration", "NotImplemented"):
            return []
        raise
    words = []
    for rule in rules:
        if rule.get("Status") != "Enabled":
            continue
        prefix = rule.get("Filter", {}).get("Prefix") or rule.get("Prefix") or ""
        scope = f" ({prefix}*)" if prefix else ""
        if days := rule.get("Expiration", {}).get("Days"):
            words.append(f"expire after {days} days{scope}")
        if days := rule.get("NoncurrentVersionExpiration", {}).get("NoncurrentDays"):
            words.append(f"old versions expire after {days} days{scope}")
        if days := rule.get("AbortIncompleteMultipartUpload", {}).get("DaysAfterInitiation"):
            words.append(f"abort unfinished uploads after {days} days{scope}")
    return words


def _read_bucket(s3: Any, bucket: str) -> dict[str, Any]:
    objects = size = pages = 0
    truncated = False
    token: dict[str, str] = {}
    while True:
        page = s3.list_objects_v2(Bucket=bucket, MaxKeys=1000, **token)
        pages += 1
        contents = page.get("Contents", [])
        objects += len(contents)
        size += sum(item.get("Size", 0) for item in contents)
        if not page.get("IsTruncated"):
            break
        if pages >= MAX_LIST_PAGES:
            truncated = True
            break
        token = {"ContinuationToken": page["NextContinuationToken"]}
    versioning = s3.get_bucket_versioning(Bucket=bucket).get("Status") or "Disabled"
    return {
        "bucket": bucket,
        "objects": objects,
        "bytes": size,
        "at_least": truncated,
        "versioning": versioning,
        "lifecycle": _lifecycle(s3, bucket),
    }


def bucket_facts(s3: Any, bucket: str) -> dict[str, Any]:
    """The bucket's facts, read at most every BUCKET_FACTS_TTL_S; `error` says why not."""
    hit = _cached.get(bucket)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    try:
        facts = _read_bucket(s3, bucket)
    except ClientError as exc:
        code = _error_code(exc)
        missing = code in ("404", "NoSuchBucket")
        facts = {"bucket": bucket, "error": "not created yet" if missing else code or "error"}
    except BotoCoreError as exc:
        logger.warning("dashboard: bucket %s unreadable: %s", bucket, exc)
        facts = {"bucket": bucket, "error": type(exc).__name__}
    with _lock:
        _cached[bucket] = (time.monotonic() + BUCKET_FACTS_TTL_S, facts)
    return facts


def postgres_facts(engine: Engine) -> dict[str, Any]:
    """The database's size on disk and its connections (of max_connections)."""
    with engine.connect() as conn:
        return dict(conn.execute(_POSTGRES).one()._mapping)
