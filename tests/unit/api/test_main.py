"""The assembled app: its routes and their documentation (/docs, /openapi.json)."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_docs_page_is_served(in_process_api: TestClient) -> None:
    response = in_process_api.get("/docs")
    assert response.status_code == 200
    assert "/openapi.json" in response.text


def test_openapi_lists_the_routes_and_their_errors(in_process_api: TestClient) -> None:
    paths = in_process_api.get("/openapi.json").json()["paths"]
    assert {
        "/v1/generations",
        "/v1/generations/{job_id}",
        "/v1/cache/{key}",
        "/v1/cache/figma/{file_key}",
        "/healthz",
        "/readyz",
    } <= set(paths)
    submit = paths["/v1/generations"]["post"]["responses"]
    assert {"202", "400", "409", "413", "422", "503"} <= set(submit)
