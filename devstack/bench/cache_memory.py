"""How much memory an L1 entry takes, and whether lookups stay flat as the cache grows.

    python -m devstack.bench.cache_memory        # or: make bench-cache

Fills a Redis with 10^3, then 10^4, then 10^5 L1 entries (records the chain really
makes, from samples/exemplars, each with its own ids), timing random lookups (GET and
l1_cache.decode, as a job does) at each size; then fills a Redis capped with
allkeys-lru well past its limit to show that it evicts, stays under the cap and still
serves recent entries. Uses REDIS_URL's Redis (an empty database) for the growth run when
set, else a redis-server of its own; the eviction run always gets its own server.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import replace
from hashlib import sha256
from pathlib import Path

import redis

from core.keys import L1_PREFIX
from core.result import JobCost
from core.spec import JobSpec
from devstack.bench.run import redis_with, table
from devstack.bench.timing import percentile
from workers.chain.runner import run_chain
from workers.storage import l1_cache
from workers.storage.artifacts import artifact_key
from workers.storage.l1_cache import L1Record

SIZES = tuple(int(n) for n in os.environ.get("BENCH_CACHE_SIZES", "1000,10000,100000").split(","))
LOOKUPS = int(os.environ.get("BENCH_CACHE_LOOKUPS", "2000"))
ROUNDS = 5  # of LOOKUPS each, per size
ROUND_GAP_S = 0.5
EVICTION_MAXMEMORY = "16mb"
EVICTION_OVERFILL = 3  # write this many times what the cap holds
RECENT = 1000  # the newest entries, looked up after the overfill
WRITE_BATCH = 1000
EXEMPLARS = Path(__file__).resolve().parents[2] / "samples" / "exemplars"
TTL_S = l1_cache.ttl_s(90)  # S3_LIFECYCLE_DAYS' default: a TTL on every entry, as in production
GROWTH_HEADER = ["entries", "p50 us", "p99 us", f"p50 / {SIZES[0]:,}", f"p99 / {SIZES[0]:,}",
                 "MEMORY USAGE B", "used_memory B / entry"]  # fmt: skip

Row = list[str]


def sample_records() -> list[L1Record]:
    """One real L1 record per exemplar: the chain run in-process (template provider), so
    the quality summary is what an entry holds in production."""
    records = []
    for path in sorted(EXEMPLARS.glob("*.json")):
        chain = run_chain(JobSpec.model_validate(json.loads(path.read_text())))
        component_id = uuid.uuid4().hex
        records.append(
            L1Record(
                component_id=component_id,
                source_job_id=uuid.uuid4().hex,
                provider=chain.provider,
                model=chain.model,
                pattern_id=chain.pattern_id,
                artifact_keys={name: artifact_key(component_id, name) for name in chain.files},
                quality=chain.quality,
                cost=JobCost(usd=0.0, prompt_tokens=0, completion_tokens=0),
                tenant_id="tenant-acme",
                bucket_epoch=uuid.uuid4().hex,
            )
        )
    return records


def entry_key(index: int) -> str:
    return L1_PREFIX + sha256(f"bench-entry-{index}".encode()).hexdigest()


def fill(client: redis.Redis, samples: Sequence[L1Record], start: int, stop: int) -> None:
    """Write entries start..stop-1, each a sample with ids of its own."""
    for batch in range(start, stop, WRITE_BATCH):
        pipe = client.pipeline(transaction=False)
        for index in range(batch, min(batch + WRITE_BATCH, stop)):
            component_id = uuid.uuid4().hex
            sample = samples[index % len(samples)]
            record = replace(
                sample,
                component_id=component_id,
                source_job_id=uuid.uuid4().hex,
                artifact_keys={n: artifact_key(component_id, n) for n in sample.artifact_keys},
            )
            l1_cache.store(pipe, entry_key(index), record, ttl_s=TTL_S)
        pipe.execute()


def lookup_us(client: redis.Redis, indexes: Sequence[int]) -> tuple[list[float], int]:
    """Each lookup's time (GET and decode, in microseconds), and how many found an entry."""
    samples, hits = [], 0
    for index in indexes:
        started = time.perf_counter()
        record = l1_cache.decode(client.get(entry_key(index)))
        samples.append((time.perf_counter() - started) * 1e6)
        hits += record is not None
    return samples, hits


def used_memory(client: redis.Redis) -> int:
    return int(client.info("memory")["used_memory"])


