"""`make demo`: run the sample batch end to end, print what happened, stop everything.

Starts the local stack (embedded servers for unset service URLs, migrations, the API,
one worker), submits samples/batch.json to POST /v1/generations in two waves (each
distinct body first, then the repeats, so the repeats find their twin in the L1 cache),
long-polls every job, downloads every artifact through its presigned URL, prints a
table and a summary. Exits 1, saying why, if a job failed or a download did not come
back; 130 when interrupted.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from core.state import TERMINAL, JobStatus
from devstack.keys import bearer
from devstack.ports import NotReady
from devstack.stack import ROOT, local_stack, raise_on_sigterm

logger = logging.getLogger(__name__)

BATCH = ROOT / "samples" / "batch.json"
JOB_TIMEOUT_S = 180.0  # the first jobs also warm up the TypeScript checker
WAIT_S = 30  # long-poll per GET
FOLLOWERS = 8  # jobs followed at once


@dataclass
class Outcome:
    job_id: str
    body: dict[str, Any]
    status: dict[str, Any] = field(default_factory=dict)
    downloaded: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        return self.status.get("status") == JobStatus.SUCCEEDED

    @property
    def artifacts(self) -> dict[str, dict[str, str]]:
        return (self.status.get("result") or {}).get("artifacts") or {}

    @property
    def latency_ms(self) -> float:
        return float((self.status.get("timings_ms") or {}).get("total") or 0)


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


def is_loopback(url: str) -> bool:
    return urlsplit(url).hostname in ("127.0.0.1", "localhost", "::1")


class Downloader:
    """Fetches presigned URLs; a proxy from the environment is used for remote ones only."""

    def __init__(self) -> None:
        self._local = httpx.Client(timeout=30, trust_env=False)
        self._remote = httpx.Client(timeout=30)

    def get(self, url: str) -> httpx.Response:
        return (self._local if is_loopback(url) else self._remote).get(url)

    def close(self) -> None:
        self._local.close()
        self._remote.close()


def submit(api: httpx.Client, body: dict[str, Any]) -> Outcome:
    response = api.post("/v1/generations", json=body)
    if response.status_code != 202:
        raise SystemExit(
            f"demo FAILED: POST /v1/generations for {body.get('component_name')} answered "
            f"{response.status_code}: {response.text}"
        )
    return Outcome(response.json()["id"], body)


def long_poll(
    api: httpx.Client, job_id: str, problems: list[str], *, timeout_s: float = JOB_TIMEOUT_S
) -> dict[str, Any]:
    """Long-poll the job to its end: its last status read (ended, unless why not is
    added to `problems`)."""
    deadline = time.monotonic() + timeout_s
    status: dict[str, Any] = {}
    while True:
        try:
            response = api.get(f"/v1/generations/{job_id}", params={"wait": WAIT_S})
        except httpx.HTTPError as exc:
            problems.append(f"GET status: {exc!r}")
            return status
        if response.status_code != 200:
            problems.append(f"GET status answered {response.status_code}")
            return status
        status = response.json()
        if status["status"] in TERMINAL:
            return status
        if time.monotonic() > deadline:
            problems.append(f"still {status['status']} after {timeout_s:.0f} s")
            return status


def follow(api: httpx.Client, downloader: Downloader, outcome: Outcome) -> Outcome:
    """Long-poll the job to its end, then download every artifact it lists."""
    outcome.status = long_poll(api, outcome.job_id, outcome.problems)
    if outcome.status.get("status") not in TERMINAL:
        return outcome
    if not outcome.succeeded:
        error = outcome.status.get("error") or {}
        outcome.problems.append(f"failed: {error.get('type')}: {error.get('message')}")
    elif not outcome.artifacts:
        outcome.problems.append("succeeded without artifacts")
    for name, artifact in outcome.artifacts.items():
        try:
            download = downloader.get(artifact["url"])
        except httpx.HTTPError as exc:
            outcome.problems.append(f"download {name}: {exc!r}")
            continue
        if download.status_code == 200 and download.content:
            outcome.downloaded += 1
        else:
            outcome.problems.append(
                f"download {name}: HTTP {download.status_code}, {len(download.content)} bytes"
            )
    return outcome


def run_wave(
    api: httpx.Client,
    downloader: Downloader,
    bodies: list[dict[str, Any]],
    done: list[Outcome],
    total: int,
) -> None:
    """Submit the wave, then print one line per job as it finishes."""
    submitted = [submit(api, body) for body in bodies]
    pool = ThreadPoolExecutor(max_workers=FOLLOWERS, thread_name_prefix="follow")
    try:
        futures = [pool.submit(follow, api, downloader, outcome) for outcome in submitted]
        for future in as_completed(futures):
            outcome = future.result()
            done.append(outcome)
            print(
                f"[{len(done):>2}/{total}] {outcome.body['component_name']:<20} "
                f"{outcome.body['component_type']:<8} "
                f"{outcome.status.get('status', 'unknown'):<9} "
                f"{outcome.status.get('cache_layer') or '-':<3} {outcome.latency_ms:>7.0f} ms"
                f"  {outcome.downloaded}/{len(outcome.artifacts)} artifacts downloaded",
                flush=True,
            )
    finally:
        # On Ctrl-C, do not sit out the followers' long-polls: they end with an error
        # as soon as the API stops, which the caller does next.
        pool.shutdown(wait=False, cancel_futures=True)


def short_url(url: str) -> str:
    """host/…/<id…>/component.tsx, without the signature: enough to recognise it."""
    parts = urlsplit(url)
    segments = parts.path.strip("/").split("/")
    if len(segments) >= 3:
        segments = ["…", segments[-2][:8] + "…", segments[-1]]
    return f"{parts.netloc}/{'/'.join(segments)}" + ("?…" if parts.query else "")


def print_table(outcomes: list[Outcome]) -> None:
    header = (
        f"{'job':<8}  {'component':<20} {'type':<8} {'status':<9} {'cache':<5} "
        f"{'latency':>9}  component.tsx (presigned URL)"
    )
    print(f"\n{header}\n{'-' * len(header)}")
    for o in outcomes:
        url = o.artifacts.get("component.tsx", {}).get("url")
        print(
            f"{o.job_id[:8]:<8}  {o.body['component_name']:<20} {o.body['component_type']:<8} "
            f"{o.status.get('status', 'unknown'):<9} {o.status.get('cache_layer') or '-':<5} "
            f"{o.latency_ms:>6.0f} ms  {short_url(url) if url else '-'}"
        )


def verdict(outcomes: list[Outcome], repeats: int, elapsed_s: float) -> int:
    succeeded = [o for o in outcomes if o.succeeded]
    from_l1 = [o for o in succeeded if o.status.get("cache_layer") == "L1"]
    downloaded = sum(o.downloaded for o in outcomes)
    print(
        f"\n{len(succeeded)}/{len(outcomes)} succeeded, {len(from_l1)} from L1, "
        f"{downloaded} artifacts downloaded, in {elapsed_s:.1f} s"
    )
    problems = [
        f"{o.body['component_name']} ({o.job_id}): {problem}"
        for o in outcomes
        for problem in o.problems
    ]
    if len(from_l1) < repeats:
        problems.append(
            f"{repeats} repeated bodies, but only {len(from_l1)} jobs were answered from L1"
        )
    if problems:
        print("demo FAILED:\n  " + "\n  ".join(problems))
        return 1
    return 0


def main() -> int:
    raise_on_sigterm()
    batch = json.loads(BATCH.read_text())
    first, repeats = waves(batch)
    print(f"demo: {len(batch)} jobs from {BATCH.relative_to(ROOT)} "
          f"({len(first)} distinct bodies, then {len(repeats)} repeats)")  # fmt: skip
    outcomes: list[Outcome] = []
    downloader = Downloader()
    try:
        with (
            local_stack("demo") as stack,
            # The API is ours, on 127.0.0.1: no proxy. Reads outlast the long-poll.
            httpx.Client(
                base_url=stack.api_url, timeout=httpx.Timeout(10, read=WAIT_S + 15),
                trust_env=False, headers=bearer(stack.api_key),
            ) as api,
        ):  # fmt: skip
            print(f"\nsubmitting {len(first)} distinct jobs", flush=True)
            started = time.perf_counter()
            run_wave(api, downloader, first, outcomes, len(batch))
            print(f"submitting {len(repeats)} repeats (expect L1)", flush=True)
            run_wave(api, downloader, repeats, outcomes, len(batch))
            elapsed_s = time.perf_counter() - started
            print_table(outcomes)
            example = next((o.artifacts["component.tsx"]["url"] for o in outcomes
                            if "component.tsx" in o.artifacts), None)  # fmt: skip
            if example:
                print(f"\na full presigned URL (good while the stack runs):\n{example}\n")
    except NotReady as exc:
        print(f"demo FAILED: the stack did not start: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("demo interrupted; everything it started is stopped", file=sys.stderr)
        return 130
    finally:
        downloader.close()
    return verdict(outcomes, len(repeats), elapsed_s)


if __name__ == "__main__":
    sys.exit(main())
