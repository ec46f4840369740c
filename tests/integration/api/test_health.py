"""GET /readyz: ready or not for anyone; each dependency and circuit for an admin key;
checks run at most every READYZ_CACHE_S whoever asks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from api.routes import health
from tests.conftest import Keys, bearer
from tests.helpers import make_job

pytestmark = pytest.mark.integration


def test_ready_when_every_dependency_answers(in_process_api: TestClient, keys: Keys) -> None:
    # Anyone (no key, or a tenant's key) is told ready, and nothing else
    for headers in ({}, bearer(keys.submit), bearer(keys.read)):
        public = in_process_api.get("/readyz", headers=headers)
        assert public.status_code == 200, public.text
        assert public.json() == {"status": "ready"}
    # An admin key is told each dependency's check and the circuits too
    ready = in_process_api.get("/readyz", headers=bearer(keys.admin))
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


def test_a_bad_key_on_readyz_is_refused(in_process_api: TestClient) -> None:
    answer = in_process_api.get("/readyz", headers=bearer("cf_abcdefgh_not-a-real-secret"))
    assert answer.status_code == 401


def test_readyz_checks_at_most_once_per_cache_period(
    in_process_api: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the checks counted, and nothing cached
    runs: list[str] = []

    def counted(name: str, check: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            runs.append(name)
            check()

        return run

    checks = {name: counted(name, check) for name, check in health.CHECKS.items()}
    monkeypatch.setattr(health, "CHECKS", checks)
    monkeypatch.setattr(health, "_last_checks", (float("-inf"), {}))
    # When /readyz is asked 25 times in a row (well within READYZ_CACHE_S)
    answers = [in_process_api.get("/readyz") for _ in range(25)]
    # Then every answer is ready, and each dependency was checked once
    assert {a.status_code for a in answers} == {200}
    assert sorted(runs) == sorted(health.CHECKS)


def test_redis_down_gives_503_and_not_ready(start_api: Any) -> None:
    # Given an API process whose Redis (and so broker) does not answer
    dead = "redis://127.0.0.1:9/0"
    api = start_api(env={"REDIS_URL": dead, "BROKER_URL": dead})
    # Then it is alive but not ready, and refuses jobs with a reason
    assert api.get("/healthz").status_code == 200
    ready = httpx.get(f"{api.base_url}/readyz", timeout=30)  # as a probe: no key
    assert ready.status_code == 503
    assert ready.json() == {"status": "not_ready"}
    refused = api.post("/v1/generations", json=make_job())
    assert refused.status_code == 503, refused.text
    assert "Redis unavailable" in refused.json()["error"]["message"]
