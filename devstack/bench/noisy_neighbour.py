"""The noisy-neighbour table of `make bench`: tenant B submitting at a modest rate, alone
and then beside tenant A at its limits (submits past its rate, batches, webhooks to a
receiver that trickles a byte a second, random keys, status streams held open).

Printed: B's submit and job latency, quiet against noisy (target: noisy within 1.5x of
quiet at p50 and p99), A's answers by kind and status, and the job Redis's memory over
the noisy run against its maxmemory. Both runs use the same API processes and workers;
jobs run without `tsc` (TYPECHECK=false), so that the table measures sharing, not the
type checker's CPU."""

from __future__ import annotations

import asyncio
import os
import secrets
import statistics
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import redis
from sqlalchemy import create_engine

from devstack import processes
from devstack.bench.timing import percentile
from devstack.keys import bearer, mint_key
from devstack.sample_jobs import make_job
from workers.storage.tenants import update_limits

RUN_S = float(os.environ.get("BENCH_NOISY_S", "20"))
"""How long each run (quiet, noisy) lasts."""
B_PER_S = 4.0
"""Tenant B's modest rate."""
A_SUBMITS_PER_S = 20.0  # twice its default 600 a minute: half are refused
A_BATCHES_PER_S = 5.0
A_RANDOM_KEYS_PER_S = 50.0
A_STREAMS = 300
A_WEBHOOK_SHARE = 0.5  # of A's accepted jobs, those with a webhook to the slow receiver
TARGET_RATIO = 1.5
ATTACKS = os.environ.get("BENCH_NOISY_ATTACKS", "submits,batches,random-keys,streams").split(",")
"""What tenant A does (all of it unless told): to see which one costs B what."""
ADDRESSES = {"a": "192.0.2.1", "b": "192.0.2.2"}
"""Each tenant's client address, as a proxy in front of the API would forward it
(X-Forwarded-For, which uvicorn takes from 127.0.0.1): throttles per address must tell
the two apart, as they would two machines."""


def _headers(tenant: str, key: str) -> dict[str, str]:
    return {**bearer(key), "X-Forwarded-For": ADDRESSES[tenant]}


@dataclass
class BSamples:
    submit_ms: list[float] = field(default_factory=list)
    job_ms: list[float] = field(default_factory=list)
    refused: Counter[str] = field(default_factory=Counter)


@dataclass
class Run:
    b: BSamples
    a: Counter[str]
    memory: list[tuple[float, int]]  # (seconds into the run, used_memory)
    maxmemory: int


async def _paced(rate_per_s: float, until: float, act: Callable[[int], Awaitable[None]]) -> None:
    """Start act(i) `rate_per_s` times a second until `until`, without waiting for each."""
    tasks: set[asyncio.Task[None]] = set()
    i = 0
    started = time.monotonic()
    while (now := time.monotonic()) < until:
        task = asyncio.create_task(act(i))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        i += 1
        await asyncio.sleep(max(started + i / rate_per_s - now, 0))
    if tasks:
        await asyncio.wait(tasks, timeout=60)


def _b_job(i: int) -> dict[str, Any]:
    # A name of its own: each of B's jobs runs the chain (no L1 hit).
    return make_job(component_name=f"QuietButton{i}{uuid.uuid4().hex[:6]}")


async def _tenant_b(client: httpx.AsyncClient, key: str, until: float, into: BSamples) -> None:
    async def one(i: int) -> None:
        began = time.perf_counter()
        try:
            response = await client.post(
                "/v1/generations", json=_b_job(i), headers=_headers("b", key)
            )
        except httpx.HTTPError as exc:
            into.refused[type(exc).__name__] += 1
            return
        into.submit_ms.append((time.perf_counter() - began) * 1000)
        if response.status_code != 202:
            into.refused[_answer("submit", response)] += 1
            return
        job_id = response.json()["id"]
        while time.perf_counter() - began < 90:
            status = await client.get(
                f"/v1/generations/{job_id}",
                params={"wait": 30},
                headers=_headers("b", key),
                timeout=40,
            )
            if status.json().get("status") in ("succeeded", "failed", "cancelled"):
                into.job_ms.append((time.perf_counter() - began) * 1000)
                return
        into.refused["job did not end in 90 s"] += 1

    await _paced(B_PER_S, until, one)


