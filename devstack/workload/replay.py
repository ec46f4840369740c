"""Replays a plan through the HTTP API: jobs submitted at a steady rate in plan order (open
loop: a slow job does not hold the next one back), Figma edits applied when their turn
comes, every job long-polled to its end; a Figma job's tokens.json is downloaded (through
its presigned URL) to read the primary colour it was built with."""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from core.state import TERMINAL
from devstack.demo import Downloader, long_poll
from devstack.fakes.figma import FigmaState
from devstack.workload.mix import FIGMA_FIRST_COLOUR, FigmaEdit, Job, Step

JOB_TIMEOUT_S = 300.0
FOLLOWERS = 32  # jobs followed at once


@dataclass
class Outcome:
    job: Job
    job_id: str = ""
    status: dict[str, Any] = field(default_factory=dict)
    edits_before: int | None = None  # a Figma job: its file's edits made before it was submitted
    allowed_colours: tuple[str, ...] = ()  # a Figma job: the file's colour then, or a later one
    colour: str | None = None  # a Figma job: the primary colour in its tokens.json
    problems: list[str] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        return self.status.get("status") == "succeeded"

    @property
    def cost(self) -> dict[str, Any]:
        return (self.status.get("result") or {}).get("cost") or {}

    @property
    def layer(self) -> str:
        """The cache layer, "L1 coalesced" for a single-flight follower, "failed" else."""
        if not self.succeeded:
            return "failed"
        if (self.status.get("result") or {}).get("coalesced_with"):
            return "L1 coalesced"
        return str(self.status.get("cache_layer") or "-")

    @property
    def worker_ms(self) -> float:
        return float((self.status.get("timings_ms") or {}).get("total") or 0)

    @property
    def end_to_end_ms(self) -> float:
        """Accepted (created_at) to ended (finished_at), both the service's clock."""
        created, finished = self.status.get("created_at"), self.status.get("finished_at")
        if not created or not finished:
            return 0.0
        return (_epoch_s(finished) - _epoch_s(created)) * 1000


def _epoch_s(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


class Replayer:
    def __init__(self, api: httpx.Client, figma: FigmaState, *, rate_per_s: float) -> None:
        self.api = api
        self.figma = figma
        self.rate_per_s = rate_per_s
        self.downloader = Downloader()
        # Every colour each file has had, oldest first: a job may carry the one current
        # when it was submitted, or a later one (it reads the version when it runs).
        self.colours: dict[str, list[str]] = {}
        self.submit_s = 0.0  # how long submitting took (the rate's promise, or more)

    def run(self, steps: list[Step], *, progress_every: int = 50) -> list[Outcome]:
        pool = ThreadPoolExecutor(max_workers=FOLLOWERS, thread_name_prefix="follow")
        futures: list[Future[Outcome]] = []
        started = time.perf_counter()
        try:
            for step in steps:
                if isinstance(step, FigmaEdit):
                    self.figma.edit_fill(step.file_key, step.node_id, step.colour)
                    self.colours.setdefault(step.file_key, [FIGMA_FIRST_COLOUR]).append(step.colour)
                    continue
                due = started + len(futures) / self.rate_per_s
                time.sleep(max(0.0, due - time.perf_counter()))
                futures.append(pool.submit(self.follow, self.submit(step)))
                if len(futures) % progress_every == 0:
                    print(f"  submitted {len(futures)} jobs", flush=True)
            self.submit_s = time.perf_counter() - started
            outcomes = [future.result() for future in futures]
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
            self.downloader.close()
        return outcomes

    def submit(self, job: Job) -> Outcome:
        outcome = Outcome(job)
        key = job.body["source"].get("figma_file_key")
        if key is not None:
            outcome.edits_before = len(self.colours.setdefault(key, [FIGMA_FIRST_COLOUR])) - 1
        response = self.api.post("/v1/generations", json=job.body)
        if response.status_code != 202:
            outcome.problems.append(f"POST answered {response.status_code}: {response.text}")
        else:
            outcome.job_id = response.json()["id"]
        return outcome

    def follow(self, outcome: Outcome) -> Outcome:
        if not outcome.job_id:
            return outcome
        outcome.status = long_poll(self.api, outcome.job_id, outcome.problems,
                                   timeout_s=JOB_TIMEOUT_S)  # fmt: skip
        if outcome.status.get("status") not in TERMINAL:
            return outcome
        if not outcome.succeeded:
            error = outcome.status.get("error") or {}
            outcome.problems.append(f"{outcome.status.get('status')}: {error.get('type')}: "
                                    f"{error.get('message')}")  # fmt: skip
        elif outcome.edits_before is not None:
            self._read_colour(outcome)
        return outcome

    def _read_colour(self, outcome: Outcome) -> None:
        key = outcome.job.body["source"]["figma_file_key"]
        # Later edits count too: the job reads the file's version when it runs.
        assert outcome.edits_before is not None
        outcome.allowed_colours = tuple(self.colours[key][outcome.edits_before :])
        artifact = ((outcome.status.get("result") or {}).get("artifacts") or {}).get("tokens.json")
        if artifact is None:
            outcome.problems.append("no tokens.json artifact")
            return
        try:
            tokens = self.downloader.get(artifact["url"]).json()
            outcome.colour = str(tokens["tokens"]["colors"]["brand-primary"]).lower()
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            outcome.problems.append(f"tokens.json unreadable: {exc!r}")
