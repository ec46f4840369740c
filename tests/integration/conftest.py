"""Integration tests run against real services, started once for the run when the first
of them starts (the root conftest's `services`), and real worker processes."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session", autouse=True)
def _services(services: object) -> None:
    """Every test here asks for them."""
