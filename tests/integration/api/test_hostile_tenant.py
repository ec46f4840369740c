"""Issue 25: a noisy or hostile tenant (or a stranger) cannot exhaust what the others
share. Each test is an attack seen on a live stack, replayed against a real API, Redis
and Postgres: unmetered batches, Basic credentials and form posts on /v1, streams held
open, random keys flooding the key look-up, an admin's made-up tenants."""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import redis
from sqlalchemy import Engine, func, select

from core.access import new_key
from core.keys import auth_failures_key, quota_rate_key, stream_slots_key, tenant_live_key
from tests.conftest import Keys, bearer
from tests.helpers import make_job
from tests.integration.api.test_access_matrix import OPEN_PATHS, call, endpoints
from tests.integration.api.test_quotas import new_tenant
from workers.storage.models import Batch

pytestmark = pytest.mark.integration


def _batch_rows(engine: Engine, tenant: str) -> int:
    with engine.connect() as conn:
        query = select(func.count()).select_from(Batch).where(Batch.tenant_id == tenant)
        return int(conn.execute(query).scalar_one())


def _batch_keys(redis_db: redis.Redis) -> set[bytes | str]:
    return set(redis_db.scan_iter(match="batch:*", count=1000))


def _own_queue_api(start_api: Callable[..., httpx.Client], **env: str) -> httpx.Client:
    """An API whose queue no worker consumes: its jobs stay queued."""
    return start_api(env={"GENERATION_QUEUE": f"hostile-{uuid.uuid4().hex[:8]}", **env})


# --- 1. batches --------------------------------------------------------------------


def test_a_batch_with_nothing_accepted_is_refused_and_stores_nothing(
    api: httpx.Client, engine: Engine, redis_db: redis.Redis
) -> None:
    # Given a tenant of its own, and the batch records there are now
    tenant, headers = new_tenant(engine)
    before = _batch_keys(redis_db)
    # When it sends 20 batches of one empty job (the attack: each was stored, 7 days)
    answers = [
        api.post("/v1/generations/batch", json={"jobs": [{}]}, headers=headers) for _ in range(20)
    ]
    # Then each is a 422 naming the item's own reasons, and nothing was stored
    for answer in answers:
        assert answer.status_code == 422, answer.text
        body = answer.json()
        assert body["error"]["type"] == "validation_error"
        assert "no job of the batch was accepted" in body["error"]["message"]
        (item,) = body["items"]
        assert item["index"] == 0 and item["error"]["type"] == "validation_error"
        assert item["error"]["fields"], item
    assert _batch_rows(engine, tenant) == 0
    assert _batch_keys(redis_db) - before == set()


def test_a_batch_over_the_rate_limit_is_429_and_stores_nothing(
    start_api: Callable[..., httpx.Client], engine: Engine, redis_db: redis.Redis
) -> None:
    # Given a tenant allowed two submissions a minute, that used them in a batch
    api = _own_queue_api(start_api)
    tenant, headers = new_tenant(engine, requests_per_minute=2)
    jobs = [make_job(component_name=f"Rate{i}") for i in range(2)]
    first = api.post("/v1/generations/batch", json={"jobs": jobs}, headers=headers)
    assert first.status_code == 202, first.text
    assert first.json()["accepted"] == 2
    before = _batch_keys(redis_db)
    # When it sends more batches of valid jobs
    refused = [
        api.post(
            "/v1/generations/batch",
            json={"jobs": [make_job(component_name=f"Over{i}")]},
            headers=headers,
        )
        for i in range(5)
    ]
    # Then each is a 429 saying when to retry, with the item's reason, and none is stored
    for answer in refused:
        assert answer.status_code == 429, answer.text
        assert int(answer.headers["Retry-After"]) >= 1
        assert answer.json()["error"]["type"] == "rate_limited"
        assert answer.json()["items"][0]["error"]["type"] == "quota_exceeded"
    assert _batch_rows(engine, tenant) == 1
    assert _batch_keys(redis_db) - before == set()
    # And the refused jobs took no slot of the rate window
    assert redis_db.zcard(quota_rate_key(tenant)) == 2


