"""Resource gauges read at scrape time: Redis memory, Postgres connections, the bucket's
object count and size. The bucket listing is cached (it grows with every job)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import text

from config.settings import get_settings
from workers.clients import db_engine, redis_client, s3_client

logger = logging.getLogger(__name__)
BUCKET_LISTING_TTL_S = 300.0
NAMES = (
    "redis_memory_used_bytes", "redis_maxmemory_bytes", "postgres_connections",
    "s3_bucket_objects", "s3_bucket_bytes",
)  # fmt: skip


class ResourceCollector(Collector):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._bucket: tuple[float, int, int] | None = None  # (read at, objects, bytes)

    def _bucket_totals(self) -> tuple[int, int]:
        with self._lock:
            if self._bucket is None or time.monotonic() - self._bucket[0] > BUCKET_LISTING_TTL_S:
                objects = size = 0
                pages = s3_client().get_paginator("list_objects_v2")
                for page in pages.paginate(Bucket=get_settings().s3_bucket):
                    for item in page.get("Contents", []):
                        objects += 1
                        size += int(item["Size"])
                self._bucket = (time.monotonic(), objects, size)
            return self._bucket[1], self._bucket[2]

    def collect(self) -> Iterator[Any]:
        # Each source on its own: one that is down must not hide the others.
        try:
            memory = redis_client().info("memory")
            yield GaugeMetricFamily(
                "redis_memory_used_bytes", "Redis memory in use", value=int(memory["used_memory"])
            )
            # The limit at which Redis refuses writes (policy noeviction); 0: no limit.
            # RedisMemoryHigh fires at 80% of it; a policy that evicts alerts too.
            limit = GaugeMetricFamily(
                "redis_maxmemory_bytes", "Redis maxmemory (0: unlimited)", labels=["policy"]
            )
            limit.add_metric(
                [str(memory.get("maxmemory_policy", "unknown"))], int(memory.get("maxmemory", 0))
            )
            yield limit
        except Exception as exc:
            logger.warning("redis memory gauge: %s", exc)
        try:
            with db_engine().connect() as conn:
                count = conn.execute(
                    text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
                ).scalar_one()
            yield GaugeMetricFamily(
                "postgres_connections", "Connections to this database", value=int(count)
            )
        except Exception as exc:
            logger.warning("postgres connections gauge: %s", exc)
        try:
            objects, size = self._bucket_totals()
            yield GaugeMetricFamily(
                "s3_bucket_objects", "Objects in the artifact bucket", value=objects
            )
            yield GaugeMetricFamily("s3_bucket_bytes", "Bytes in the artifact bucket", value=size)
        except Exception as exc:
            logger.warning("bucket gauges: %s", exc)

    def describe(self) -> Iterator[Any]:
        return iter(())  # values only at scrape time; nothing to check at registration
