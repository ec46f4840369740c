"""Requests the API refuses before it touches Redis, Postgres or S3. The unit tier's
in-process API has none of them, so a refusal that used one would fail the test: that a
refused job leaves nothing behind follows."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.helpers import make_job


def raw(body: Any) -> bytes:
    return json.dumps(body).encode()


def without(field: str) -> dict[str, Any]:
    body = make_job()
    del body[field]
    return body


BAD_BODIES = {
    # case: (raw body, expected status, field named in the answer)
    "malformed json": (b'{"component_name": "X",', 400, "body"),
    "not an object": (b"[1, 2]", 422, "body"),
    "missing field": (raw(without("component_type")), 422, "component_type"),
    "unknown type": (raw(make_job(component_type="carousel")), 422, "component_type"),
    "camelCase name": (raw(make_job(component_name="primaryButton")), 422, "component_name"),
    "script name": (raw(make_job(component_name="X</script>")), 422, "component_name"),
    "hostile prop": (
        raw(make_job(requirements={"props": [{"name": "a}); alert(1); ({"}]})),
        422,
        "requirements.props",
    ),
    "css breakout": (
        raw(make_job(tokens={"colors": {"primary": "red;}</style><script>"}})),
        422,
        "tokens.colors",
    ),
    "two sources": (
        raw(make_job(source={"figma_file_key": "abc", "screenshot_sha256": "0" * 64})),
        422,
        "source",
    ),
    "too large": (raw(make_job(padding="x" * (1024 * 1024 + 1))), 413, "body"),
}


@pytest.mark.parametrize(("body", "status", "field"), BAD_BODIES.values(), ids=BAD_BODIES)
def test_a_bad_job_is_refused_naming_the_field(
    in_process_api: TestClient, body: bytes, status: int, field: str
) -> None:
    # When a bad job is submitted
    response = in_process_api.post(
        "/v1/generations", content=body, headers={"Content-Type": "application/json"}
    )
    # Then it is refused, naming the field at fault
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["message"]
    assert any(f["field"] == field for f in error["fields"]), error


def test_malformed_json_says_where(in_process_api: TestClient) -> None:
    response = in_process_api.post(
        "/v1/generations", content=b'{"a":', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "malformed_json"
    assert "at character 5" in response.json()["error"]["message"]


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_a_body_that_is_not_json_is_415(in_process_api: TestClient, content_type: str) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = in_process_api.post("/v1/generations", content=b"component_name=X", headers=headers)
    assert response.status_code == 415
    assert response.json()["error"]["type"] == "unsupported_media_type"
    assert response.json()["error"]["fields"][0]["field"] == "Content-Type"


def test_a_bad_idempotency_key_is_refused(in_process_api: TestClient) -> None:
    response = in_process_api.post(
        "/v1/generations", json=make_job(), headers={"Idempotency-Key": "a b"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "Idempotency-Key"


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/v1/generations/a.b", "job_id"),
        ("/v1/generations/abc?wait=-1", "wait"),
        ("/v1/generations/abc?wait=soon", "wait"),
    ],
)
def test_a_bad_status_request_is_422(in_process_api: TestClient, path: str, field: str) -> None:
    response = in_process_api.get(path)
    assert response.status_code == 422
    assert [f["field"] for f in response.json()["error"]["fields"]] == [field]


def test_a_bad_cache_key_is_422(in_process_api: TestClient) -> None:
    response = in_process_api.delete("/v1/cache/exact:nothex")
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == [
        {"field": "key", "reason": "not an exact cache key"}
    ]
