"""The whole local stack in one block: services, migrations, an API and a worker."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from devstack import processes
from devstack.processes import ManagedProcess
from devstack.services import Log, local_services

ROOT = Path(__file__).resolve().parents[1]

# Shorter limits than production for the offline provider (jobs take milliseconds), so a
# job whose whole worker was killed comes back within a minute (Redis visibility
# timeout = hard limit + 30 s). Anything the user sets wins.
LOCAL_DEFAULTS = {"TASK_SOFT_TIME_LIMIT_S": "20", "TASK_TIME_LIMIT_S": "30"}


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
        self.worker = start_worker(self.env, self.workdir)


def start_worker(env: dict[str, str], workdir: Path) -> ManagedProcess:
    return processes.start_worker(
        env=env, workdir=workdir, queue=env.get("GENERATION_QUEUE", "generation"), concurrency=2
    )


def _start_monitoring(stack: Stack, log: Log) -> None:
    """Flower (basic auth) and celery-exporter, as operators would run them."""
    stack.flower_auth = stack.env.get("FLOWER_BASIC_AUTH") or f"admin:{secrets.token_urlsafe(9)}"
    stack.monitors["flower"] = processes.start_flower(
        env=stack.env, workdir=stack.workdir, basic_auth=stack.flower_auth
    )
    log(f"flower: {stack.monitors['flower'][1]}")
    try:
        stack.monitors["exporter"] = processes.start_exporter(env=stack.env, workdir=stack.workdir)
        log(f"celery-exporter: {stack.monitors['exporter'][1]}")
    except RuntimeError as exc:
        log(f"celery-exporter not started: {exc}")


@contextmanager
def local_stack(
    name: str, *, api_port: int | None = None, monitoring: bool = False, log: Log = print
) -> Iterator[Stack]:
    workdir = ROOT / ".run" / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}"
    workdir.mkdir(parents=True, exist_ok=True)
    log(f"logs and data: {workdir}")
    with local_services(workdir, env=dict(os.environ), log=log) as service_env:
        defaults = {} if any(k in os.environ for k in LOCAL_DEFAULTS) else LOCAL_DEFAULTS
        env = {**defaults, **os.environ, **service_env}
        log("migrations: alembic upgrade head")
        processes.run_migrations(env=env, workdir=workdir)
        api, api_url = processes.start_api(env=env, workdir=workdir, port=api_port)
        log(f"api: {api_url} (pid {api.pid})")
        stack = Stack(env, workdir, api, api_url, start_worker(env, workdir))
        log(f"worker: pid {stack.worker.pid}, concurrency 2, metrics {stack.worker.metrics_url}")
        try:
            if monitoring:
                _start_monitoring(stack, log)
            yield stack
        finally:
            log("stopping api, worker and monitors")
            for process, _ in stack.monitors.values():
                process.stop()
            stack.worker.stop()
            stack.api.stop()