# --- 4. Basic credentials and cross-site requests --------------------------------


def _basic(key: str) -> dict[str, str]:
    """The key as a browser sends it once a Basic prompt was answered."""
    return {"Authorization": "Basic " + base64.b64encode(f"user:{key}".encode()).decode()}


@pytest.mark.parametrize("role", ["read", "submit", "admin"])
def test_basic_credentials_open_no_api_route(api: httpx.Client, keys: Keys, role: str) -> None:
    # Given a valid key of each role, sent as a browser sends Basic credentials
    key = getattr(keys, role)
    closed = [e for e in endpoints() if e.path not in OPEN_PATHS]
    ids = {"job_id": uuid.uuid4().hex, "key": "exact:" + "0" * 64, "file_key": "NoFile"}
    with httpx.Client(base_url=api.base_url, timeout=30) as anonymous:
        # When every closed route outside /dashboard is called with them
        answers = {
            str(e): call(anonymous, e, ids, _basic(key)).status_code
            for e in closed
            if not e.path.startswith("/dashboard")
        }
        # Then each is the 401, as if no key were sent
        assert answers and set(answers.values()) == {401}, answers
        # And on the dashboard (the page, and the data it reads) they still work
        for path in ("/dashboard", "/dashboard/data"):
            answer = anonymous.get(path, headers=_basic(key))
            assert answer.status_code == 200, (path, answer.text)


def test_a_form_post_cannot_cancel_a_queued_job(
    start_api: Callable[..., httpx.Client], keys: Keys
) -> None:
    # Given a queued job (no worker takes it)
    api = _own_queue_api(start_api)
    job = api.post("/v1/generations", json=make_job(component_name="Victim"))
    assert job.status_code == 202, job.text
    cancel = f"/v1/generations/{job.json()['id']}/cancel"
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    # When a cross-site form posts the cancel: with the browser's Basic credentials, and
    # even with a valid Bearer key, form-encoded, multipart or text/plain
    with_basic = [
        api.post(cancel, content=b"x=1", headers={**form, **_basic(keys.submit)}),
        api.post(cancel, headers=_basic(keys.submit)),
    ]
    as_forms = [
        api.post(cancel, content=b"x=1", headers={"Content-Type": content_type})
        for content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "text/plain",
        )
    ]
    # Then none is obeyed, and the job is still queued
    assert [a.status_code for a in with_basic] == [415, 401]
    assert [a.status_code for a in as_forms] == [415, 415, 415]
    assert api.get(f"/v1/generations/{job.json()['id']}").json()["status"] == "queued"
    # And the API's own client (no body, or JSON) still cancels it
    assert api.post(cancel).status_code == 200


def test_the_dashboard_data_refuses_cross_site_requests(api: httpx.Client, keys: Keys) -> None:
    with httpx.Client(base_url=api.base_url, timeout=30) as browser:
        credentials = _basic(keys.read)
        cross_site = browser.get(
            "/dashboard/data", headers={**credentials, "Sec-Fetch-Site": "cross-site"}
        )
        other_origin = browser.get(
            "/dashboard/data", headers={**credentials, "Origin": "https://evil.example"}
        )
        own_page = browser.get(
            "/dashboard/data", headers={**credentials, "Sec-Fetch-Site": "same-origin"}
        )
    assert (cross_site.status_code, other_origin.status_code) == (403, 403)
    assert own_page.status_code == 200, own_page.text


# --- 3. auth failures -----------------------------------------------------------------


