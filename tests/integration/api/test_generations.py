"""Submit, poll, download, cache: the HTTP API against a real API process, a real worker
process, Redis, Postgres and an S3 API server."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import redis
from sqlalchemy import Engine

from tests.helpers import (
    count_job_keys,
    count_rows,
    generation_rows,
    make_job,
    object_versions,
    submit_and_wait,
    wait_for_end,
)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("worker")]

ARTIFACTS = {
    "component.tsx",
    "stories.tsx",
    "tokens.json",
    "requirements.json",
    "quality-report.html",
}


def test_submit_poll_download(api: httpx.Client, engine: Engine) -> None:
    # Given a valid job
    body = make_job()
    # When it is submitted
    accepted = api.post("/v1/generations", json=body)
    # Then it is queued at once, and ends succeeded from a full generation
    assert accepted.status_code == 202
    job_id = accepted.json()["id"]
    assert accepted.json()["status_url"] == f"/v1/generations/{job_id}"
    status = wait_for_end(api, job_id)
    assert status["status"] == "succeeded", status
    assert status["cache_layer"] == "L4"
    assert status["attempts"] == 1
    assert status["error"] is None
    assert {"extract_tokens", "generate_code", "upload", "total"} <= set(status["timings_ms"])
    result = status["result"]
    assert set(result["artifacts"]) == ARTIFACTS
    assert result["artifacts"]["component.tsx"]["key"] == (
        f"components/{result['component_id']}/component.tsx"
    )
    assert result["artifacts"]["quality-report.html"]["key"] == (
        f"reports/{result['component_id']}/quality-report.html"
    )
    # And every artifact downloads through its presigned URL
    for name, artifact in result["artifacts"].items():
        download = httpx.get(artifact["url"])
        assert download.status_code == 200, name
        assert download.content, name
    component = httpx.get(result["artifacts"]["component.tsx"]["url"]).text
    assert "PrimaryButton" in component
    # And the job has its one row
    assert generation_rows(engine, job_id) == 1


def test_same_body_is_an_l1_hit_that_adds_no_object(
    api: httpx.Client, s3: Any, bucket: str
) -> None:
    body = make_job(component_name="CachedButton")
    first = submit_and_wait(api, body)
    assert first["cache_layer"] == "L4"
    before = object_versions(s3, bucket)

    second = submit_and_wait(api, body)

    assert second["status"] == "succeeded"
    assert second["cache_layer"] == "L1"
    assert second["result"]["component_id"] == first["result"]["component_id"]
    assert second["result"]["cost"]["usd"] == 0
    assert object_versions(s3, bucket) == before
    assert httpx.get(second["result"]["artifacts"]["component.tsx"]["url"]).status_code == 200


def test_cache_modes(api: httpx.Client, redis_db: redis.Redis) -> None:
    body = make_job(component_name="ModeButton", options={"cache": "no-store"})
    no_store = submit_and_wait(api, body)
    assert no_store["cache_layer"] == "L4"
    assert not redis_db.exists(no_store["cache_key"])

    stored = submit_and_wait(api, {**body, "options": {"cache": "default"}})
    assert stored["cache_layer"] == "L4"
    assert redis_db.exists(stored["cache_key"])

    no_cache = submit_and_wait(api, {**body, "options": {"cache": "no-cache"}})
    assert no_cache["cache_layer"] == "L4"
    assert no_cache["result"]["component_id"] != stored["result"]["component_id"]


def test_invalidate_cache_entry(api: httpx.Client) -> None:
    body = make_job(component_name="InvalidatedButton")
    first = submit_and_wait(api, body)
    key = first["cache_key"]

    assert api.delete(f"/v1/cache/{key}").status_code == 204
    assert api.delete(f"/v1/cache/{key}").status_code == 404
    assert api.delete("/v1/cache/exact:nothex").status_code == 422

    again = submit_and_wait(api, body)
    assert again["cache_layer"] == "L4"


def test_idempotency_key(api: httpx.Client) -> None:
    body = make_job(component_name="IdempotentButton")
    headers = {"Idempotency-Key": f"key-{body['source']['screenshot_sha256'][:12]}"}
    first = api.post("/v1/generations", json=body, headers=headers)
    replay = api.post("/v1/generations", json=body, headers=headers)
    assert first.status_code == replay.status_code == 202
    assert replay.json()["id"] == first.json()["id"]

    other = api.post(
        "/v1/generations", json={**body, "component_name": "OtherButton"}, headers=headers
    )
    assert other.status_code == 409
    assert other.json()["error"]["type"] == "idempotency_conflict"
    wait_for_end(api, first.json()["id"])


def test_long_poll_returns_when_the_job_ends(api: httpx.Client) -> None:
    accepted = api.post("/v1/generations", json=make_job()).json()
    status = api.get(accepted["status_url"], params={"wait": 30}).json()
    assert status["status"] == "succeeded"


def test_unknown_job_is_404(api: httpx.Client) -> None:
    response = api.get("/v1/generations/0123456789abcdef0123456789abcdef")
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "not_found"


def _bad_requests() -> list[tuple[str, bytes, int, str]]:
    """(case, raw body, expected status, field named in the answer)."""
    import json

    def raw(body: dict[str, Any]) -> bytes:
        return json.dumps(body).encode()

    missing_type = make_job()
    del missing_type["component_type"]
    return [
        ("malformed json", b'{"component_name": "X",', 400, "body"),
        ("not an object", b"[1, 2]", 422, "body"),
        ("missing field", raw(missing_type), 422, "component_type"),
        ("unknown type", raw(make_job(component_type="carousel")), 422, "component_type"),
        ("camelCase name", raw(make_job(component_name="primaryButton")), 422, "component_name"),
        ("script name", raw(make_job(component_name="X</script>")), 422, "component_name"),
        (
            "hostile prop",
            raw(make_job(requirements={"props": [{"name": "a}); alert(1); ({"}]})),
            422,
            "requirements.props",
        ),
        (
            "css breakout",
            raw(make_job(tokens={"colors": {"primary": "red;}</style><script>"}})),
            422,
            "tokens.colors",
        ),
        ("too large", raw(make_job(padding="x" * (1024 * 1024 + 1))), 413, "body"),
    ]


@pytest.mark.parametrize(
    ("raw", "expected_status", "field"),
    [case[1:] for case in _bad_requests()],
    ids=[case[0] for case in _bad_requests()],
)
def test_bad_input_is_refused_and_changes_nothing(
    api: httpx.Client,
    redis_db: redis.Redis,
    engine: Engine,
    raw: bytes,
    expected_status: int,
    field: str,
) -> None:
    jobs_before = count_job_keys(redis_db)
    rows_before = count_rows(engine, "generations")

    response = api.post(
        "/v1/generations", content=raw, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == expected_status, response.text
    error = response.json()["error"]
    assert error["message"]
    assert any(f["field"] == field for f in error["fields"]), error
    assert count_job_keys(redis_db) == jobs_before
    assert count_rows(engine, "generations") == rows_before


def test_non_json_body_and_bad_idempotency_key_are_refused(
    api: httpx.Client, redis_db: redis.Redis
) -> None:
    jobs_before = count_job_keys(redis_db)
    form = api.post("/v1/generations", content=b"component_name=X")
    assert form.status_code == 415
    assert form.json()["error"]["fields"][0]["field"] == "Content-Type"
    bad_key = api.post("/v1/generations", json=make_job(), headers={"Idempotency-Key": "a b"})
    assert bad_key.status_code == 422
    assert bad_key.json()["error"]["fields"][0]["field"] == "Idempotency-Key"
    assert count_job_keys(redis_db) == jobs_before


def test_health_and_readiness(api: httpx.Client) -> None:
    assert api.get("/healthz").json() == {"status": "ok"}
    ready = api.get("/readyz")
    assert ready.status_code == 200, ready.text
    checks = ready.json()["checks"]
    assert {name: check["up"] for name, check in checks.items()} == {
        "broker": True,
        "redis": True,
        "postgres": True,
        "s3": True,
    }


def test_openapi_docs(api: httpx.Client) -> None:
    assert api.get("/docs").status_code == 200
    paths = api.get("/openapi.json").json()["paths"]
    assert {"/v1/generations", "/v1/generations/{job_id}", "/v1/cache/{key}"} <= set(paths)


def test_redis_down_gives_503_and_not_ready(start_api: Any) -> None:
    # Given an API whose Redis (and so broker) does not answer
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
