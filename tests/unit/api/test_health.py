"""GET /healthz: the process is alive, whatever its dependencies do."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_healthz_checks_nothing(in_process_api: TestClient) -> None:
    # Given an API with no Redis, Postgres or S3 (any use fails the test)
    # Then it says it is alive
    response = in_process_api.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
