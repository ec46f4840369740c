"""The stack the fault drills break: real servers, real API and worker processes.

Given Postgres and S3 (from the caller's env), it adds Redis servers of its own for job
state and the broker (append-only file fsynced every second, as in production: a
restart keeps the queue and the states, a kill -9 may lose the last second) and the
cache (or RabbitMQ as the broker, when given its URL), a fault proxy in front of
Postgres, S3 and the cache, and the local OpenAI-compatible server. Every drill can then
cut exactly one dependency.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import redis
from kombu import Connection
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import URL, make_url

from core.access import Role
from core.keys import dead_letter_queue
from core.state import LIVE
from devstack import processes
from devstack.chaos.fault_proxy import FaultProxy, Upstream
from devstack.fakes.llm_answers import canned_answer
from devstack.fakes.openai_api import LLMState, openai_server
from devstack.keys import mint_key
from devstack.ports import free_port, wait_until
from devstack.processes import ManagedProcess
from devstack.services import redis_server

LLM_KEY = "sk-chaos-local"
TENANT = "chaos"
WORKERS = 2
CONCURRENCY = 2

# Short limits, so a lost job comes back within a drill: a job of these drills takes
# about 1.5 s; the visibility timeout must stay above the hard limit.
WORKER_SETTINGS = {
    "TEMPLATE_DELAY_MS": "300",
    "TYPECHECK": "false",
    "TASK_SOFT_TIME_LIMIT_S": "20",
    "TASK_TIME_LIMIT_S": "25",
    "BROKER_VISIBILITY_TIMEOUT_S": "30",
    "SPOOL_REPLAY_INTERVAL_S": "1",
    "CIRCUIT_OPEN_S": "5",
    "OPENAI_TIMEOUT_S": "3",
    "RETRY_POLICIES": '{"task": {"backoff_cap_s": 8}}',
    "WORKER_METRICS_PORT": "0",
    # The reaper brings back jobs whose message a Redis crash lost, within a drill.
    "REAPER_INTERVAL_S": "2",
    "REAPER_STALE_AFTER_S": "10",
}


class RedisServer:
    """A redis-server on a fixed port that can be stopped and started again."""

    def __init__(self, name: str, workdir: Path, *, durable: bool) -> None:
        self.name = name
        self.port = free_port()
        self.data_dir = workdir / name
        self.data_dir.mkdir()
        self._args = [redis_server(), "--bind", "127.0.0.1",
                      "--port", str(self.port), "--dir", str(self.data_dir), "--save", "",
                      "--appendonly", "yes" if durable else "no",
                      "--appendfsync", "everysec",
                      # A process title would overwrite the environment, where the
                      # devstack watchdog looks for its mark.
                      "--set-proc-title", "no"]  # fmt: skip
        self._workdir = workdir
        self.process: ManagedProcess | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = ManagedProcess(self.name, self._args, env=os.environ, workdir=self._workdir)
        client = redis.Redis(port=self.port, socket_connect_timeout=1)

        def pings() -> bool:
            try:
                return bool(client.ping())
            except redis.RedisError:
                return False

        wait_until(pings, 15, self.name, log=self.process.log_path)
        client.close()

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()  # SIGTERM: redis flushes its append-only file, then exits
            self.process = None

    def kill9(self) -> None:
        """kill -9: the append-only file keeps what was fsynced, up to a second ago."""
        if self.process is not None:
            self.process.kill9()
            self.process = None


@dataclass
class ChaosStack:
    env: dict[str, str]
    workdir: Path
    api_url: str
    broker: RedisServer | None  # None when the broker is RabbitMQ
    state_server: RedisServer
    state: redis.Redis
    proxies: dict[str, FaultProxy]
    llm: LLMState
    engine: Engine
    s3: Any  # boto3 client straight to S3, not through the proxy
    bucket: str
    api_key: str  # submits the load (tenant TENANT, no quotas)
    admin_key: str  # follows every job, poison messages' too, whatever their tenant
    workers: list[ManagedProcess] = field(default_factory=list)

    def start_worker(self, index: int) -> ManagedProcess:
        """Worker `index`, as one machine: its own spool directory, kept across restarts."""
        env = {**self.env, "SPOOL_DIR": str(self.workdir / f"spool-{index}")}
        worker = processes.start_worker(
            env=env, workdir=self.workdir, queue=self.env["GENERATION_QUEUE"],
            concurrency=CONCURRENCY,
        )  # fmt: skip
        if index < len(self.workers):
            self.workers[index] = worker
        else:
            self.workers.append(worker)
        return worker

    def replace_dead_workers(self) -> None:
        """What a supervisor (systemd, Kubernetes) does for a killed worker."""
        for index, worker in enumerate(self.workers):
            if not worker.alive():
                self.start_worker(index)

    def in_flight(self) -> int:
        """Jobs queued or running now, by their live state."""
        pipe = self.state.pipeline(transaction=False)
        for key in self.state.scan_iter(match="job:*", count=1000):
            pipe.hget(key, "status")
        return sum(1 for status in pipe.execute() if status in LIVE)

    def spooled(self) -> int:
        return sum(1 for _ in self.workdir.glob("spool-*/*/*.json"))


def _postgres_upstream(url: URL) -> Upstream:
    socket_dir = url.query.get("host")
    if isinstance(socket_dir, str) and socket_dir.startswith("/"):
        return Path(socket_dir) / f".s.PGSQL.{url.port or 5432}"
    return (url.host or "127.0.0.1", url.port or 5432)


def _through(url: URL, proxy: FaultProxy) -> str:
    query = {k: v for k, v in url.query.items() if k != "host"}
    proxied = url.set(host="127.0.0.1", port=proxy.port, query=query)
    return proxied.render_as_string(hide_password=False)


def _delete_queues(broker_url: str, queue: str) -> None:
    with Connection(broker_url) as connection:
        for name in (queue, dead_letter_queue(queue)):
            connection.default_channel.queue_delete(name)


def _redis_servers(
    stack: ExitStack, workdir: Path, rabbitmq_url: str | None
) -> tuple[RedisServer, RedisServer | None, RedisServer]:
    """Job state, the broker (none with RabbitMQ), the cache; each stopped with `stack`."""

    def start(name: str, *, durable: bool) -> RedisServer:
        server = RedisServer(name, workdir, durable=durable)
        stack.callback(server.stop)  # at once: a later one failing to start stops this
        return server

    broker = None if rabbitmq_url else start("broker-redis", durable=True)
    return start("state-redis", durable=True), broker, start("cache-redis", durable=False)


@contextmanager
def chaos_stack(
    base_env: dict[str, str], workdir: Path, *, rabbitmq_url: str | None = None
) -> Iterator[ChaosStack]:
    """Start everything; `base_env` names DATABASE_URL and S3_ENDPOINT_URL (and AWS keys).
    With `rabbitmq_url` the broker is that RabbitMQ instead of a Redis of the stack's own."""
    with ExitStack() as stack:
        run_id = uuid.uuid4().hex[:8]
        state_redis, broker, cache_redis = _redis_servers(stack, workdir, rabbitmq_url)

        db_url = make_url(base_env["DATABASE_URL"])
        s3_host, _, s3_port = base_env["S3_ENDPOINT_URL"].split("//")[1].partition(":")
        proxies = {
            "postgres": FaultProxy(_postgres_upstream(db_url)),
            "s3": FaultProxy((s3_host, int(s3_port or 80))),
            "cache": FaultProxy(("127.0.0.1", cache_redis.port)),
        }
        for proxy in proxies.values():
            stack.callback(proxy.close)
        url, llm = stack.enter_context(openai_server(LLM_KEY, canned_answer))

        env = {
            **base_env,
            "REDIS_URL": state_redis.url,
            "BROKER_URL": broker.url if broker else str(rabbitmq_url),
            "CACHE_REDIS_URL": f"redis://{proxies['cache'].address}/0",
            "DATABASE_URL": _through(db_url, proxies["postgres"]),
            "S3_ENDPOINT_URL": f"http://{proxies['s3'].address}",
            "S3_BUCKET": f"cf-chaos-{run_id}",
            "GENERATION_QUEUE": f"generation-chaos-{run_id}",
            "OPENAI_BASE_URL": url,
            "OPENAI_API_KEY": LLM_KEY,
            **WORKER_SETTINGS,
        }
        if rabbitmq_url:  # RabbitMQ outlives the stack: take its queues away with it
            stack.callback(_delete_queues, rabbitmq_url, env["GENERATION_QUEUE"])
        processes.run_migrations(env=env, workdir=workdir)
        # Every /v1 route needs a key; minted straight in Postgres, not through the proxy.
        api_key = mint_key(base_env["DATABASE_URL"], name=f"chaos-{run_id}", tenant=TENANT,
                           unlimited=True)  # fmt: skip
        admin_key = mint_key(base_env["DATABASE_URL"], name=f"chaos-{run_id}-observer",
                             role=Role.ADMIN, tenant=TENANT)  # fmt: skip
        api, api_url = processes.start_api(env=env, workdir=workdir)
        stack.callback(api.stop)
        engine = create_engine(base_env["DATABASE_URL"])
        stack.callback(engine.dispose)
        s3 = boto3.client(
            "s3", endpoint_url=base_env["S3_ENDPOINT_URL"],
            region_name=env.get("S3_REGION", "us-east-1"),
            aws_access_key_id=base_env.get("AWS_ACCESS_KEY_ID"),
            aws_secret_access_key=base_env.get("AWS_SECRET_ACCESS_KEY"),
        )  # fmt: skip
        state = redis.Redis.from_url(state_redis.url, decode_responses=True)
        chaos = ChaosStack(
            env=env, workdir=workdir, api_url=api_url, broker=broker,
            state_server=state_redis, state=state,
            proxies=proxies, llm=llm, engine=engine, s3=s3, bucket=env["S3_BUCKET"],
            api_key=api_key, admin_key=admin_key,
        )  # fmt: skip
        stack.callback(lambda: processes.stop_all(chaos.workers))
        for index in range(WORKERS):
            chaos.start_worker(index)
        time.sleep(0.5)
        yield chaos
