"""Artifacts that survive S3 being down: files that cannot be uploaded now are spooled
to local disk (workers.resilience.spool) under the keys they will have, the job succeeds with
uploads pending, and the worker machine uploads them when S3 answers again. Uploading
the same key twice only adds a version, so a replay after a crash is harmless. A
bucket that vanished is created again, with its settings, before the upload is retried.
"""

from __future__ import annotations

import base64
import logging
from typing import Any

from config.settings import get_settings
from workers.clients import s3_client
from workers.resilience.dependency import S3
from workers.resilience.spool import Spool
from workers.storage import artifacts

logger = logging.getLogger(__name__)


def spool() -> Spool:
    return Spool(get_settings().spool_dir / "uploads")


def _upload(component_id: str, files: dict[str, bytes]) -> dict[str, str]:
    """Upload under the s3 retry policy and circuit breaker."""
    settings = get_settings()
    s3 = s3_client()

    def put() -> dict[str, str]:
        artifacts.ensure_bucket(
            s3, settings.s3_bucket, region=settings.s3_region,
            lifecycle_days=settings.s3_lifecycle_days,
        )  # fmt: skip
        return artifacts.upload_artifacts(
            s3, settings.s3_bucket, component_id, files, concurrency=settings.s3_upload_concurrency
        )

    def attempt() -> dict[str, str]:
        try:
            return put()
        except Exception as exc:
            if not artifacts.bucket_missing(exc):
                raise
        # The process had set the bucket up, but it is gone: create it again (versioning,
        # encryption, lifecycle) and upload once more. Still missing: classed transient,
        # so retried under the policy, then spooled.
        logger.warning("bucket %s is gone; creating it again", settings.s3_bucket)
        artifacts.forget_bucket(s3, settings.s3_bucket)
        return put()

    return S3.call(attempt)


def upload_or_spool(component_id: str, files: dict[str, bytes]) -> tuple[dict[str, str], bool]:
    """Upload now (keys, True) or, S3 being unreachable, spool (keys, False)."""
    try:
        return _upload(component_id, files), True
    except Exception as exc:
        if not S3.is_transient(exc):
            raise
        spool().put(
            component_id,
            {
                "component_id": component_id,
                "files": {name: base64.b64encode(data).decode() for name, data in files.items()},
            },
        )
        logger.warning("component %s: S3 unreachable, artifacts spooled", component_id)
        return {name: artifacts.artifact_key(component_id, name) for name in files}, False


def discard(component_id: str) -> int:
    """Drop a component's spooled uploads (its job was cancelled); returns how many."""
    dropped = [path for path in spool().pending() if path.name.endswith(f"-{component_id}.json")]
    for path in dropped:
        path.unlink(missing_ok=True)
    return len(dropped)


def replay() -> int:
    def apply(item: dict[str, Any]) -> None:
        files = {name: base64.b64decode(data) for name, data in item["files"].items()}
        _upload(item["component_id"], files)

    return spool().drain(apply)
