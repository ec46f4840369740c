"""`make demo`: run the sample batch end to end and print what happened.

Starts the local stack, submits samples/batch.json over HTTP (distinct bodies first, then
the repeats, so the repeats are answered from the L1 cache), follows every job to its
end, downloads every artifact through its presigned URL, prints a table, stops
everything. Exits 1 if a job failed or a download did not come back.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from devstack.stack import ROOT, local_stack

BATCH = ROOT / "samples" / "batch.json"


@dataclass
class Outcome:
    job_id: str
    body: dict[str, Any]
    status: dict[str, Any] = field(default_factory=dict)
    downloaded: int = 0
    download_errors: list[str] = field(default_factory=list)


def waves(batch: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """First occurrences, then repeats: a repeat must find its twin already cached."""
    seen: set[str] = set()
    first: list[dict[str, Any]] = []
    repeats: list[dict[str, Any]] = []
    for body in batch:
        fingerprint = json.dumps(body, sort_keys=True)
        (repeats if fingerprint in seen else first).append(body)
        seen.add(fingerprint)
    return first, repeats


def run_wave(
    client: httpx.Client, bodies: list[dict[str, Any]], done: list[Outcome], total: int
) -> None:
    submitted = []
    for body in bodies:
        response = client.post("/v1/generations", json=body)
        if response.status_code != 202:
            raise SystemExit(f"submit refused ({response.status_code}): {response.text}")
        submitted.append(Outcome(response.json()["id"], body))
    for outcome in submitted:
        outcome.status = follow(client, outcome.job_id)
        download_all(outcome)
        done.append(outcome)
        status = outcome.status
        print(
            f"[{len(done):>2}/{total}] {outcome.body['component_name']:<20} "
            f"{outcome.body['component_type']:<8} {status['status']:<9} "
            f"{status.get('cache_layer') or '-':<3} {status['timings_ms'].get('total', 0):>7.1f} ms"
            f"  {outcome.downloaded} artifacts downloaded",
            flush=True,
        )


def follow(client: httpx.Client, job_id: str, *, timeout_s: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        status = client.get(f"/v1/generations/{job_id}", params={"wait": 20}).json()
        if status["status"] in ("succeeded", "failed") or time.monotonic() > deadline:
            return status


def download_all(outcome: Outcome) -> None:
    result = outcome.status.get("result") or {}
    for name, artifact in (result.get("artifacts") or {}).items():
        response = httpx.get(artifact["url"], timeout=30)
        if response.status_code == 200 and response.content:
            outcome.downloaded += 1
        else:
            outcome.download_errors.append(f"{name}: HTTP {response.status_code}")


def shorten(url: str, width: int = 60) -> str:
    return url if len(url) <= width else url[: width - 1] + "…"


def print_table(outcomes: list[Outcome]) -> None:
    header = f"{'job':<10} {'component':<20} {'type':<8} {'status':<9} {'layer':<5} "
    header += f"{'latency ms':>10}  artifact URL (component.tsx)"
    print("\n" + header + "\n" + "-" * len(header))
    for o in outcomes:
        status = o.status
        artifacts = (status.get("result") or {}).get("artifacts") or {}
        url = artifacts.get("component.tsx", {}).get("url", "-")
        print(
            f"{o.job_id[:8]:<10} {o.body['component_name']:<20} {o.body['component_type']:<8} "
            f"{status.get('status', '?'):<9} {status.get('cache_layer') or '-':<5} "
            f"{status.get('timings_ms', {}).get('total', 0):>10.1f}  {shorten(url)}"
        )


def main() -> int:
    batch = json.loads(BATCH.read_text())
    first, repeats = waves(batch)
    print(f"demo: {len(batch)} jobs from {BATCH.relative_to(ROOT)} "
          f"({len(first)} distinct, {len(repeats)} repeats)")  # fmt: skip
    outcomes: list[Outcome] = []
    with local_stack("demo") as stack, httpx.Client(base_url=stack.api_url, timeout=60) as client:
        started = time.perf_counter()
        run_wave(client, first, outcomes, len(batch))
        run_wave(client, repeats, outcomes, len(batch))
        elapsed_s = time.perf_counter() - started
        print_table(outcomes)
        full_url = next(
            (o.status["result"]["artifacts"]["component.tsx"]["url"] for o in outcomes
             if o.status.get("result")), None,
        )  # fmt: skip
        if full_url:
            print(f"\none full presigned URL (valid 1 h while the stack runs):\n{full_url}")

    succeeded = [o for o in outcomes if o.status.get("status") == "succeeded"]
    from_l1 = [o for o in succeeded if o.status.get("cache_layer") == "L1"]
    downloaded = sum(o.downloaded for o in outcomes)
    problems = [
        f"{o.job_id}: {o.status.get('status')} {o.status.get('error')}"
        for o in outcomes
        if o.status.get("status") != "succeeded"
    ] + [f"{o.job_id}: {e}" for o in outcomes for e in o.download_errors]
    print(
        f"\n{len(succeeded)}/{len(outcomes)} succeeded, {len(from_l1)} from L1, "
        f"{downloaded} artifacts downloaded, {elapsed_s:.1f} s"
    )
    if problems or not from_l1:
        print("demo FAILED:\n  " + "\n  ".join(problems or ["no job was answered from L1"]))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
