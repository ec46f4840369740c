"""The app's processes (API, worker, migrations, monitors) as subprocesses that demo,
tests, bench and chaos start, wait for, stop and kill.

Each runs in a session of its own with its output in a log file under the work dir; a
failed readiness check raises with the log's tail, so the reason is on screen. Started
inside local_services, they carry its mark: its watchdog stops them if we are killed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psutil

from devstack.ports import NotReady, free_port, port_answers, tail, wait_until

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]


class ManagedProcess:
    """A child process whose output goes to a log file under the work dir.

    It leads a process group of its own (new session): Ctrl-C in a terminal reaches only
    us, we stop it in order, and stop()/kill9() reach whatever it started too."""

    def __init__(self, name: str, args: list[str], *, env: Mapping[str, str], workdir: Path):
        self.name = name
        self.args = args
        self.metrics_url: str | None = None
        self.pool: str | None = None  # a worker's Celery pool
        self.log_path = workdir / f"{name}.log"
        with self.log_path.open("ab") as log:  # the child keeps its own descriptor
            self.popen = subprocess.Popen(
                args,
                cwd=ROOT,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def __repr__(self) -> str:
        return f"<ManagedProcess {self.name} pid={self.pid} alive={self.alive()}>"

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def returncode(self) -> int | None:
        return self.popen.poll()

    def alive(self) -> bool:
        return self.popen.poll() is None

    def child_pids(self) -> list[int]:
        """Every live descendant (a prefork worker's pool processes, say)."""
        return _descendants(self.pid)

    def log_tail(self, lines: int = 30) -> str:
        return tail(self.log_path, lines)

    def stop(self, timeout_s: float = 15) -> None:
        """SIGTERM (a Celery worker finishes its running jobs: warm shutdown), then SIGKILL
        after `timeout_s`; then SIGKILL whatever it left behind in its process group."""
        descendants = self.child_pids()
        self.popen.send_signal(signal.SIGTERM)  # a no-op if it has already been reaped
        if not self._exited(timeout_s):
            logger.warning("%s ignored SIGTERM for %.0f s; killing it", self.name, timeout_s)
        self._kill_group(descendants)

    def kill9(self) -> None:
        """kill -9 the process and everything it started, as a lost machine would."""
        self._kill_group(self.child_pids())

    def _exited(self, timeout_s: float) -> bool:
        """Wait for the process to exit without reaping it: while it is an unreaped
        zombie its pid cannot be reused, so killpg(pid) still means our group."""
        if not hasattr(os, "waitid"):  # macOS before Python 3.13: reap, check later
            try:
                self.popen.wait(timeout_s)
            except subprocess.TimeoutExpired:
                return False
            return True
        deadline = time.monotonic() + timeout_s
        while self.popen.returncode is None:
            if os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT):
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True

    def _kill_group(self, descendants: list[int]) -> None:
        # Once reaped, the pid may belong to someone else; only a group nobody leads
        # any more can still be ours.
        if self.popen.returncode is None or not _pid_exists(self.pid):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, signal.SIGKILL)
        # Anything that left the group (setsid) but is still its descendant.
        for pid in descendants:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        self.popen.wait()


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_all(processes: list[ManagedProcess], timeout_s: float = 15) -> None:
    """Stop several at once: each gets its own grace period, side by side."""
    if processes:
        with ThreadPoolExecutor(max_workers=len(processes)) as pool:
            list(pool.map(lambda process: process.stop(timeout_s), processes))


