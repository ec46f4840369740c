"""Fixtures shared by the tiers. Nothing starts at import or configure time.

tests/unit starts nothing (its conftest refuses `services`). tests/integration and
tests/drills ask for `services` in every test, so the first of them starts the run's
services: for each of REDIS_URL / DATABASE_URL / S3_ENDPOINT_URL that is unset, an
embedded real server (devstack.services). Either way the run gets a database, a bucket
and a queue of its own, so it never touches anyone's data and runs can share a server.
Every fixture that needs a server, a worker or the run's environment depends on it.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from cryptography.fernet import Fernet
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine

from config.celery_app import app as celery_app
from config.celery_app import celery_config
from config.settings import get_settings
from core.access import Role
from devstack import processes
from devstack.fakes.figma import FigmaState, figma_server
from devstack.fakes.llm_answers import canned_answer
from devstack.fakes.openai_api import LLMState, openai_server
from devstack.processes import ManagedProcess
from devstack.services import local_services
from tests.helpers import own_database
from workers.clients import close_clients, s3_client
from workers.storage.api_keys import create_key
from workers.storage.tenants import set_figma_token


@dataclass(frozen=True)
class Services:
    """The run's services, up and migrated; `env` is also in os.environ."""

    workdir: Path
    env: dict[str, str]


def _reload_settings() -> None:
    """Make app code in this process read os.environ again: settings are read once
    (get_settings is cached), clients are built once (workers.clients), and the Celery
    app keeps the configuration it was first used with."""
    get_settings.cache_clear()
    close_clients()
    celery_app.conf.update(celery_config(get_settings()))


@pytest.fixture(scope="session")
def services(request: pytest.FixtureRequest) -> Iterator[Services]:
    workdir = Path(tempfile.mkdtemp(prefix="cf-test-"))
    with ExitStack() as stack:
        env = stack.enter_context(local_services(workdir, env=dict(os.environ)))
        env["DATABASE_URL"] = stack.enter_context(own_database(env["DATABASE_URL"], "cf_test"))
        run_id = uuid.uuid4().hex[:8]
        env["S3_BUCKET"] = f"cf-test-{run_id}"
        env["GENERATION_QUEUE"] = f"generation-test-{run_id}"
        # Circuits are shared by every worker on the Redis, and tests point single workers
        # at dead endpoints on purpose; only the circuit breaker tests let circuits open.
        env["CIRCUIT_FAILURE_THRESHOLD"] = "1000000"
        # Every test's client is 127.0.0.1, and many send bad keys on purpose; only the
        # throttle's own tests (a client address of their own) let it refuse.
        env["AUTH_FAILURES_PER_MINUTE"] = "1000000"
        # Tests get a generation by naming a new component: with L2 and L3 on, a renamed
        # design would be answered from them. The ladder's own tests turn them on.
        env["SEMANTIC_CACHE"] = env["PATTERN_CACHE"] = "off"
        # Tenants' Figma tokens are stored encrypted with it (the `keys` fixture stores one).
        env["TENANT_SECRETS_KEY"] = Fernet.generate_key().decode()
        os.environ.update(env)
        _reload_settings()
        stack.callback(close_clients)  # before the database and the servers go
        processes.run_migrations(env=dict(os.environ), workdir=workdir)
        yield Services(workdir=workdir, env=env)
    # The logs of a failed run are worth keeping; those of a passing one are not.
    if request.session.testsfailed == 0:
        shutil.rmtree(workdir, ignore_errors=True)


@dataclass(frozen=True)
class Keys:
    """API keys minted for the run: two tenants, each role."""

    submit: str  # tenant-a, the key the api fixtures send
    read: str  # tenant-a
    admin: str  # tenant "ops"
    other: str  # tenant-b, submit


@pytest.fixture(scope="session")
def keys(services: Services) -> Keys:
    engine = create_engine(services.env["DATABASE_URL"])
    try:

        def mint(tenant: str, role: Role) -> str:
            return create_key(engine, tenant_id=tenant, name=f"tests-{role}", role=role)[0]

        minted = Keys(
            submit=mint("tenant-a", Role.SUBMIT),
            read=mint("tenant-a", Role.READ),
            admin=mint("ops", Role.ADMIN),
            other=mint("tenant-b", Role.SUBMIT),
        )
        # tenant-a reads the local Figma API with a token of its own (tenant-b has none).
        set_figma_token(engine, "tenant-a", FIGMA_TOKEN)
        return minted
    finally:
        engine.dispose()


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(scope="session")
def workdir(services: Services) -> Path:
    return services.workdir


