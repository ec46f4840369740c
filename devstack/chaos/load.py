"""Load for the drills: a client that submits jobs over HTTP as a careful user would
(an Idempotency-Key per job, retrying 503s and dropped connections), and then follows
every accepted job to its end."""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx

from core.state import TERMINAL
from devstack.keys import bearer
from devstack.sample_jobs import make_job

SUBMIT_GIVE_UP_S = 120.0
NOT_FOUND = "not found"
"""The status `follow` gives a job the API answers 404 for (lost with Redis's state)."""
NOT_FOUND_SETTLED_S = 15.0
"""How long nothing else may move before jobs still answering 404 are taken as lost."""


def job_body(seed: str, n: int, *, provider: str) -> dict[str, Any]:
    """Mostly fresh inputs; every fifth job repeats an earlier one, so the cache is used."""
    base = n - 4 if n % 5 == 4 else n
    sha = hashlib.sha256(f"{seed}:{base}".encode()).hexdigest()
    body = make_job(component_name=f"Chaos{base}Button", source={"screenshot_sha256": sha})
    body["options"] = {"provider": provider}
    return body


@dataclass
class Load:
    api_url: str
    api_key: str  # a submit key (every /v1 route needs one)
    provider: str = "template"
    accepted: list[str] = field(default_factory=list)
    accepted_at: dict[str, float] = field(default_factory=dict)  # time.time() of the 202
    refused: list[str] = field(default_factory=list)  # gave up submitting (never accepted)
    submit_retries: int = 0
    seed: str = field(default_factory=lambda: uuid.uuid4().hex)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _counter: int = 0

    def _next_body(self) -> dict[str, Any]:
        with self._lock:
            self._counter += 1
            return job_body(self.seed, self._counter, provider=self.provider)

    def submit_one(self, client: httpx.Client) -> None:
        body, key = self._next_body(), uuid.uuid4().hex
        deadline = time.monotonic() + SUBMIT_GIVE_UP_S
        while True:
            try:
                response = client.post("/v1/generations", json=body,
                                       headers={"Idempotency-Key": key})  # fmt: skip
                if response.status_code == 202:
                    with self._lock:
                        self.accepted.append(response.json()["id"])
                        self.accepted_at[self.accepted[-1]] = time.time()
                    return
                if response.status_code != 503:
                    raise AssertionError(f"submit answered {response.status_code}: {response.text}")
            except httpx.TransportError:
                pass
            with self._lock:
                self.submit_retries += 1
            if time.monotonic() > deadline:
                with self._lock:
                    self.refused.append(key)
                return
            time.sleep(0.5)

    def burst(self, count: int) -> None:
        with (
            httpx.Client(base_url=self.api_url, timeout=10, headers=bearer(self.api_key)) as client,
            ThreadPoolExecutor(8) as pool,
        ):
            list(pool.map(lambda _: self.submit_one(client), range(count)))

    def trickle(self, per_s: float, stop: threading.Event) -> threading.Thread:
        """Keep submitting `per_s` jobs a second until `stop` is set; the returned thread
        ends once every submission begun has been accepted or given up."""

        def run() -> None:
            submissions: list[threading.Thread] = []
            with httpx.Client(
                base_url=self.api_url, timeout=10, headers=bearer(self.api_key)
            ) as client:
                while not stop.wait(1 / per_s):
                    submission = threading.Thread(target=self.submit_one, args=(client,))
                    submission.start()
                    submissions.append(submission)
                for submission in submissions:
                    submission.join()

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread


def follow(
    api_url: str,
    job_ids: list[str],
    *,
    api_key: str,
    timeout_s: float,
    on_progress: Callable[[int], None],
) -> dict[str, dict[str, Any]]:
    """Poll until every job has ended or `timeout_s` passed; the last status of each
    (`api_key` must see every job: another tenant's answers 404, like a lost one).
    A job answering 404 has status NOT_FOUND; once only such jobs are left and none has
    changed for NOT_FOUND_SETTLED_S, they are given up on."""
    last: dict[str, dict[str, Any]] = {}
    open_ids = set(job_ids)
    deadline = time.monotonic() + timeout_s
    moved_at = time.monotonic()
    with httpx.Client(base_url=api_url, timeout=10, headers=bearer(api_key)) as client:
        while open_ids and time.monotonic() < deadline:
            for job_id in sorted(open_ids):
                try:
                    response = client.get(f"/v1/generations/{job_id}")
                except httpx.TransportError:
                    continue
                if response.status_code in (401, 403):  # the drill's own mistake: say so
                    raise AssertionError(f"status answered {response.status_code}: {response.text}")
                if response.status_code in (200, 404):
                    status = response.json() if response.status_code == 200 else {}
                    if status.get("status", NOT_FOUND) != last.get(job_id, {}).get("status"):
                        moved_at = time.monotonic()
                    last[job_id] = status or {"status": NOT_FOUND}
                    if last[job_id]["status"] in TERMINAL:
                        open_ids.discard(job_id)
            on_progress(len(job_ids) - len(open_ids))
            if all(last.get(i, {}).get("status") == NOT_FOUND for i in open_ids) and (
                time.monotonic() - moved_at > NOT_FOUND_SETTLED_S
            ):
                break
            if open_ids:
                time.sleep(1)
    return last
