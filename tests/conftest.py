"""Real services for the whole run, started before any test module imports app code.

For each of REDIS_URL / DATABASE_URL / S3_ENDPOINT_URL that is unset, an embedded real
server is started (devstack.services). Either way the run gets a database, a bucket and
a queue of its own, so it never touches anyone's data and runs can share a server.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from sqlalchemy import Engine, create_engine

from devstack import processes
from devstack.fakes.figma import FigmaState, figma_server
from devstack.fakes.llm_answers import canned_answer
from devstack.fakes.openai_api import LLMState, openai_server
from devstack.processes import ManagedProcess
from devstack.services import local_services
from tests.helpers import own_database

ROOT = Path(__file__).resolve().parents[1]
_stack = ExitStack()
_PASSED = pytest.StashKey[bool]()


def pytest_configure(config: pytest.Config) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="cf-test-"))
    env = _stack.enter_context(local_services(workdir, env=dict(os.environ)))
    os.environ.update(env)
    os.environ["DATABASE_URL"] = _stack.enter_context(own_database(env["DATABASE_URL"], "cf_test"))
    run_id = uuid.uuid4().hex[:8]
    os.environ["S3_BUCKET"] = f"cf-test-{run_id}"
    os.environ["GENERATION_QUEUE"] = f"generation-test-{run_id}"
    os.environ["CF_TEST_WORKDIR"] = str(workdir)
    # Circuits are shared by every worker on the Redis, and tests point single workers at
    # dead endpoints on purpose; only the circuit breaker tests let circuits open.
    os.environ["CIRCUIT_FAILURE_THRESHOLD"] = "1000000"
    processes.run_migrations(env=dict(os.environ), workdir=workdir)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    session.config.stash[_PASSED] = exitstatus == 0


def pytest_unconfigure(config: pytest.Config) -> None:
    _stack.close()
    # The logs of a failed run are worth keeping; those of a passing one are not.
    if config.stash.get(_PASSED, False):
        shutil.rmtree(os.environ["CF_TEST_WORKDIR"], ignore_errors=True)


@pytest.fixture(scope="session")
def workdir() -> Path:
    return Path(os.environ["CF_TEST_WORKDIR"])


@pytest.fixture(scope="session")
def bucket() -> str:
    return os.environ["S3_BUCKET"]


@pytest.fixture(scope="session")
def engine() -> Iterator[Engine]:
    engine = create_engine(os.environ["DATABASE_URL"])
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def redis_db() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(os.environ["REDIS_URL"], decode_responses=True)
    yield client
    client.close()


@pytest.fixture(scope="session")
def s3() -> Any:
    """The app's own S3 client (same endpoint, signature and timeouts as the workers)."""
    from workers.clients import s3_client

    return s3_client()


FIGMA_TOKEN = "figma-test-token"
LLM_KEY = "sk-test-local"


@pytest.fixture(scope="session")
def figma() -> Iterator[FigmaState]:
    """A local Figma API; the shared worker fetches figma_file_keys from it."""
    with figma_server(FIGMA_TOKEN) as (url, state):
        os.environ["FIGMA_API_URL"] = url
        yield state


@pytest.fixture(scope="session")
def llm() -> Iterator[LLMState]:
    """A local OpenAI-compatible API; the shared worker's "openai" provider talks to it."""
    with openai_server(LLM_KEY, canned_answer) as (url, state):
        os.environ["OPENAI_BASE_URL"] = url
        yield state


@pytest.fixture(scope="session")
def worker(workdir: Path, figma: FigmaState, llm: LLMState) -> Iterator[ManagedProcess]:
    """One real prefork worker on the run's queue, shared by the tests that need one."""
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
def api(workdir: Path) -> Iterator[httpx.Client]:
    process, base_url = processes.start_api(env=dict(os.environ), workdir=workdir)
    with httpx.Client(base_url=base_url, timeout=30) as client:
        yield client
    process.stop()


@pytest.fixture
def start_worker(workdir: Path) -> Iterator[Callable[..., ManagedProcess]]:
    """Start workers of a test's own (own queue, own settings); stopped after the test."""
    started: list[ManagedProcess] = []

    def start(*, queue: str, concurrency: int = 1, env: dict[str, str] | None = None) -> Any:
        process = processes.start_worker(
            env={**os.environ, **(env or {})},
            workdir=workdir,
            queue=queue,
            concurrency=concurrency,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


@pytest.fixture
def start_api(workdir: Path) -> Iterator[Callable[..., httpx.Client]]:
    """Start an API process with a test's own settings; stopped after the test."""
    started: list[tuple[ManagedProcess, httpx.Client]] = []

    def start(*, env: dict[str, str] | None = None) -> httpx.Client:
        process, base_url = processes.start_api(env={**os.environ, **(env or {})}, workdir=workdir)
        client = httpx.Client(base_url=base_url, timeout=30)
        started.append((process, client))
        return client

    yield start
    for process, client in started:
        client.close()
        process.stop()
