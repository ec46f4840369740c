"""HTTP load for `make bench`: wrk (Debian's package) when installed, else Python client
threads. One endpoint at a time, for a fixed duration; requests/s, p50 and p99.

wrk is the real figure: a C client costs the server's cores little. The Python client
costs them much more (its numbers are a floor on the API's, not its measure)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

THREADS = int(os.environ.get("BENCH_WRK_THREADS", "2"))
CONNECTIONS = int(os.environ.get("BENCH_WRK_CONNECTIONS", "32"))


@dataclass(frozen=True)
class Load:
    """One endpoint under load: what was sent, how fast, how long each took."""

    rate: float
    """Requests per second that got the expected status."""
    p50_ms: float
    p99_ms: float
    refused: int
    """Answers with another status (or none)."""
    tool: str


@dataclass(frozen=True)
class Target:
    """What to load: a method on a URL, with headers and an optional JSON body."""

    url: str
    method: str = "GET"
    headers: tuple[tuple[str, str], ...] = ()
    body: dict[str, Any] | None = None


def tool() -> str:
    return "wrk" if shutil.which("wrk") else "python threads"


def measure(target: Target, *, duration_s: float, workdir: Path) -> Load:
    """Load `target` for `duration_s` with wrk if installed, else Python threads."""
    if shutil.which("wrk"):
        return _wrk(target, duration_s, workdir)
    return _python(target, duration_s)


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _wrk(target: Target, duration_s: float, workdir: Path) -> Load:
    lines = [f"wrk.method = {_lua_string(target.method)}"]
    headers = list(target.headers)
    if target.body is not None:
        headers.append(("Content-Type", "application/json"))
        lines.append(f"wrk.body = {_lua_string(json.dumps(target.body))}")
    lines += [f"wrk.headers[{_lua_string(k)}] = {_lua_string(v)}" for k, v in headers]
    script = workdir / f"wrk-{time.monotonic_ns()}.lua"
    script.write_text("\n".join(lines) + "\n")
    out = subprocess.run(
        ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{duration_s:.0f}s", "--latency",
         "-s", str(script), target.url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rate = float(_find(r"Requests/sec:\s+([\d.]+)", out))
    total = int(_find(r"(\d+) requests in", out))
    refused = int(_find(r"Non-2xx or 3xx responses:\s+(\d+)", out, default="0"))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    refused += sum(int(n) for n in errors.groups()) if errors else 0
    good_rate = rate * (total - refused) / total if total else 0.0
    return Load(good_rate, _wrk_ms(out, "50%"), _wrk_ms(out, "99%"), refused,
                f"wrk -t{THREADS} -c{CONNECTIONS}")  # fmt: skip


def _find(pattern: str, text: str, *, default: str | None = None) -> str:
    found = re.search(pattern, text)
    if found is None:
        if default is not None:
            return default
        raise RuntimeError(f"wrk's output has no {pattern!r}:\n{text}")
    return found.group(1)


def _wrk_ms(out: str, percentile: str) -> float:
    found = re.search(rf"{re.escape(percentile)}\s+([\d.]+)(us|ms|s)\b", out)
    if found is None:
        raise RuntimeError(f"wrk's output has no {percentile} latency:\n{out}")
    return float(found.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[found.group(2)]


def _python(target: Target, duration_s: float) -> Load:
    """CONNECTIONS client threads, each a loop of requests until the time is up."""
    latencies: list[float] = []
    refused = 0
    lock = threading.Lock()
    deadline = time.perf_counter() + duration_s
    content = json.dumps(target.body).encode() if target.body is not None else None
    headers = dict(target.headers)
    if content is not None:
        headers["Content-Type"] = "application/json"

    def loop(client: httpx.Client) -> None:
        nonlocal refused
        mine: list[float] = []
        bad = 0
        while (started := time.perf_counter()) < deadline:
            try:
                response = client.request(target.method, target.url, content=content)
                ok = response.status_code < 400
            except httpx.HTTPError:
                ok = False
            mine.append((time.perf_counter() - started) * 1000)
            bad += not ok
        with lock:
            latencies.extend(mine)
            refused += bad

    began = time.perf_counter()
    limits = httpx.Limits(max_connections=CONNECTIONS)
    with httpx.Client(headers=headers, trust_env=False, timeout=30, limits=limits) as client:
        threads = [threading.Thread(target=loop, args=(client,)) for _ in range(CONNECTIONS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    elapsed = time.perf_counter() - began
    ordered = sorted(latencies) or [0.0]

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return Load((len(latencies) - refused) / elapsed, at(0.5), at(0.99), refused,
                f"python, {CONNECTIONS} threads")  # fmt: skip
