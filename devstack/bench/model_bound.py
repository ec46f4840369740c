"""The model-bound table: generations whose model answers after 0.5, 2 and 10 s.

On the workers `make up` starts (two gevent workers, deploy/bin/worker.sh's concurrency,
a Node checker each: devstack.processes.start_local_workers) and a local
OpenAI-compatible server that answers every call after that long: tenant A submits its
whole in-flight quota of distinct openai jobs over HTTP, then tenant B submits one.
Reported: A's jobs/s from the first submit to the last end, the most model calls in
flight (counted at the server), the ideal rate those calls allow (in flight / the calls'
seconds per job) and the ratio to it, the worker's RSS (its processes and their Node
checkers) in all and per call in flight, and B's queue wait. First, the baseline: a
prefork worker of two processes, as before, on fewer jobs.

"shared" code: the fake answers every job the same code (jobs still differ: each has a
cache key of its own), so the code gate's verdict is computed once, as with a fake model
that always answers alike. "distinct": each job's code is its own, type-checked and
rendered: the Node checkers' CPU shows.

Run alone: python -m devstack.bench.model_bound (BENCH_MODEL_LATENCIES="0.5,2,10").
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil

from devstack import processes
from devstack.fakes.llm_answers import canned_answer
from devstack.fakes.openai_api import LLMState, openai_server
from devstack.keys import mint_key
from devstack.sample_jobs import make_job
from devstack.services import local_services

LATENCIES_S = tuple(
    float(x) for x in os.environ.get("BENCH_MODEL_LATENCIES", "0.5,2,10").split(",") if x
)
LLM_KEY = "bench-llm-key"
SUBMITTERS = 16  # HTTP clients submitting A's jobs at once
TARGET_S = 15.0  # 200 jobs at 2 s per call end within this of the first submit
TARGET_IN_FLIGHT = 100
TARGET_RSS_MB = 1536


@dataclass
class Round:
    pool: str
    code: str  # "shared": the fake answers every job the same code; "distinct": each its own
    latency_s: float
    jobs: int
    seconds: float  # first submit to last end
    calls_per_job: float
    peak_calls: int
    rss_mb: float
    b_queue_s: float
    b_total_s: float
    failed: int

    @property
    def rate(self) -> float:
        return self.jobs / self.seconds

    @property
    def ideal(self) -> float:
        """Jobs/s if every job's calls were all the time a job took: in flight / latency."""
        return self.peak_calls / (self.calls_per_job * self.latency_s)


class RssSampler:
    """The workers' RSS (their processes and children: Node checkers), at its peak."""

    def __init__(self, pids: list[int]) -> None:
        self.peak_mb = 0.0
        self._roots = [psutil.Process(pid) for pid in pids]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            total = 0
            try:
                processes = [p for r in self._roots for p in [r, *r.children(recursive=True)]]
            except psutil.Error:
                return  # a worker is gone
            for proc in processes:
                try:
                    total += proc.memory_info().rss
                except psutil.Error:
                    continue
            self.peak_mb = max(self.peak_mb, total / 2**20)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak_mb


def _submit(client: httpx.Client, key: str, name: str) -> str:
    body = make_job(component_name=name, options={"provider": "openai", "cache": "no-cache"})
    response = client.post("/v1/generations", json=body, headers={"Authorization": f"Bearer {key}"})
    response.raise_for_status()
    return str(response.json()["id"])