@pytest.fixture(scope="session")
def bucket(services: Services) -> str:
    return services.env["S3_BUCKET"]


@pytest.fixture(scope="session")
def engine(services: Services) -> Iterator[Engine]:
    engine = create_engine(services.env["DATABASE_URL"])
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def redis_db(services: Services) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(services.env["REDIS_URL"], decode_responses=True)
    yield client
    client.close()


@pytest.fixture(scope="session")
def s3(services: Services) -> Any:
    """The app's own S3 client (same endpoint, signature and timeouts as the workers)."""
    return s3_client()


FIGMA_TOKEN = "figma-test-token"
LLM_KEY = "sk-test-local"


@pytest.fixture(scope="session")
def figma(services: Services) -> Iterator[FigmaState]:
    """A local Figma API; the shared worker fetches figma_file_keys from it."""
    with figma_server(FIGMA_TOKEN) as (url, state):
        os.environ["FIGMA_API_URL"] = url
        yield state


@pytest.fixture(scope="session")
def llm(services: Services) -> Iterator[LLMState]:
    """A local OpenAI-compatible API; the shared worker's "openai" provider talks to it."""
    with openai_server(LLM_KEY, canned_answer) as (url, state):
        os.environ["OPENAI_BASE_URL"] = url
        yield state


@pytest.fixture(scope="session")
def worker(workdir: Path, figma: FigmaState, llm: LLMState) -> Iterator[ManagedProcess]:
    """One real worker (the default pool, gevent) on the run's queue, shared by the tests
    that need one."""
    env = {
        **os.environ,
        "FIGMA_TOKEN": FIGMA_TOKEN,
        # Figma: a Retry-After up to 5 s is waited; the LLM: one try per call (tests script
        # each failure), then the task's retries.
        "RETRY_POLICIES": json.dumps({"figma": {"max_retry_after_s": 5}, "llm": {"attempts": 1}}),
        "OPENAI_API_KEY": LLM_KEY,
    }
    process = processes.start_worker(
        env=env, workdir=workdir, queue=os.environ["GENERATION_QUEUE"], concurrency=2
    )
    yield process
    process.stop()


@pytest.fixture(scope="session")
def api(workdir: Path, keys: Keys) -> Iterator[httpx.Client]:
    """A real API process (uvicorn), called with tenant-a's submit key; for what needs no
    worker, see in_process_api."""
    process, base_url = processes.start_api(env=dict(os.environ), workdir=workdir)
    with httpx.Client(base_url=base_url, timeout=30, headers=bearer(keys.submit)) as client:
        yield client
    process.stop()


def _create_app() -> FastAPI:
    """api.main's app factory, run here. It sets up logging as a server process wants
    it (root handlers and level), which would take pytest's log capture away: that is
    put back. Imported here, not on top: the module builds an app as it is imported."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        from api.main import create_app

        return create_app()
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


@pytest.fixture
def in_process_api() -> Iterator[TestClient]:
    """The API app in this process (FastAPI's TestClient): no server, no worker. It uses
    whatever the environment names; the unit tier's version answers without services."""
    # Not entered as a context manager: the app's shutdown would close this process's
    # shared clients, which the session's fixtures (s3) hold too.
    client = TestClient(_create_app())
    yield client
    client.close()


@pytest.fixture
def start_worker(workdir: Path) -> Iterator[Callable[..., ManagedProcess]]:
    """Start workers of a test's own (own queue, own settings); stopped after the test."""
    started: list[ManagedProcess] = []

    def start(
        *, queue: str, concurrency: int = 1, env: dict[str, str] | None = None,
        pool: str | None = None,
    ) -> Any:  # fmt: skip
        process = processes.start_worker(
            env={**os.environ, **(env or {})},
            workdir=workdir,
            queue=queue,
            concurrency=concurrency,
            pool=pool,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


@pytest.fixture
def start_api(workdir: Path, keys: Keys) -> Iterator[Callable[..., httpx.Client]]:
    """Start an API process with a test's own settings (called with tenant-a's submit
    key); stopped after the test."""
    started: list[tuple[ManagedProcess, httpx.Client]] = []

    def start(*, env: dict[str, str] | None = None) -> httpx.Client:
        process, base_url = processes.start_api(env={**os.environ, **(env or {})}, workdir=workdir)
        client = httpx.Client(base_url=base_url, timeout=30, headers=bearer(keys.submit))
        started.append((process, client))
        return client

    yield start
    for process, client in started:
        client.close()
        process.stop()
