"""GET /readyz: each dependency up or down, and whether the API can take jobs."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.helpers import make_job

pytestmark = pytest.mark.integration


def test_ready_when_every_dependency_answers(in_process_api: TestClient) -> None:
    ready = in_process_api.get("/readyz")
    assert ready.status_code == 200, ready.text
    body = ready.json()
    assert body["status"] == "ready"
    assert body["needed"] == ["broker", "redis"]
    assert {name: check["up"] for name, check in body["checks"].items()} == {
        "broker": True,
        "redis": True,
        "postgres": True,
        "s3": True,
    }
    assert all(check["latency_ms"] >= 0 for check in body["checks"].values())
    assert isinstance(body["circuits"], dict)


def test_redis_down_gives_503_and_not_ready(start_api: Any) -> None:
    # Given an API process whose Redis (and so broker) does not answer
    dead = "redis://127.0.0.1:9/0"
    api = start_api(env={"REDIS_URL": dead, "BROKER_URL": dead})
    # Then it is alive but not ready, and refuses jobs with a reason
    assert api.get("/healthz").status_code == 200
    ready = api.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["redis"]["up"] is False
    refused = api.post("/v1/generations", json=make_job())
    assert refused.status_code == 503, refused.text
    assert "Redis unavailable" in refused.json()["error"]["message"]