def _descendants(pid: int) -> list[int]:
    try:
        return [child.pid for child in psutil.Process(pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def run_migrations(*, env: Mapping[str, str], workdir: Path, timeout_s: float = 300) -> None:
    """alembic upgrade head against env's DATABASE_URL; raises with alembic's output."""
    log_path = workdir / "migrate.log"
    try:
        result = subprocess.run(
            [sys.executable, "-m", "alembic", "upgrade", "head"],
            cwd=ROOT,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout_s,
        )
    except subprocess.TimeoutExpired as exc:
        raise NotReady(f"migrations did not finish within {timeout_s:.0f} s") from exc
    log_path.write_text(result.stdout + result.stderr)
    if result.returncode != 0:
        raise NotReady(
            f"migrations failed (alembic upgrade head); last lines of {log_path}:\n"
            + tail(log_path, 6)
        )


def _wait_ready(
    process: ManagedProcess, probe: Callable[[], bool], *, timeout_s: float, what: str
) -> None:
    """Wait for `probe()`; stop the process and show its log if it does not come up."""

    def ready() -> bool:
        if not process.alive():
            raise NotReady(
                f"{what} exited with {process.returncode}; last lines of {process.log_path}:\n"
                f"{process.log_tail()}"
            )
        return bool(probe())

    try:
        wait_until(ready, timeout_s, what, log=process.log_path)
    except BaseException:
        process.stop(timeout_s=5)
        raise


def start_api(
    *,
    env: Mapping[str, str],
    workdir: Path,
    port: int | None = None,
    workers: int = 1,
    app: str = "api.main:app",
) -> tuple[ManagedProcess, str]:
    """Start uvicorn serving `app`; returns the process and its base URL once GET /healthz
    is 200."""
    port = port or free_port()
    process = ManagedProcess(
        f"api-{port}",
        [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1",
         "--port", str(port), "--no-access-log", "--workers", str(workers),
         # Open long-polls (?wait=) would otherwise hold a shutdown for their full wait.
         "--timeout-graceful-shutdown", "3"],
        env=env,
        workdir=workdir,
    )  # fmt: skip
    base_url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        if not port_answers(port):
            return False
        try:
            # trust_env=False: a proxy from the environment must not sit in between.
            return httpx.get(f"{base_url}/healthz", timeout=2, trust_env=False).status_code == 200
        except httpx.HTTPError:
            return False

    _wait_ready(process, healthy, timeout_s=60, what=f"the API on port {port}")
    return process, base_url


DEFAULT_WORKER_POOL = "gevent"
DEFAULT_CONCURRENCY = {"gevent": 400, "prefork": 2, "solo": 1, "threads": 8}
"""deploy/bin/worker.sh's defaults: jobs waiting on models are greenlets (README: Workers)."""


def default_pool(env: Mapping[str, str]) -> str:
    """deploy/bin/worker.sh's choice: gevent, but prefork with a RabbitMQ broker."""
    amqp = env.get("BROKER_URL", "").split(":", 1)[0] in AMQP_SCHEMES
    return "prefork" if amqp else DEFAULT_WORKER_POOL


AMQP_SCHEMES = ("amqp", "amqps", "pyamqp")


def start_worker(
    *,
    env: Mapping[str, str],
    workdir: Path,
    queue: str | None = None,
    concurrency: int | None = None,
    app: str = "config.celery_app",
    pool: str | None = None,
    webhooks: bool = True,
) -> ManagedProcess:
    """Start a Celery worker of `app` on `queue` (default: env's GENERATION_QUEUE or
    "generation") and, unless not `webhooks`, on its webhook queue (env's WEBHOOK_QUEUE or
    `{queue}.webhooks`), as deploy/bin/worker.sh does; its pool and concurrency as
    worker.sh chooses them (env's WORKER_POOL, WORKER_CONCURRENCY) unless given; returns
    once it says it is ready to consume."""
    queue = queue or env.get("GENERATION_QUEUE") or "generation"
    queues = f"{queue},{env.get('WEBHOOK_QUEUE') or f'{queue}.webhooks'}" if webhooks else queue
    pool = pool or env.get("WORKER_POOL") or default_pool(env)
    if concurrency is None:
        concurrency = int(env.get("WORKER_CONCURRENCY") or DEFAULT_CONCURRENCY[pool])
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
         "--loglevel=INFO", "-Q", queues, "-c", str(concurrency), "--pool", pool,
         "--hostname", f"{name}@%h"],
        env=env,
        workdir=workdir,
    )  # fmt: skip
    # Celery logs "<hostname> ready." once its consumer is attached to the broker: the
    # same moment `celery inspect ping` would first answer, without a second process.
    ready_line = re.compile(rf"{re.escape(name)}@\S+ ready\.")

    def ready() -> bool:
        return bool(ready_line.search(process.log_path.read_text(errors="replace")))

    _wait_ready(process, ready, timeout_s=60, what=f"worker {name}")
    process.metrics_url = f"http://127.0.0.1:{metrics_port}/metrics"
    process.pool = pool
    return process


def start_local_workers(
    *, env: Mapping[str, str], workdir: Path, queue: str | None = None
) -> list[ManagedProcess]:
    """The workers `make up` starts: on the gevent pool one per core (a gevent worker is
    one process), a Node checker each; else one worker."""
    if (env.get("WORKER_POOL") or default_pool(env)) != "gevent":
        return [start_worker(env=env, workdir=workdir, queue=queue)]
    each = {"CHECKER_PROCESSES": "1", **env}
    return [start_worker(env=each, workdir=workdir, queue=queue) for _ in range(LOCAL_WORKERS)]


LOCAL_WORKERS = 2
"""devstack/Procfile's gevent workers (worker, worker2): one per core of a 2-core machine."""


def _start_listener(
    name: str, args: list[str], *, port: int, env: Mapping[str, str], workdir: Path
) -> ManagedProcess:
    """Start a process that serves on `port`; returns once the port answers."""
    process = ManagedProcess(f"{name}-{port}", args, env=env, workdir=workdir)
    _wait_ready(process, lambda: port_answers(port), timeout_s=30, what=name)
    return process


def start_flower(
    *, env: Mapping[str, str], workdir: Path, basic_auth: str, port: int | None = None
) -> tuple[ManagedProcess, str]:
    """Flower behind basic auth; returns the process and its URL once it answers. The
    password goes in Flower's own FLOWER_BASIC_AUTH variable: argv is readable by anyone
    on the machine (ps, /proc), the environment only by its owner."""
    port = port or free_port()
    args = [sys.executable, "-m", "celery", "-A", "config.celery_app", "flower",
            "--address=127.0.0.1", f"--port={port}", "--persistent=False"]  # fmt: skip
    env = {**env, "FLOWER_BASIC_AUTH": basic_auth}
    process = _start_listener("flower", args, port=port, env=env, workdir=workdir)
    return process, f"http://127.0.0.1:{port}"


def start_exporter(
    *, env: Mapping[str, str], workdir: Path, port: int | None = None
) -> tuple[ManagedProcess, str]:
    """celery-exporter from its own venv; returns the process and its /metrics URL."""
    python = ROOT / ".venv-exporter" / "bin" / "python"
    if not python.exists():
        raise NotReady("celery-exporter is not installed; run make install")
    port = port or free_port()
    entry = "from src.cli import cli; cli(auto_envvar_prefix='CE')"
    args = [str(python), "-c", entry, "--broker-url", env["BROKER_URL"],
            "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
    process = _start_listener("celery-exporter", args, port=port, env=env, workdir=workdir)
    return process, f"http://127.0.0.1:{port}/metrics"