def _answer(kind: str, response: httpx.Response) -> str:
    error = response.json().get("error", {}) if response.status_code >= 400 else {}
    reason = error.get("type", "") if isinstance(error, dict) else ""
    return f"{kind}: {response.status_code}{f' {reason}' if reason else ''}"


async def _tenant_a(
    client: httpx.AsyncClient, key: str, hook_url: str, until: float, tally: Counter[str]
) -> None:
    async def counted(kind: str, request: Awaitable[httpx.Response]) -> None:
        try:
            tally[_answer(kind, await request)] += 1
        except (httpx.HTTPError, ValueError) as exc:
            tally[f"{kind}: {type(exc).__name__}"] += 1

    def submit(i: int) -> Awaitable[None]:
        options = {"webhook_url": hook_url} if i % round(1 / A_WEBHOOK_SHARE) == 0 else {}
        body = make_job(component_name=f"NoisyButton{i}", options=options)
        post = client.post("/v1/generations", json=body, headers=_headers("a", key))
        return counted("submit", post)

    def batch(i: int) -> Awaitable[None]:
        jobs = [{}] if i % 2 else [make_job(component_name=f"NoisyBatch{i}")]
        batch_url, payload = "/v1/generations/batch", {"jobs": jobs}
        post = client.post(batch_url, json=payload, headers=_headers("a", key))
        return counted("batch", post)

    def random_key(_: int) -> Awaitable[None]:
        wrong = _headers("a", f"cf_{secrets.token_urlsafe(32)}")
        return counted("random key", client.get("/v1/generations/x", headers=wrong))

    attacks = {
        "submits": lambda: _paced(A_SUBMITS_PER_S, until, submit),
        "batches": lambda: _paced(A_BATCHES_PER_S, until, batch),
        "random-keys": lambda: _paced(A_RANDOM_KEYS_PER_S, until, random_key),
        "streams": lambda: _streams(client, key, until, tally),
    }
    await asyncio.gather(*(attacks[name]() for name in ATTACKS))


async def _streams(client: httpx.AsyncClient, key: str, until: float, tally: Counter[str]) -> None:
    """Open A_STREAMS status streams on one of A's jobs and hold them until `until`."""
    first = await client.post("/v1/generations", json=make_job(), headers=_headers("a", key))
    if first.status_code != 202:
        tally[_answer("stream's job", first)] += 1
        return
    url = f"/v1/generations/{first.json()['id']}/events"

    async def hold(_: int) -> None:
        # Open again whenever a stream ends (its job ended, or it was refused): held
        # streams, as many as the API lets A have, for the whole run.
        while time.monotonic() < until:
            try:
                headers = _headers("a", key)
                async with client.stream("GET", url, headers=headers, timeout=None) as stream:
                    tally[f"stream: {stream.status_code}"] += 1
                    async for _line in stream.aiter_lines():
                        if time.monotonic() >= until:
                            return
            except httpx.HTTPError as exc:
                tally[f"stream: {type(exc).__name__}"] += 1
            await asyncio.sleep(1)

    await asyncio.wait(
        [asyncio.create_task(hold(i)) for i in range(A_STREAMS)],
        timeout=max(until - time.monotonic(), 0) + 5,
    )