def test_refused_keys_are_throttled_per_client_address(
    start_api: Callable[..., httpx.Client], keys: Keys, redis_db: redis.Redis
) -> None:
    # Given an API allowing 5 refused keys a minute per address, and two client addresses
    api = start_api(env={"AUTH_FAILURES_PER_MINUTE": "5"})
    attacker = {"X-Forwarded-For": f"203.0.113.{uuid.uuid4().int % 250 + 1}"}
    neighbour = {"X-Forwarded-For": "198.51.100.7"}
    redis_db.delete(auth_failures_key(attacker["X-Forwarded-For"]))
    redis_db.delete(auth_failures_key(neighbour["X-Forwarded-For"]))
    # ...the attacker's own valid key in use
    assert api.get("/v1/usage", headers={**attacker, **bearer(keys.other)}).status_code == 200
    # When the attacker sends 8 random well-formed keys
    answers = [
        api.get("/v1/usage", headers={**attacker, **bearer(new_key().key)}) for _ in range(8)
    ]
    # Then the first 5 are 401 and the rest 429, saying when to retry
    assert [a.status_code for a in answers] == [401] * 5 + [429] * 3
    assert 1 <= int(answers[-1].headers["Retry-After"]) <= 60
    assert answers[-1].json()["error"]["type"] == "auth_throttled"
    # ...counted in Redis, for a minute at most
    assert 0 < redis_db.ttl(auth_failures_key(attacker["X-Forwarded-For"])) <= 60
    # And another address is not affected
    other = api.get("/v1/usage", headers={**neighbour, **bearer(new_key().key)})
    assert other.status_code == 401


