"""Two tenants on one deployment (issue 11): the same body makes separate work, and
tenant-b can neither read, invalidate nor replay tenant-a's."""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import redis

from core.keys import figma_key
from devstack.fakes.figma import FigmaState
from tests.conftest import Keys, bearer
from tests.helpers import figma_document, make_job, object_versions, submit_and_wait, wait_for_end
from workers.clients import cache_redis_client

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("worker")]


@pytest.fixture(scope="module")
def tenant_b(api: httpx.Client, keys: Keys) -> Iterator[httpx.Client]:
    """The same API, called with tenant-b's submit key."""
    with httpx.Client(base_url=api.base_url, timeout=30, headers=bearer(keys.other)) as client:
        yield client


@pytest.fixture
def cache() -> redis.Redis:
    return cache_redis_client()


def test_the_same_body_makes_separate_entries_and_artifacts(
    api: httpx.Client, tenant_b: httpx.Client, cache: redis.Redis, s3: Any, bucket: str
) -> None:
    # Given: one body
    body = make_job(component_name="TwinCard", component_type="card")

    # When: tenant-a, then tenant-b submit it
    a = submit_and_wait(api, body)
    b = submit_and_wait(tenant_b, body)

    # Then: tenant-b's is generated afresh, into its own L1 entry and artifacts
    assert a["status"] == b["status"] == "succeeded"
    assert b["cache_layer"] == "L4"
    assert a["cache_key"] != b["cache_key"]
    assert a["result"]["component_id"] != b["result"]["component_id"]
    owners = [json.loads(cache.get(s["cache_key"]))["tenant_id"] for s in (a, b)]
    assert owners == ["tenant-a", "tenant-b"]
    for status in (a, b):
        stored = object_versions(s3, bucket, f"components/{status['result']['component_id']}/")
        assert len(stored) >= 4, stored


def test_tenant_b_cannot_read_or_invalidate_tenant_a_work(
    api: httpx.Client, tenant_b: httpx.Client, keys: Keys, cache: redis.Redis
) -> None:
    # Given: a job of tenant-a and its L1 entry
    a = submit_and_wait(api, make_job(component_name="PrivateBadge", component_type="badge"))

    # When: tenant-b reads the job and deletes the entry (by its key, and its bare sha)
    read = tenant_b.get(f"/v1/generations/{a['id']}")
    deleted = [
        tenant_b.delete(f"/v1/cache/{key}")
        for key in (a["cache_key"], a["cache_key"].removeprefix("exact:"))
    ]

    # Then: not found, as if there were none, and the entry is still there
    assert read.status_code == 404
    assert read.json()["error"]["message"] == f"no job {a['id']}"
    assert [d.status_code for d in deleted] == [404, 404]
    assert cache.exists(a["cache_key"]) == 1
    # ... while an admin reads it, and tenant-a itself can invalidate it
    admin = api.get(f"/v1/generations/{a['id']}", headers=bearer(keys.admin))
    assert admin.status_code == 200 and admin.json()["id"] == a["id"]
    assert api.delete(f"/v1/cache/{a['cache_key']}").status_code == 204


def test_tenant_b_cannot_drop_nor_use_tenant_a_figma_answers(
    api: httpx.Client, tenant_b: httpx.Client, figma: FigmaState, cache: redis.Redis
) -> None:
    # Given: tenant-a's job read a Figma file, whose answers are in tenant-a's L0
    file_key = "PrivateFile" + secrets.token_hex(4)
    figma.files[file_key] = figma_document()
    body = make_job(component_name="FigmaTwin", source={"figma_file_key": file_key}, tokens=None)
    assert submit_and_wait(api, body)["status"] == "succeeded"
    version = figma.files[file_key]["version"]
    a_entries = [figma_key("tenant-a", file_key, version, e) for e in ("file", "styles")]
    assert cache.exists(*a_entries) == 2
    fetched = len(figma.requests_for(file_key))

    # When: tenant-b drops that file's L0 entries, then submits a job on the same file
    dropped = tenant_b.delete(f"/v1/cache/figma/{file_key}")
    b = submit_and_wait(tenant_b, body)

    # Then: nothing of tenant-a's was dropped, and tenant-b was not served tenant-a's
    # answers: either Figma was asked again (with tenant-b's token) or the job failed
    assert dropped.status_code == 404
    assert cache.exists(*a_entries) == 2
    assert b["cache_layer"] != "L1"
    if b["status"] == "succeeded":
        assert len(figma.requests_for(file_key)) > fetched
    else:
        assert b["error"]["type"] == "figma_error", b


