"""The fault drills run against the run's services (the root conftest's `services`),
like the integration tests."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session", autouse=True)
def _services(services: object) -> None:
    """Every test here asks for them."""
