"""Submit, poll, download, cache: the HTTP API against a real API process, a real worker
process, Redis, Postgres and an S3 API server."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
import redis
from sqlalchemy import Engine

from tests.helpers import (
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


def test_an_entry_of_a_lost_bucket_is_a_miss(
    api: httpx.Client, s3: Any, bucket: str, redis_db: redis.Redis
) -> None:
    # Given an L1 entry, which expires a day before its artifacts do
    body = make_job(component_name="VanishedButton")
    first = submit_and_wait(api, body)
    assert 0 < redis_db.ttl(first["cache_key"]) <= 89 * 86400
    # When the bucket loses everything (an S3 restarted empty, emptied by mistake), and
    # the workers have read its epoch again (BUCKET_CHECK_S, 1 s)
    _delete_every_version(s3, bucket)
    time.sleep(1.5)
    second = submit_and_wait(api, body)
    # Then the job is generated again, not answered with a link to nothing
    assert second["status"] == "succeeded"
    assert second["cache_layer"] == "L4"
    assert second["result"]["component_id"] != first["result"]["component_id"]
    assert httpx.get(second["result"]["artifacts"]["component.tsx"]["url"]).status_code == 200
    # And the entry now points at the new artifacts, so the next one is a hit again
    assert second["result"]["component_id"] in redis_db.get(second["cache_key"])
    assert submit_and_wait(api, body)["cache_layer"] == "L1"


def _delete_every_version(s3: Any, bucket: str) -> None:
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        versions = page.get("Versions", []) + page.get("DeleteMarkers", [])
        objects = [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in versions]
        if objects:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": objects})


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


def test_long_poll_returns_when_the_job_ends(api: httpx.Client) -> None:
    accepted = api.post("/v1/generations", json=make_job()).json()
    status = api.get(accepted["status_url"], params={"wait": 30}).json()
    assert status["status"] == "succeeded"