def test_idempotency_keys_are_per_tenant(api: httpx.Client, tenant_b: httpx.Client) -> None:
    # Given: tenant-a used an Idempotency-Key with a body
    key = str(uuid.uuid4())
    body = make_job(component_name="IdemTwin")
    a = api.post("/v1/generations", json=body, headers={"Idempotency-Key": key})
    assert a.status_code == 202

    # When: tenant-b sends the same key with the same body, and another key of tenant-a's
    # with another body
    other_key = str(uuid.uuid4())
    assert api.post("/v1/generations", json=body, headers={"Idempotency-Key": other_key}).is_success
    same = tenant_b.post("/v1/generations", json=body, headers={"Idempotency-Key": key})
    other_body = tenant_b.post(
        "/v1/generations", json=make_job(), headers={"Idempotency-Key": other_key}
    )

    # Then: each is a new job of tenant-b's (no replay, no 409 telling the key is used)
    assert same.status_code == 202 and other_body.status_code == 202, (same.text, other_body.text)
    ids = {a.json()["id"], same.json()["id"], other_body.json()["id"]}
    assert len(ids) == 3
    assert api.get(f"/v1/generations/{same.json()['id']}").status_code == 404
    # ... and tenant-a's replay still gives tenant-a's job
    again = api.post("/v1/generations", json=body, headers={"Idempotency-Key": key})
    assert again.json()["id"] == a.json()["id"]
    for job_id in (same.json()["id"], other_body.json()["id"]):
        wait_for_end(tenant_b, job_id)  # ended before the summary test counts


def test_a_body_naming_another_tenant_is_refused(
    api: httpx.Client, tenant_b: httpx.Client, keys: Keys
) -> None:
    # When: tenant-b names tenant-a in the body
    refused = tenant_b.post("/v1/generations", json={**make_job(), "tenant_id": "tenant-a"})

    # Then: 422 naming tenant_id
    assert refused.status_code == 422, refused.text
    assert [f["field"] for f in refused.json()["error"]["fields"]] == ["tenant_id"]
    # ... while an admin may submit for tenant-a, whose job it then is
    admin = api.post(
        "/v1/generations",
        json={**make_job(component_name="AdminMade"), "tenant_id": "tenant-a"},
        headers=bearer(keys.admin),
    )
    assert admin.status_code == 202, admin.text
    assert wait_for_end(api, admin.json()["id"])["status"] == "succeeded"
    assert tenant_b.get(admin.headers["Location"]).status_code == 404


def test_tenant_b_summary_shows_nothing_of_tenant_a(
    api: httpx.Client, tenant_b: httpx.Client, keys: Keys
) -> None:
    # Given: tenant-b's summary
    before = tenant_b.get("/v1/dashboard/summary").json()

    # When: tenant-a runs a distinctive job, one failing job, and a hit
    name = "ZebraSecret" + secrets.token_hex(4).upper()
    body = make_job(component_name=name, component_type="switch")
    a = submit_and_wait(api, body)
    hit = submit_and_wait(api, body)
    failed = submit_and_wait(api, make_job(source={"figma_file_key": "Missing"}, tokens=None))
    admin = api.get("/v1/dashboard/summary", headers=bearer(keys.admin)).text
    after = tenant_b.get("/v1/dashboard/summary")

    # Then: tenant-a's jobs are in the admin's summary, and tenant-b's has not moved:
    # no id, no name, no count, no latency of tenant-a's
    assert hit["cache_layer"] == "L1" and failed["status"] == "failed"
    assert a["id"] in admin and name in admin
    assert after.status_code == 200
    for secret in (a["id"], hit["id"], failed["id"], name, "tenant-a", "switch"):
        assert secret not in after.text, secret
    assert after.json() == before