def run(redis_url: str, samples: Sequence[L1Record] | None = None) -> list[Row]:
    """Lookup latency and memory per entry at each of SIZES, on `redis_url` (an empty
    database; its bench keys are deleted at the end). Rows follow GROWTH_HEADER."""
    samples = samples or sample_records()
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    if client.dbsize():
        raise SystemExit(f"{redis_url}: not an empty database; the bench measures growth")
    rng = random.Random(14)
    rows, baseline, written = [], (0.0, 0.0), 0
    before = used_memory(client)
    try:
        for size in SIZES:
            fill(client, samples, written, size)
            written = size
            time.sleep(1)  # let Redis finish rehashing its grown key table in the background
            lookup_us(client, rng.choices(range(size), k=200))  # warm the connection and code
            # Rounds apart in time, and their median: a busy machine's stalls are not Redis's.
            p50s, p99s = [], []
            for _ in range(ROUNDS):
                times, hits = lookup_us(client, rng.choices(range(size), k=LOOKUPS))
                if hits != LOOKUPS:
                    raise RuntimeError(f"{LOOKUPS - hits} of {LOOKUPS} lookups missed")
                p50s.append(percentile(times, 0.50))
                p99s.append(percentile(times, 0.99))
                time.sleep(ROUND_GAP_S)
            p50, p99 = statistics.median(p50s), statistics.median(p99s)
            baseline = baseline if baseline[0] else (p50, p99)
            usage = [client.memory_usage(entry_key(i)) or 0 for i in rng.sample(range(size), 100)]
            per_entry = (used_memory(client) - before) / size
            rows.append([f"{size:,}", f"{p50:.0f}", f"{p99:.0f}", f"{p50 / baseline[0]:.2f}",
                         f"{p99 / baseline[1]:.2f}", f"{sum(usage) / len(usage):.0f}",
                         f"{per_entry:.0f}"])  # fmt: skip
    finally:
        for start in range(0, written, WRITE_BATCH):
            client.delete(*(entry_key(i) for i in range(start, min(start + WRITE_BATCH, written))))
        client.close()
    return rows


def sizing(per_entry_bytes: float) -> list[Row]:
    """The maxmemory that holds N entries (used_memory per entry x N), and with a quarter
    more for allocator fragmentation and approximate LRU."""
    mib = per_entry_bytes / 2**20
    return [
        [f"{n:,}", f"{mib * n:,.0f} MiB", f"{mib * n * 1.25:,.0f} MiB"]
        for n in (10**4, 10**5, 10**6)
    ]


def eviction(redis_url: str, samples: Sequence[L1Record], per_entry_bytes: float) -> list[Row]:
    """Overfill a Redis capped with allkeys-lru: it stays under the cap by evicting, and
    the newest entries still hit. The server must be the bench's own (it is filled)."""
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        memory = client.info("memory")
        cap = int(memory["maxmemory"])
        assert cap and memory["maxmemory_policy"] == "allkeys-lru", memory["maxmemory_policy"]
        written = int(cap / per_entry_bytes * EVICTION_OVERFILL)
        peak = 0
        for start in range(0, written, WRITE_BATCH * 5):
            fill(client, samples, start, min(start + WRITE_BATCH * 5, written))
            peak = max(peak, used_memory(client))
        stats = client.info("stats")
        _, recent_hits = lookup_us(client, range(written - RECENT, written))
        _, oldest_hits = lookup_us(client, range(RECENT))
        return [
            ["maxmemory (allkeys-lru)", f"{cap / 2**20:.1f} MiB"],
            ["entries written", f"{written:,}"],
            ["entries held", f"{client.dbsize():,}"],
            ["evicted_keys", f"{int(stats['evicted_keys']):,}"],
            ["used_memory, peak seen / cap", f"{peak / cap:.3f}"],
            ["used_memory, end / cap", f"{used_memory(client) / cap:.3f}"],
            [f"hits, newest {RECENT:,}", f"{recent_hits / RECENT:.1%}"],
            [f"hits, oldest {RECENT:,}", f"{oldest_hits / RECENT:.1%}"],
        ]
    finally:
        client.close()


def report(growth: list[Row], evicted: list[Row], per_entry_bytes: float) -> None:
    table(f"L1 lookups as the cache grows ({LOOKUPS:,} random GET + decode; median of {ROUNDS} "
          "rounds at each size)",
          GROWTH_HEADER, growth)  # fmt: skip
    table("maxmemory for N entries (used_memory per entry at the largest size)",
          ["entries", "maxmemory", "+25%"], sizing(per_entry_bytes))  # fmt: skip
    table(f"overfilled {EVICTION_OVERFILL}x past maxmemory", ["what", "value"], evicted)


def main() -> int:
    samples = sample_records()
    sizes = sorted(len(s.to_json()) for s in samples)
    load = os.getloadavg()[0]
    print(f"cache bench: {len(samples)} sample records, JSON {sizes[0]}-{sizes[-1]} bytes; "
          f"load average {load:.1f} on {os.cpu_count()} cores", flush=True)  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="cf-bench-cache-") as workdir:
        if url := os.environ.get("REDIS_URL"):
            growth = run(url, samples)
        else:
            with redis_with([], Path(workdir)) as own:
                growth = run(own, samples)
        per_entry = float(growth[-1][-1])
        capped_args = ["--maxmemory", EVICTION_MAXMEMORY, "--maxmemory-policy", "allkeys-lru"]
        with redis_with(capped_args, Path(workdir)) as capped:
            evicted = eviction(capped, samples, per_entry)
    report(growth, evicted, per_entry)
    return 0


if __name__ == "__main__":
    sys.exit(main())