def test_a_flood_of_random_keys_reaches_postgres_once_per_key_and_evicts_no_valid_key(
    in_process_api: Any, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    from api import auth

    # Given the key look-ups counted, and a valid key in use
    auth.forget_all()
    looked_up: list[str] = []
    real_look_up = auth.api_keys.look_up

    def counted(engine: Engine, key: str) -> Any:
        looked_up.append(key)
        return real_look_up(engine, key)

    monkeypatch.setattr(auth.api_keys, "look_up", counted)
    assert in_process_api.get("/v1/usage", headers=bearer(keys.submit)).status_code == 200
    # When 30 random keys are sent, each three times
    flood = [new_key().key for _ in range(30)]
    answers = [
        in_process_api.get("/v1/usage", headers=bearer(key)).status_code for key in flood * 3
    ]
    # Then each is refused, having reached Postgres once
    assert set(answers) == {401}
    assert sorted(looked_up) == sorted([keys.submit, *flood])
    # And the valid key is still answered from the cache
    assert in_process_api.get("/v1/usage", headers=bearer(keys.submit)).status_code == 200
    assert looked_up.count(keys.submit) == 1


# --- 2. streams and long-polls ---------------------------------------------------------


def _open_stream(client: httpx.Client, job_id: str, headers: dict[str, str]) -> httpx.Response:
    """An event stream left open (its headers read, its body not) until closed."""
    request = client.build_request("GET", f"/v1/generations/{job_id}/events", headers=headers)
    return client.send(request, stream=True)


def test_a_tenant_holds_at_most_its_cap_of_streams_and_long_polls(
    start_api: Callable[..., httpx.Client],
    engine: Engine,
    redis_db: redis.Redis,
    keys: Keys,
) -> None:
    # Given an API capping streams at 2 per tenant, and a queued job of a tenant's own
    api = _own_queue_api(start_api, STREAMS_PER_TENANT="2", STREAM_IDLE_S="20")
    tenant, headers = new_tenant(engine)
    job = api.post("/v1/generations", json=make_job(component_name="Watched"), headers=headers)
    job_id = job.json()["id"]
    # When it opens two streams, then a third and a long-poll
    held = [_open_stream(api, job_id, headers) for _ in range(2)]
    try:
        assert [s.status_code for s in held] == [200, 200]
        third = api.get(f"/v1/generations/{job_id}/events", headers=headers)
        long_poll = api.get(f"/v1/generations/{job_id}", params={"wait": 5}, headers=headers)
        # Then both are refused with the limit in the message, and Redis holds two slots
        for refused in (third, long_poll):
            assert refused.status_code == 429, refused.text
            assert refused.json()["error"]["type"] == "too_many_streams"
            assert "limit is 2" in refused.json()["error"]["message"]
            assert "Retry-After" in refused.headers
        assert redis_db.zcard(stream_slots_key(tenant)) == 2
        assert 0 < redis_db.ttl(stream_slots_key(tenant)) <= 31
        # And another tenant is not affected
        other = api.get(
            f"/v1/generations/{uuid.uuid4().hex}", params={"wait": 1}, headers=bearer(keys.other)
        )
        assert other.status_code == 404
    finally:
        for stream in held:
            stream.close()
    # When the streams close, their slots are free again
    deadline = time.monotonic() + 10
    while redis_db.zcard(stream_slots_key(tenant)) != 0:
        assert time.monotonic() < deadline, "the closed streams kept their slots"
        time.sleep(0.1)
    polled = api.get(f"/v1/generations/{job_id}", params={"wait": 0.2}, headers=headers)
    assert polled.status_code == 200


def test_slots_of_a_crashed_process_lapse_with_their_lease(
    start_api: Callable[..., httpx.Client], engine: Engine, redis_db: redis.Redis
) -> None:
    # Given every slot of a tenant held by a process that died (its leases ran out)
    api = _own_queue_api(start_api, STREAMS_PER_TENANT="2")
    tenant, headers = new_tenant(engine)
    job_id = api.post("/v1/generations", json=make_job(), headers=headers).json()["id"]
    redis_db.zadd(stream_slots_key(tenant), {"dead-1": time.time() - 1, "dead-2": time.time() - 1})
    # When the tenant long-polls
    polled = api.get(f"/v1/generations/{job_id}", params={"wait": 0.2}, headers=headers)
    # Then it is served: the lapsed slots do not count
    assert polled.status_code == 200, polled.text


@pytest.mark.parametrize(
    ("env", "reason"),
    [
        ({"STREAM_IDLE_S": "1", "STREAM_MAX_S": "600"}, "idle"),
        ({"STREAM_IDLE_S": "600", "STREAM_MAX_S": "1.5"}, "max_duration"),
    ],
)
def test_a_stream_ends_at_its_deadline_telling_the_client_to_reconnect(
    start_api: Callable[..., httpx.Client], env: dict[str, str], reason: str
) -> None:
    # Given a queued job that nothing changes, followed by a stream with short deadlines
    api = _own_queue_api(start_api, EVENTS_KEEPALIVE_S="0.5", **env)
    job_id = api.post("/v1/generations", json=make_job()).json()["id"]
    started = time.monotonic()
    # When the stream is read to its end
    with api.stream("GET", f"/v1/generations/{job_id}/events") as stream:
        text = "".join(stream.iter_text())
    # Then it ended within seconds, its last event a reconnect naming the reason
    assert time.monotonic() - started < 10
    last = text.strip().split("\n\n")[-1]
    assert "event: reconnect" in last and f'"reason":"{reason}"' in last, text
    assert "retry: " in last and "\nid: " in last


# --- 6. an admin's other tenants ----------------------------------------------------------


def test_an_admin_cannot_submit_for_a_made_up_tenant(
    start_api: Callable[..., httpx.Client], keys: Keys, redis_db: redis.Redis
) -> None:
    api = _own_queue_api(start_api)
    admin = bearer(keys.admin)
    made_up = f"made-up-{uuid.uuid4().hex[:8]}"
    job = {**make_job(component_name="Ghost"), "tenant_id": made_up}
    # When an admin submits for a tenant that does not exist, alone and in a batch
    single = api.post("/v1/generations", json=job, headers=admin)
    batch = api.post("/v1/generations/batch", json={"jobs": [job]}, headers=admin)
    # Then both are refused naming tenant_id, and nothing of that tenant is in Redis
    assert single.status_code == 422, single.text
    assert single.json()["error"]["fields"][0]["field"] == "tenant_id"
    assert batch.status_code == 422, batch.text
    assert batch.json()["items"][0]["error"]["fields"][0]["field"] == "tenant_id"
    assert redis_db.exists(quota_rate_key(made_up), tenant_live_key(made_up)) == 0
    # And a tenant that exists, named explicitly, is served; a non-admin cannot name one
    served = api.post(
        "/v1/generations", json={**make_job(), "tenant_id": "tenant-b"}, headers=admin
    )
    assert served.status_code == 202, served.text
    other = api.post("/v1/generations", json={**make_job(), "tenant_id": "tenant-b"})
    assert other.status_code == 422
