"""Faults that take a server away with its data or its state: Redis killed -9, RabbitMQ
stopped and started, the S3 bucket deleted with every version. Each returns what the
counts need to know of it (an Aftermath)."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from botocore.exceptions import ClientError

from devstack.chaos.stack import ChaosStack

Say = Callable[[str], None]
AOF_WINDOW_S = 1.5
"""appendfsync everysec: a kill -9 may lose about the last second of writes (README,
Durability); jobs accepted this close before the kill may be gone, with a margin for
the fsync's own lag."""


@dataclass
class Aftermath:
    """What a fault did that the counts must know of (times are time.time())."""

    crashed_at: float | None = None  # Redis killed -9: later writes may be lost
    bucket_gone_at: float | None = None  # jobs ended before lost their artifacts with it
    poison: dict[str, str] = field(default_factory=dict)  # job id -> what was wrong


def kill_redis(stack: ChaosStack, outage_s: float, say: Say) -> Aftermath:
    """kill -9 the Redis of job state and the broker's, mid-burst; start them again after
    the outage on the same ports and data dirs (their append-only files)."""
    servers = [s for s in (stack.state_server, stack.broker) if s is not None]
    time.sleep(1)
    crashed_at = time.time()
    for server in servers:
        server.kill9()
    say(f"killed -9 {', '.join(s.name for s in servers)}; down for {outage_s:.0f} s")
    time.sleep(outage_s)
    for server in servers:
        server.start()
    say("Redis started again from its append-only files")
    return Aftermath(crashed_at=crashed_at)


def rabbitmq_url() -> str | None:
    """TEST_RABBITMQ_URL, or the local RabbitMQ when 127.0.0.1:5672 answers; else None."""
    url = os.environ.get("TEST_RABBITMQ_URL") or "amqp://guest:guest@127.0.0.1:5672//"
    parts = urlsplit(url)
    try:
        socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5672), 2).close()
    except OSError:
        return None
    return url


def _rabbitmqctl(command: str) -> None:
    subprocess.run(["rabbitmqctl", command], check=True, capture_output=True, timeout=120)


def restart_rabbitmq(stack: ChaosStack, outage_s: float, say: Say) -> Aftermath:
    """`rabbitmqctl stop_app`, then `start_app` after the outage, whatever happens
    in between (RabbitMQ is this machine's service, not the drill's)."""
    time.sleep(1)
    try:
        _rabbitmqctl("stop_app")
        say(f"RabbitMQ stopped (stop_app) for {outage_s:.0f} s")
        time.sleep(outage_s)
    finally:
        _rabbitmqctl("start_app")
        say("RabbitMQ started again (start_app)")
    return Aftermath()


def delete_bucket(stack: ChaosStack, outage_s: float, say: Say) -> Aftermath:
    """Delete the artifact bucket, every version of every object first, mid-burst, as an
    S3 restarted empty would have it; the jobs must create it again. Waits for the
    first artifacts, so that jobs which already wrote some lose them too."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not _has_objects(stack):
        time.sleep(0.2)
    deleted = 0
    for _ in range(20):  # uploads racing the deletion put objects back
        deleted += _delete_all_versions(stack)
        try:
            stack.s3.delete_bucket(Bucket=stack.bucket)
            break
        except ClientError as error:
            if error.response["Error"]["Code"] == "NoSuchBucket":
                break
    gone_at = time.time()
    say(f"bucket {stack.bucket} deleted with {deleted} object versions")
    time.sleep(outage_s)
    return Aftermath(bucket_gone_at=gone_at)


def _has_objects(stack: ChaosStack) -> bool:
    try:
        return bool(stack.s3.list_objects_v2(Bucket=stack.bucket, MaxKeys=1).get("KeyCount"))
    except ClientError:  # not created yet: the first upload creates it
        return False


def _delete_all_versions(stack: ChaosStack) -> int:
    deleted = 0
    pages = stack.s3.get_paginator("list_object_versions").paginate(Bucket=stack.bucket)
    try:
        for page in pages:
            versions = page.get("Versions", []) + page.get("DeleteMarkers", [])
            objects = [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in versions]
            if objects:
                stack.s3.delete_objects(Bucket=stack.bucket, Delete={"Objects": objects})
                deleted += len(objects)
    except ClientError as error:
        if error.response["Error"]["Code"] != "NoSuchBucket":
            raise
    return deleted