class Ends:
    """Job ends as Redis announces them (no polling: 200 clients asking every quarter
    second would cost the API more CPU than the worker spends)."""

    def __init__(self, redis_url: str) -> None:
        import redis

        from core.keys import DONE_CHANNEL_PATTERN

        self._prefix = DONE_CHANNEL_PATTERN[:-1]
        self._client = redis.Redis.from_url(redis_url, decode_responses=True)
        self._pubsub = self._client.pubsub(ignore_subscribe_messages=True)
        self._pubsub.psubscribe(DONE_CHANNEL_PATTERN)
        self.ended: set[str] = set()

    def wait(self, ids: list[str], timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while not self.ended.issuperset(ids):
            remaining_s = deadline - time.monotonic()
            if remaining_s <= 0:
                missing = len(set(ids) - self.ended)
                raise TimeoutError(f"{missing} jobs did not end within {timeout_s:.0f} s")
            message = self._pubsub.get_message(timeout=min(remaining_s, 1.0))
            if message is not None:
                self.ended.add(message["channel"].removeprefix(self._prefix))

    def close(self) -> None:
        self._pubsub.close()
        self._client.close()


def _fetch(client: httpx.Client, key: str, job_id: str) -> dict[str, Any]:
    response = client.get(f"/v1/generations/{job_id}", headers={"Authorization": f"Bearer {key}"})
    response.raise_for_status()
    return dict(response.json())


def _ended_at(body: dict[str, Any]) -> float:
    from datetime import datetime

    return datetime.fromisoformat(body["finished_at"].replace("Z", "+00:00")).timestamp()


def one_round(
    api_url: str, redis_url: str, workers: list[Any], llm: LLMState, keys: dict[str, str], *,
    latency_s: float, jobs: int, distinct_code: bool,
) -> Round:  # fmt: skip
    llm.latency_s = latency_s
    calls_before = len(llm.requests)
    llm.reset_peak()
    sampler = RssSampler([worker.pid for worker in workers])
    run = uuid.uuid4().hex[:6].upper()
    # A job's code is the fake's answer for its component's name: one name, one verdict
    # of the code gate for every job (as a fake model answering the same code gives).
    names = [f"Bench{run}N{i}" if distinct_code else f"Bench{run}" for i in range(jobs)]
    ends = Ends(redis_url)
    with httpx.Client(base_url=api_url, timeout=30) as client:
        started = time.time()
        with ThreadPoolExecutor(SUBMITTERS) as pool:
            a_ids = list(pool.map(lambda n: _submit(client, keys["a"], n), names))
        b_id = _submit(client, keys["b"], f"Bench{run}B")
        b_submitted = time.time()
        try:
            ends.wait([b_id], timeout_s=60 + 10 * latency_s)
            ends.wait(a_ids, timeout_s=120 + 30 * latency_s)
        finally:
            ends.close()
        b_body = _fetch(client, keys["b"], b_id)
        a_bodies = [_fetch(client, keys["a"], job_id) for job_id in a_ids]
    rss_mb = sampler.stop()
    ends = [_ended_at(b) for b in a_bodies]
    timings = b_body.get("timings_ms") or {}
    return Round(
        pool=f"{workers[0].pool} x{len(workers)}",
        code="distinct" if distinct_code else "shared",
        latency_s=latency_s,
        jobs=jobs,
        seconds=max(ends) - started,
        calls_per_job=(len(llm.requests) - calls_before) / (jobs + 1),
        peak_calls=llm.peak_in_flight,
        rss_mb=rss_mb,
        b_queue_s=float(timings.get("queue", 0)) / 1000,
        b_total_s=_ended_at(b_body) - b_submitted,
        failed=sum(b["status"] != "succeeded" for b in a_bodies),
    )


BASELINE_JOBS = 20  # on prefork -c 2 at 0.5 s per call: about 10 s


def measure(env: dict[str, str], workdir: Path, say: Callable[[str], None] = print) -> list[Round]:
    """The rounds, on workers and an API of their own over `env`'s services: the
    baseline (prefork, two processes) first, then the default worker."""
    from config.settings import Settings

    quota = Settings().default_max_in_flight
    with openai_server(LLM_KEY, canned_answer) as (llm_url, llm):
        run_env = {**env, "OPENAI_BASE_URL": llm_url, "OPENAI_API_KEY": LLM_KEY,
                   "GENERATION_QUEUE": f"generation-model-{uuid.uuid4().hex[:6]}"}  # fmt: skip
        api, api_url = processes.start_api(env=run_env, workdir=workdir)
        plan = [("prefork", 0.5, BASELINE_JOBS, False)]
        plan += [(None, latency_s, quota, False) for latency_s in LATENCIES_S]
        plan += [(None, 2.0, quota, True)]  # each job's own code: the checks' CPU shows
        rounds: list[Round] = []
        workers: list[Any] = []
        try:
            for pool, latency_s, jobs, distinct in plan:
                if not workers or (pool or processes.default_pool(run_env)) != workers[0].pool:
                    processes.stop_all(workers)
                    workers = (
                        [processes.start_worker(env=run_env, workdir=workdir, pool=pool)]
                        if pool else processes.start_local_workers(env=run_env, workdir=workdir)
                    )  # fmt: skip
                # Tenants of the round's own: their quotas start empty, as a quiet system's.
                run = uuid.uuid4().hex[:6]
                keys = {
                    t: mint_key(env["DATABASE_URL"], name=f"bench-{t}", tenant=f"bench-{t}-{run}")
                    for t in ("a", "b")
                }
                say(
                    f"model-bound: {len(workers)} {workers[0].pool} worker(s), {jobs} jobs of "
                    f"tenant A then one of B, {latency_s:g} s per model call, "
                    f"{'distinct' if distinct else 'shared'} code"
                )
                rounds.append(
                    one_round(api_url, env["REDIS_URL"], workers, llm, keys,
                              latency_s=latency_s, jobs=jobs, distinct_code=distinct)
                )  # fmt: skip
        finally:
            processes.stop_all(workers)
            api.stop()
    return rounds


def report(rounds: list[Round]) -> None:
    from devstack.bench.run import table

    rows = []
    for r in rounds:
        rows.append([
            r.pool, r.code, f"{r.latency_s:g} s", str(r.jobs), f"{r.seconds:.1f}",
            f"{r.rate:.1f}", str(r.peak_calls), f"{r.ideal:.1f}", f"{r.rate / r.ideal:.2f}",
            f"{r.rss_mb:.0f}", f"{r.rss_mb / max(r.peak_calls, 1):.1f}",
            f"{r.b_queue_s:.2f}", f"{r.b_total_s:.1f}", str(r.failed),
        ])  # fmt: skip
    table(
        "Model-bound jobs (tenant A's jobs at once, then one of tenant B; calls counted at "
        "the fake model; ideal = calls in flight / the calls' seconds per job)",
        ["worker", "code", "model call", "jobs", "s", "jobs/s", "calls in flight",
         "ideal jobs/s", "/ ideal", "RSS MB", "MB / call", "B queue s", "B job s", "failed"],
        rows,
    )  # fmt: skip
    verdicts = []
    for r in rounds:
        if r.pool == "prefork" or r.latency_s != 2:
            continue
        verdicts += [
            (f"{r.code} code: {r.jobs} jobs at 2 s end within {TARGET_S:g} s",
             r.seconds <= TARGET_S, f"{r.seconds:.1f} s"),
            (f"{r.code} code: >= {TARGET_IN_FLIGHT} calls in flight",
             r.peak_calls >= TARGET_IN_FLIGHT, str(r.peak_calls)),
            (f"{r.code} code: worker RSS < {TARGET_RSS_MB} MB", r.rss_mb < TARGET_RSS_MB,
             f"{r.rss_mb:.0f} MB"),
        ]  # fmt: skip
    table("Model-bound targets", ["target", "measured", "verdict"],
          [[t, m, "pass" if ok else "FAIL"] for t, ok, m in verdicts])  # fmt: skip


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="cf-bench-model-"))
    with local_services(workdir, env=dict(os.environ)) as service_env:
        env = {**os.environ, **service_env, "S3_BUCKET": f"cf-bench-{uuid.uuid4().hex[:8]}"}
        processes.run_migrations(env=env, workdir=workdir)
        rounds = measure(env, workdir)
    report(rounds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
