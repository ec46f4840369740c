"""The app's processes (API, worker, migrations) as supervised subprocesses with log files."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Mapping
from pathlib import Path

import httpx
import psutil

from devstack.ports import free_port, port_answers, tail, wait_until

ROOT = Path(__file__).resolve().parents[1]


class ManagedProcess:
    """A child process whose output goes to a log file under the work dir."""

    def __init__(self, name: str, args: list[str], *, env: Mapping[str, str], workdir: Path):
        self.name = name
        self.metrics_url: str | None = None
        self.log_path = workdir / f"{name}.log"
        self._log = self.log_path.open("ab")
        self.popen = subprocess.Popen(
            args,
            cwd=ROOT,
            env=dict(env),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C in a terminal reaches us, not it: we stop it
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def child_pids(self) -> list[int]:
        try:
            return [child.pid for child in psutil.Process(self.pid).children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def log_tail(self, lines: int = 30) -> str:
        return tail(self.log_path, lines)

    def stop(self, *, timeout_s: float = 15) -> None:
        """SIGTERM (a Celery worker finishes its jobs: warm shutdown), then SIGKILL."""
        if self.alive():
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.kill_tree()
        self._reap_children()
        self._log.close()

    def kill_tree(self) -> None:
        """kill -9 the process and everything it started, as a lost machine would."""
        _kill9([*self.child_pids(), self.pid])
        self.popen.wait()

    def _reap_children(self) -> None:
        _kill9(self.child_pids())


def _kill9(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def run_migrations(*, env: Mapping[str, str], workdir: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=ROOT,
        env=dict(env),
        capture_output=True,
        text=True,
    )
    (workdir / "migrate.log").write_text(result.stdout + result.stderr)
    if result.returncode != 0:
        raise RuntimeError(f"migrations failed:\n{result.stderr[-3000:]}")


def start_api(
    *, env: Mapping[str, str], workdir: Path, port: int | None = None, workers: int = 1
) -> tuple[ManagedProcess, str]:
    """Start uvicorn; returns the process and its base URL once /healthz answers."""
    port = port or free_port()
    process = ManagedProcess(
        f"api-{port}",
        [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1",
         "--port", str(port), "--no-access-log", "--workers", str(workers)],
        env=env,
        workdir=workdir,
    )  # fmt: skip
    base_url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        if not process.alive():
            raise RuntimeError(f"the API exited:\n{process.log_tail()}")
        if not port_answers(port):
            return False
        return httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200

    wait_until(healthy, timeout_s=30, what="the API", log=process.log_path)
    return process, base_url


def start_worker(
    *,
    env: Mapping[str, str],
    workdir: Path,
    queue: str,
    concurrency: int = 2,
    app: str = "config.celery_app",
) -> ManagedProcess:
    """Start a prefork Celery worker of `app` on `queue`; returns once it says it is ready."""
    name = f"worker-{uuid.uuid4().hex[:6]}"
    # A metrics dir of its own, so the pool's counts are summed and start at zero.
    metrics_dir = workdir / f"prometheus-{name}"
    metrics_dir.mkdir()
    metrics_port = int(env.get("WORKER_METRICS_PORT") or free_port())
    env = {"SPOOL_DIR": str(workdir / "spool"), **env,
           "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
           "WORKER_METRICS_PORT": str(metrics_port)}  # fmt: skip
    process = ManagedProcess(
        name,
        [sys.executable, "-m", "celery", "-A", app, "worker",
         "--loglevel=INFO", "-Q", queue, "-c", str(concurrency), "--pool", "prefork",
         "--hostname", f"{name}@%h"],
        env=env,
        workdir=workdir,
    )  # fmt: skip

    def ready() -> bool:
        if not process.alive():
            raise RuntimeError(f"the worker exited:\n{process.log_tail()}")
        return " ready." in process.log_path.read_text(errors="replace")

    wait_until(ready, timeout_s=60, what=f"worker {name}", log=process.log_path)
    process.metrics_url = f"http://127.0.0.1:{metrics_port}/metrics"
    return process


def _start_listener(
    name: str, args: list[str], *, port: int, env: Mapping[str, str], workdir: Path
) -> ManagedProcess:
    """Start a process that serves on `port`; returns once the port answers."""
    process = ManagedProcess(f"{name}-{port}", args, env=env, workdir=workdir)

    def answers() -> bool:
        if not process.alive():
            raise RuntimeError(f"{name} exited:\n{process.log_tail()}")
        return port_answers(port)

    wait_until(answers, timeout_s=30, what=name, log=process.log_path)
    return process


def start_flower(
    *, env: Mapping[str, str], workdir: Path, basic_auth: str, port: int | None = None
) -> tuple[ManagedProcess, str]:
    """Flower behind basic auth; returns the process and its URL once it answers."""
    port = port or free_port()
    args = [sys.executable, "-m", "celery", "-A", "config.celery_app", "flower",
            "--address=127.0.0.1", f"--port={port}", f"--basic-auth={basic_auth}",
            "--persistent=False"]  # fmt: skip
    process = _start_listener("flower", args, port=port, env=env, workdir=workdir)
    return process, f"http://127.0.0.1:{port}"


def start_exporter(
    *, env: Mapping[str, str], workdir: Path, port: int | None = None
) -> tuple[ManagedProcess, str]:
    """celery-exporter from its own venv; returns the process and its /metrics URL."""
    python = ROOT / ".venv-exporter" / "bin" / "python"
    if not python.exists():
        raise RuntimeError("celery-exporter is not installed; run make install")
    port = port or free_port()
    entry = "from src.cli import cli; cli(auto_envvar_prefix='CE')"
    args = [str(python), "-c", entry, "--broker-url", env["BROKER_URL"],
            "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
    process = _start_listener("celery-exporter", args, port=port, env=env, workdir=workdir)
    return process, f"http://127.0.0.1:{port}/metrics"