async def _trickling_receiver(port_box: list[int]) -> asyncio.Server:
    """A webhook receiver that answers a byte a second: the slow receiver of the table."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.read(65536)
            for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n":
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.sleep(1)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port_box.append(server.sockets[0].getsockname()[1])
    return server


async def _memory(client: redis.Redis, began: float, until: float, into: list[Any]) -> None:
    while (now := time.monotonic()) < until:
        into.append((now - began, int(client.info("memory")["used_memory"])))
        await asyncio.sleep(1)


async def _run(base_url: str, keys: dict[str, str], redis_url: str, *, noisy: bool) -> Run:
    b, a, memory = BSamples(), Counter[str](), []
    job_redis = redis.Redis.from_url(redis_url)
    limits = httpx.Limits(max_connections=A_STREAMS + 200, max_keepalive_connections=100)
    port: list[int] = []
    receiver = await _trickling_receiver(port)
    try:
        async with httpx.AsyncClient(base_url=base_url, limits=limits, trust_env=False) as client:
            began = time.monotonic()
            until = began + RUN_S
            work = [
                _tenant_b(client, keys["b"], until, b),
                _memory(job_redis, began, until, memory),
            ]
            if noisy:
                hook = f"http://127.0.0.1:{port[0]}/hook"
                work.append(_tenant_a(client, keys["a"], hook, until, a))
            await asyncio.gather(*work)
        maxmemory = int(job_redis.config_get("maxmemory")["maxmemory"])
    finally:
        receiver.close()
        job_redis.close()
    return Run(b, a, memory, maxmemory)


def measure(env: dict[str, str], workdir: Path) -> dict[str, Run]:
    """B alone, then B beside A, on one API (2 processes) and the local workers."""
    run_id = uuid.uuid4().hex[:6]
    tenants = {"a": f"noisy-a-{run_id}", "b": f"quiet-b-{run_id}"}
    keys = {
        name: mint_key(env["DATABASE_URL"], name=f"noisy-{name}-{run_id}", tenant=tenant)
        for name, tenant in tenants.items()
    }
    engine = create_engine(env["DATABASE_URL"])
    try:  # A's webhooks go to the trickling receiver here
        update_limits(engine, tenants["a"], webhook_hosts=["127.0.0.1"])
    finally:
        engine.dispose()
    env = {
        **env,
        "TENANT_REQUESTS_PER_S": "50",  # as compose, Kubernetes and make up set it
        "TYPECHECK": "false",
        "WEBHOOK_ALLOW_HTTP": "true",
        "WEBHOOK_ALLOW_PRIVATE": "true",
    }
    env.setdefault("TENANT_SECRETS_KEY", _fernet_key())
    api, base_url = processes.start_api(env=env, workdir=workdir, workers=2)
    workers = processes.start_local_workers(env=env, workdir=workdir)
    try:
        return {
            mode: asyncio.run(_run(base_url, keys, env["REDIS_URL"], noisy=mode == "noisy"))
            for mode in ("quiet", "noisy")
        }
    finally:
        processes.stop_all(workers)
        api.stop()


def _fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


def report(runs: dict[str, Run], table: Callable[[str, list[str], list[list[str]]], None]) -> None:
    quiet, noisy = runs["quiet"].b, runs["noisy"].b
    rows = []
    for what, attr in (("B submit", "submit_ms"), ("B job, submit to end", "job_ms")):
        for q in (0.5, 0.99):
            calm, loud = _pct(getattr(quiet, attr), q), _pct(getattr(noisy, attr), q)
            ratio = loud / calm if calm else float("nan")
            verdict = "pass" if ratio <= TARGET_RATIO else "FAIL"
            rows.append(
                [
                    f"{what} p{round(q * 100)}",
                    f"{calm:.1f}",
                    f"{loud:.1f}",
                    f"{ratio:.2f}",
                    f"<= {TARGET_RATIO} ({verdict})",
                ]
            )
    rows.append(
        ["B refused (quiet / noisy)", _listed(quiet.refused), _listed(noisy.refused), "-", "none"]
    )
    table(
        f"noisy neighbour: B at {B_PER_S:g}/s for {RUN_S:.0f} s, alone, then beside A",
        ["what", "quiet ms", "noisy ms", "noisy / quiet", "target"],
        rows,
    )
    answers = sorted(runs["noisy"].a.items())
    table(
        "tenant A's answers (noisy run)",
        ["kind: status", "count"],
        [[kind, str(count)] for kind, count in answers],
    )
    run = runs["noisy"]
    cap = run.maxmemory
    rows = [
        [f"{at:.0f}", f"{used / 2**20:.1f}", f"{used / cap:.1%}" if cap else "no limit"]
        for at, used in run.memory[:: max(len(run.memory) // 8, 1)]
    ]
    table(
        f"job Redis memory over the noisy run (maxmemory {cap / 2**20:.0f} MiB)",
        ["s", "used MiB", "of maxmemory"],
        rows,
    )


def _pct(samples: list[float], q: float) -> float:
    if not samples:
        return float("nan")
    return statistics.median(samples) if q == 0.5 else percentile(samples, q)


def _listed(refused: Counter[str]) -> str:
    return ", ".join(f"{k} x{v}" for k, v in sorted(refused.items())) or "0"
