"""Requests an attacker sends, refused before any service is used (the unit tier has none:
a use of Redis, Postgres or S3 fails the test)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


def test_a_batch_of_only_invalid_jobs_is_refused_and_stores_nothing(
    in_process_api: TestClient,
) -> None:
    # When a batch of empty and malformed jobs is sent (storing it would use Redis)
    answer = in_process_api.post(
        "/v1/generations/batch", json={"jobs": [{}, {"component_type": "spaceship"}]}
    )
    # Then it is a 422 giving each item's reason, in order
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert body["error"]["type"] == "validation_error"
    assert [item["index"] for item in body["items"]] == [0, 1]
    assert all(item["error"]["fields"] for item in body["items"])
    assert all("id" not in item for item in body["items"])


@pytest.mark.parametrize(
    "content_type",
    ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain"],
)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1/generations/some-job/cancel"),
        ("DELETE", f"/v1/cache/{'a' * 64}"),
        ("DELETE", "/v1/cache/figma/SomeFile"),
        ("POST", "/v1/generations"),
        ("POST", "/v1/generations/batch"),
    ],
)
def test_state_changing_routes_refuse_what_a_cross_site_form_can_send(
    in_process_api: TestClient, method: str, path: str, content_type: str
) -> None:
    answer = in_process_api.request(
        method, path, content=b"x=1", headers={"Content-Type": content_type}
    )
    assert answer.status_code == 415, answer.text
    assert answer.json()["error"]["type"] == "unsupported_media_type"


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
    ],
)
def test_the_dashboard_data_refuses_requests_another_site_started(
    in_process_api: TestClient, headers: dict[str, str]
) -> None:
    answer = in_process_api.get("/dashboard/data", headers=headers)
    assert answer.status_code == 403, answer.text
