"""The two Redis roles and the memory settings each needs, checked once at start.

Job state and the broker (REDIS_URL) must never evict: an evicted job hash or queued
message is a job lost without a trace, so its policy is `noeviction` (at maxmemory it
refuses writes and submissions get a 503). The caches (CACHE_REDIS_URL), when on a
server of their own, must evict: with no maxmemory, or a policy that cannot evict any
key, they grow without bound (L1 entries live for weeks). A lost cache entry is a miss.

Settings are read from INFO memory (which managed Redis services allow) or, failing
that, CONFIG GET; when neither answers (a managed Redis without them, a Redis that is
down at start) nothing is said: this is advice, never a reason not to start.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import redis

log = logging.getLogger(__name__)

JOB_POLICY = "noeviction"
#: Policies that can evict any cache key: L1 entries and the L3 usage counters alike.
CACHE_POLICIES = frozenset({"allkeys-lru", "allkeys-lfu"})


@dataclass(frozen=True)
class MemoryConfig:
    """A Redis server's memory limit (0: none) and eviction policy."""

    maxmemory_bytes: int
    policy: str


def role_warnings(
    job: MemoryConfig | None, cache: MemoryConfig | None, *, cache_is_separate: bool
) -> list[str]:
    """What is wrong with each role's settings (None: unknown, so nothing is said). The
    cache's settings matter only on a server of its own; sharing the job Redis, it
    follows the job Redis's noeviction and its entries' TTLs bound it."""
    warnings = []
    if job is not None and job.policy != JOB_POLICY:
        warnings.append(
            f"the job-state Redis (REDIS_URL) has maxmemory-policy {job.policy}: at its "
            f"maxmemory it would evict job state and queued jobs, losing them; set "
            f"maxmemory-policy {JOB_POLICY} (deploy/README.md, Redis memory)"
        )
    if cache is not None and cache_is_separate:
        if cache.maxmemory_bytes == 0:
            warnings.append(
                "the cache Redis (CACHE_REDIS_URL) has no maxmemory: the caches will grow "
                "without bound; set maxmemory and maxmemory-policy allkeys-lru "
                "(deploy/README.md, Redis memory)"
            )
        if cache.policy not in CACHE_POLICIES:
            warnings.append(
                f"the cache Redis (CACHE_REDIS_URL) has maxmemory-policy {cache.policy}, "
                f"which cannot evict every cache key: at maxmemory, cache writes fail "
                f"instead of old entries going; set maxmemory-policy allkeys-lru"
            )
    return warnings


def memory_config(client: redis.Redis) -> MemoryConfig | None:
    """The server's maxmemory and policy, or None when it will not say (or is down)."""
    try:
        memory = client.info("memory")
        if "maxmemory_policy" in memory and "maxmemory" in memory:
            return MemoryConfig(int(memory["maxmemory"]), _text(memory["maxmemory_policy"]))
        config = client.config_get("maxmemory*")
        return MemoryConfig(int(config["maxmemory"]), _text(config["maxmemory-policy"]))
    except (redis.RedisError, KeyError, ValueError):
        return None


def check_redis_roles(job_redis: redis.Redis, cache_redis: redis.Redis) -> list[str]:
    """Warnings (possibly none) about the two Redis roles' memory settings."""
    job = memory_config(job_redis)
    cache = job if cache_redis is job_redis else memory_config(cache_redis)
    return role_warnings(job, cache, cache_is_separate=_separate(job_redis, cache_redis))


def log_redis_roles(job_redis: redis.Redis, cache_redis: redis.Redis) -> None:
    for warning in check_redis_roles(job_redis, cache_redis):
        log.warning("redis memory settings: %s", warning)


def start_check() -> None:
    """Check this process's two Redis clients in a daemon thread and log what is wrong,
    so a slow or unreachable Redis never delays a start."""
    from workers.clients import cache_redis_client, redis_client

    def check() -> None:
        log_redis_roles(redis_client(), cache_redis_client())

    threading.Thread(target=check, name="redis-roles-check", daemon=True).start()


def _separate(job_redis: redis.Redis, cache_redis: redis.Redis) -> bool:
    """Whether the cache is on another server (another database of the job server is
    not): by the servers' run ids, or by client identity when INFO does not answer."""
    if cache_redis is job_redis:
        return False
    try:
        job_id = job_redis.info("server").get("run_id")
        cache_id = cache_redis.info("server").get("run_id")
    except redis.RedisError:
        return True
    return job_id is None or job_id != cache_id


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
