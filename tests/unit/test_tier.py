"""The unit tier's guard (tests/unit/conftest.py) is real: what needs a service fails."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.helpers import make_job


def test_asking_for_the_services_fails(request: pytest.FixtureRequest) -> None:
    with pytest.raises(pytest.fail.Exception, match="unit tests start nothing"):
        request.getfixturevalue("services")


def test_the_in_process_api_has_no_redis(in_process_api: TestClient) -> None:
    # A valid job gets past validation, to where it would be stored in Redis
    with pytest.raises(pytest.fail.Exception, match=r"used redis_client\(\)"):
        in_process_api.post("/v1/generations", json=make_job())
