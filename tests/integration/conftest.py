"""Integration tests run against real services, started once for the run when the first
of them starts (the root conftest's `services`), and real worker processes."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Keys, bearer


@pytest.fixture(scope="session", autouse=True)
def _services(services: object, keys: Keys) -> None:
    """Every test here asks for them, and for the tenants `keys` makes (a job published
    onto the queue must name an existing tenant)."""


@pytest.fixture
def in_process_api(in_process_api: TestClient, keys: Keys) -> TestClient:
    """The API in this process, called with tenant-a's submit key."""
    in_process_api.headers.update(bearer(keys.submit))
    return in_process_api
