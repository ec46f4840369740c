"""The whole local stack in one block: services, migrations, an API and a worker."""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from devstack import processes
from devstack.processes import ManagedProcess
from devstack.services import Log, local_services

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
RUNS = ROOT / ".run"
KEEP_RUNS = 5  # per kind (demo, up): logs of older runs are deleted

# Shorter limits than production for the offline provider (jobs take milliseconds), so a
# job whose whole worker was killed comes back within a minute (Redis visibility
# timeout = hard limit + 30 s). Anything the user sets wins.
LOCAL_DEFAULTS = {"TASK_SOFT_TIME_LIMIT_S": "20", "TASK_TIME_LIMIT_S": "30"}
WORKER_CONCURRENCY = 2


@dataclass
class Stack:
    env: dict[str, str]
    workdir: Path
    api: ManagedProcess
    api_url: str
    worker: ManagedProcess
    monitors: dict[str, tuple[ManagedProcess, str]] = field(default_factory=dict)
    flower_auth: str = ""

    def restart_worker(self) -> None:
        self.worker.stop(timeout_s=5)  # reaps it and whatever it left behind
        self.worker = start_worker(self.env, self.workdir)


def start_worker(env: dict[str, str], workdir: Path) -> ManagedProcess:
    return processes.start_worker(env=env, workdir=workdir, concurrency=WORKER_CONCURRENCY)


def raise_on_sigterm() -> None:
    """Make SIGTERM unwind like Ctrl-C, so `finally` blocks stop what we started."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, handler)


def _new_workdir(kind: str) -> Path:
    workdir = RUNS / f"{kind}-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
    workdir.mkdir(parents=True)
    # Logs of the last few runs are worth keeping; all of them are not.
    for old in sorted(RUNS.glob(f"{kind}-*"))[:-KEEP_RUNS]:
        shutil.rmtree(old, ignore_errors=True)
    return workdir


def _start_monitoring(stack: Stack, log: Log) -> None:
    """Flower (basic auth) and celery-exporter, as operators would run them."""
    stack.flower_auth = stack.env.get("FLOWER_BASIC_AUTH") or f"admin:{secrets.token_urlsafe(9)}"
    stack.monitors["flower"] = processes.start_flower(
        env=stack.env, workdir=stack.workdir, basic_auth=stack.flower_auth
    )
    log(f"flower: {stack.monitors['flower'][1]}")
    try:
        stack.monitors["celery-exporter"] = processes.start_exporter(
            env=stack.env, workdir=stack.workdir
        )
        log(f"celery-exporter: {stack.monitors['celery-exporter'][1]}")
    except RuntimeError as exc:
        log(f"celery-exporter not started: {exc}")


@contextmanager
def local_stack(
    kind: str, *, api_port: int | None = None, monitoring: bool = False, log: Log = print
) -> Iterator[Stack]:
    """Services (embedded where no URL is set), migrations, an API and one worker; all
    stopped when the block ends, app processes before the services they use."""
    began = time.perf_counter()
    workdir = _new_workdir(kind)
    log(f"logs: {workdir}")
    with local_services(workdir, env=dict(os.environ), log=log) as service_env:
        defaults = {} if any(k in os.environ for k in LOCAL_DEFAULTS) else LOCAL_DEFAULTS
        env = {**defaults, **os.environ, **service_env}
        log("migrations: alembic upgrade head")
        processes.run_migrations(env=env, workdir=workdir)
        started: list[ManagedProcess] = []
        stack: Stack | None = None
        try:
            api, api_url = processes.start_api(env=env, workdir=workdir, port=api_port)
            started.append(api)
            log(f"api: {api_url} (pid {api.pid})")
            worker = start_worker(env, workdir)
            started.append(worker)
            log(f"worker: pid {worker.pid}, concurrency {WORKER_CONCURRENCY}, "
                f"metrics {worker.metrics_url}")  # fmt: skip
            stack = Stack(env, workdir, api, api_url, worker)
            if monitoring:
                _start_monitoring(stack, log)
            log(f"stack: up in {time.perf_counter() - began:.1f} s")
            yield stack
        finally:
            log("stopping the app processes")
            if stack is not None:  # the worker may have been replaced since
                started = [stack.api, stack.worker, *(p for p, _ in stack.monitors.values())]
            # Side by side: a worker's warm shutdown (finishing its running jobs) need
            # not wait for the API's, nor the other way round.
            processes.stop_all(started)
