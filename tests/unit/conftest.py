"""Unit tests start nothing: no server, no worker, no database; they run in seconds.

Every fixture that needs a service (engine, redis_db, s3, bucket, workdir, figma, llm,
worker, api, start_worker, start_api) depends on the root conftest's `services`. Here a
test that needs it fails: `services` itself fails, and so does a test whose fixtures
need it even when a whole-suite run has them up already (an integration test started
them). The in-process API answers without services: using one fails the test too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn

import pytest
from fastapi.testclient import TestClient

from api.auth import remember
from api.tenant_limits import remember_defaults
from config.settings import get_settings
from core.access import Principal, Role, new_key
from workers.clients import cache_redis_client, db_engine, redis_client, s3_presign_client

NEEDS_SERVICES = (
    "a unit test asked for the run's services (through engine, redis_db, s3, worker, api, "
    "figma, ... or `services` itself); unit tests start nothing: move it to tests/integration"
)


@pytest.fixture(scope="session")
def services() -> NoReturn:
    pytest.fail(NEEDS_SERVICES, pytrace=False)


@pytest.fixture(autouse=True)
def _starts_nothing(request: pytest.FixtureRequest) -> None:
    if "services" in request.fixturenames:  # all the fixtures the test needs, transitively
        pytest.fail(NEEDS_SERVICES, pytrace=False)


class NoService:
    """Stands in for a client the unit tier does not have: any use fails the test."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> NoReturn:
        pytest.fail(
            f"a unit test used {self._name}().{attr}; unit tests have no services: "
            "move it to tests/integration",
            pytrace=False,
        )


def _no(client: Callable[[], Any]) -> Callable[[], NoService]:
    return lambda: NoService(client.__name__)


@pytest.fixture
def in_process_api(in_process_api: TestClient) -> TestClient:
    """The API in this process, its Redis, Postgres and S3 replaced by NoService."""
    for client in (redis_client, cache_redis_client, db_engine, s3_presign_client):
        in_process_api.app.dependency_overrides[client] = _no(client)  # type: ignore[attr-defined]
    # The auth failure throttle counts in Redis, which the unit tier does not have.
    settings = get_settings().model_copy(update={"auth_failures_per_minute": 0})
    in_process_api.app.dependency_overrides[get_settings] = lambda: settings  # type: ignore[attr-defined]
    # A submit key whose look-up is cached, as if Postgres had answered it.
    made = new_key()
    remember(made.key, Principal(tenant_id="unit", role=Role.SUBMIT, key_prefix=made.prefix))
    remember_defaults("unit")
    in_process_api.headers["Authorization"] = f"Bearer {made.key}"
    return in_process_api
