"""`make demo`'s stack in one block: services, migrations, an API and a worker; and what
`make up` shares with it: the run's work dir and the local settings."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from devstack import processes
from devstack.keys import LOCAL_TENANT, mint_key
from devstack.processes import ManagedProcess
from devstack.services import Log, local_services

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
RUNS = ROOT / ".run"
KEEP_RUNS = 5  # per kind (demo, up): logs of older runs are deleted

# Shorter limits than production, so a job whose whole worker was killed comes back within
# two minutes (Redis visibility timeout = hard limit + 30 s); long enough for a burst of
# a tenant's 200 jobs on a model answering in seconds (they wait in the gevent worker, and
# that wait counts). Anything the user sets wins.
LOCAL_DEFAULTS = {"TASK_SOFT_TIME_LIMIT_S": "60", "TASK_TIME_LIMIT_S": "75"}


@dataclass
class Stack:
    env: dict[str, str]
    workdir: Path
    api: ManagedProcess
    api_url: str
    worker: ManagedProcess
    api_key: str  # tenant LOCAL_TENANT, role submit


def raise_on_sigterm() -> None:
    """Make SIGTERM unwind like Ctrl-C, so `finally` blocks stop what we started."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, handler)


def new_workdir(kind: str) -> Path:
    workdir = RUNS / f"{kind}-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
    workdir.mkdir(parents=True)
    # Logs of the last few runs are worth keeping; all of them are not.
    for old in sorted(RUNS.glob(f"{kind}-*"))[:-KEEP_RUNS]:
        shutil.rmtree(old, ignore_errors=True)
    return workdir


def app_env(service_env: Mapping[str, str]) -> dict[str, str]:
    """The app processes' environment: the local limits unless the user set any, the
    user's environment, then the services'."""
    defaults = {} if any(k in os.environ for k in LOCAL_DEFAULTS) else LOCAL_DEFAULTS
    return {**defaults, **os.environ, **service_env}


@contextmanager
def local_stack(kind: str, *, log: Log = print) -> Iterator[Stack]:
    """Services (embedded where no URL is set), migrations, a submit key, an API and one
    worker; all stopped when the block ends, app processes before the services they use."""
    began = time.perf_counter()
    workdir = new_workdir(kind)
    log(f"logs: {workdir}")
    with local_services(workdir, env=dict(os.environ), log=log) as service_env:
        env = app_env(service_env)
        log("migrations: alembic upgrade head")
        processes.run_migrations(env=env, workdir=workdir)
        # Every /v1 route needs a key: this run's database gets one of its own.
        api_key = mint_key(env["DATABASE_URL"], name=f"make-{kind}")
        log(f"api key (tenant {LOCAL_TENANT}, role submit): {api_key}")
        started: list[ManagedProcess] = []
        try:
            api, api_url = processes.start_api(env=env, workdir=workdir)
            started.append(api)
            log(f"api: {api_url} (pid {api.pid})")
            worker = processes.start_worker(env=env, workdir=workdir)  # worker.sh's defaults
            started.append(worker)
            log(f"worker: pid {worker.pid}, {worker.pool} pool, "
                f"metrics {worker.metrics_url}")  # fmt: skip
            log(f"stack: up in {time.perf_counter() - began:.1f} s")
            yield Stack(env, workdir, api, api_url, worker, api_key)
        finally:
            log("stopping the app processes")
            # Side by side: a worker's warm shutdown (finishing its running jobs) need
            # not wait for the API's, nor the other way round.
            processes.stop_all(started)
