"""Tenants' quotas against a real API, Redis and Postgres: the rate window, the in-flight
cap and the provider/model rules refuse at their threshold under concurrent load, never
past it, and admit again once the limit has room."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from config.settings import get_settings
from core.access import Role
from core.errors import JobOrphaned
from core.keys import quota_rate_key, tenant_live_key
from tests.conftest import Keys, bearer
from tests.helpers import make_job, wait_for_end
from workers.pipeline.failure import fail_job
from workers.storage.api_keys import create_key
from workers.storage.tenants import update_limits

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]


def new_tenant(engine: Engine, **limits: Any) -> tuple[str, dict[str, str]]:
    """A fresh tenant with these limits, and the headers of a submit key of its own."""
    tenant = f"quota-{uuid.uuid4().hex[:10]}"
    key, _ = create_key(engine, tenant_id=tenant, name="quota-test", role=Role.SUBMIT)
    update_limits(engine, tenant, **limits)
    return tenant, bearer(key)


@pytest.fixture
def no_worker(in_process_api: TestClient) -> str:
    """The in-process API publishes to a queue of the test's own that no worker consumes:
    its jobs stay queued, so the session's shared worker cannot end one (freeing its
    slot, or writing a state the test deleted) while the test looks at the cap."""
    name = f"quota-test-{uuid.uuid4().hex[:8]}"
    settings = get_settings().model_copy(update={"generation_queue": name})
    in_process_api.app.dependency_overrides[get_settings] = lambda: settings  # type: ignore[attr-defined]
    return name


def submit_at_once(
    client: httpx.Client, headers: dict[str, str], bodies: list[dict[str, Any]]
) -> list[httpx.Response]:
    """POST every body at the same time (one thread each)."""
    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(
            pool.map(lambda b: client.post("/v1/generations", json=b, headers=headers), bodies)
        )


def bodies(n: int, prefix: str) -> list[dict[str, Any]]:
    return [make_job(component_name=f"{prefix}{i}") for i in range(n)]


def test_the_rate_limit_admits_exactly_its_number_then_recovers(
    api: httpx.Client, engine: Engine, redis_db: redis.Redis, keys: Keys
) -> None:
    # Given a tenant allowed 10 submissions a minute
    tenant, headers = new_tenant(engine, requests_per_minute=10)
    # When 50 threads submit at once
    answers = submit_at_once(api, headers, bodies(50, "RateButton"))
    # Then exactly 10 are accepted and 40 refused with the rate headers
    accepted = [a for a in answers if a.status_code == 202]
    refused = [a for a in answers if a.status_code == 429]
    assert (len(accepted), len(refused)) == (10, 40), [a.status_code for a in answers]
    for answer in refused:
        assert answer.json()["error"]["type"] == "rate_limited"
        assert "10 submissions per minute" in answer.json()["error"]["message"]
        assert answer.headers["RateLimit-Limit"] == "10"
        assert answer.headers["RateLimit-Remaining"] == "0"
        assert 1 <= int(answer.headers["Retry-After"]) <= 60
        assert answer.headers["RateLimit-Reset"] == answer.headers["Retry-After"]
    assert {a.headers["RateLimit-Limit"] for a in accepted} == {"10"}
    # And a refused request changed nothing: 10 jobs hold slots, 10 in the window
    assert redis_db.zcard(tenant_live_key(tenant)) == 10
    assert redis_db.zcard(quota_rate_key(tenant)) == 10
    metrics = api.get("/metrics", headers=bearer(keys.admin)).text
    assert f'quota_refusals_total{{kind="rate_limited",tenant="{tenant}"}} 40.0' in metrics

    # When the window has passed (its entries moved a minute into the past)
    for member, score in redis_db.zrange(quota_rate_key(tenant), 0, -1, withscores=True):
        redis_db.zadd(quota_rate_key(tenant), {member: score - 61})
    # Then the tenant is admitted again
    again = api.post("/v1/generations", json=make_job(component_name="RateAgain"), headers=headers)
    assert again.status_code == 202, again.text
    assert again.headers["RateLimit-Remaining"] == "9"


def test_the_in_flight_cap_admits_exactly_its_number_until_jobs_end(
    start_api: Callable[..., httpx.Client],
    start_worker: Callable[..., Any],
    engine: Engine,
    redis_db: redis.Redis,
) -> None:
    # Given a tenant allowed 5 jobs in flight, and an API whose queue no worker drains yet
    queue = f"inflight-{uuid.uuid4().hex[:8]}"
    api = start_api(env={"GENERATION_QUEUE": queue})
    tenant, headers = new_tenant(engine, max_in_flight=5, requests_per_minute=1000)
    # When 30 threads submit at once
    answers = submit_at_once(api, headers, bodies(30, "FlightButton"))
    # Then exactly 5 are accepted, the rest refused as too many in flight
    accepted = [a.json()["id"] for a in answers if a.status_code == 202]
    refused = [a for a in answers if a.status_code == 429]
    assert (len(accepted), len(refused)) == (5, 25), [a.status_code for a in answers]
    error = refused[0].json()["error"]
    assert error["type"] == "too_many_in_flight"
    assert "its limit is 5" in error["message"]
    assert refused[0].headers["RateLimit-Limit"] == "5"
    assert int(refused[0].headers["Retry-After"]) >= 1
    # And the dashboard counts the tenant's own jobs in flight
    live = api.get("/v1/dashboard/summary", headers=headers).json()["live"]
    assert live["in_flight"] == 5

    # When a worker takes the queue and the jobs end
    start_worker(queue=queue)
    with httpx.Client(base_url=api.base_url, headers=headers, timeout=30) as own:
        for job_id in accepted:
            assert wait_for_end(own, job_id, timeout_s=90)["status"] == "succeeded"
    # Then their slots are free and the tenant is admitted again
    assert redis_db.zcard(tenant_live_key(tenant)) == 0
    more = submit_at_once(api, headers, bodies(5, "FlightAgain"))
    assert [a.status_code for a in more] == [202] * 5


def test_an_idempotent_replay_is_not_a_new_job_for_the_cap(
    in_process_api: TestClient, no_worker: str, engine: Engine, redis_db: redis.Redis
) -> None:
    # Given a tenant at its cap of one job in flight, reached with an Idempotency-Key
    tenant, headers = new_tenant(engine, max_in_flight=1)
    body = make_job(component_name="ReplayedButton")
    replay = {**headers, "Idempotency-Key": f"replay-{uuid.uuid4().hex}"}
    first = in_process_api.post("/v1/generations", json=body, headers=replay)
    assert first.status_code == 202, first.text
    # When the same request comes again, and then another job
    again = in_process_api.post("/v1/generations", json=body, headers=replay)
    other = in_process_api.post(
        "/v1/generations", json=make_job(component_name="OtherButton"), headers=headers
    )
    # Then the replay answers the same job, the new one is refused
    assert again.status_code == 202 and again.json()["id"] == first.json()["id"]
    assert other.status_code == 429 and other.json()["error"]["type"] == "too_many_in_flight"
    assert redis_db.zrange(tenant_live_key(tenant), 0, -1) == [first.json()["id"]]


def test_a_slot_whose_job_state_is_gone_is_reclaimed(
    in_process_api: TestClient, no_worker: str, engine: Engine, redis_db: redis.Redis
) -> None:
    # Given a tenant at its cap of one, whose job's state was lost (a crash, an expiry)
    tenant, headers = new_tenant(engine, max_in_flight=1)
    first = in_process_api.post(
        "/v1/generations", json=make_job(component_name="LostButton"), headers=headers
    )
    assert first.status_code == 202
    redis_db.delete(f"job:{first.json()['id']}")
    # When it submits again
    second = in_process_api.post(
        "/v1/generations", json=make_job(component_name="FoundButton"), headers=headers
    )
    # Then the lost job's slot was reclaimed and the job admitted
    assert second.status_code == 202, second.text
    assert redis_db.zrange(tenant_live_key(tenant), 0, -1) == [second.json()["id"]]


def test_providers_and_models_outside_the_tenants_list_or_unpriced_are_refused(
    in_process_api: TestClient, engine: Engine
) -> None:
    # Given a tenant allowed the template and one model, and one allowed everything
    _, narrow = new_tenant(engine, allowed_providers=["template"], allowed_models=["gpt-4o"])
    _, wide = new_tenant(engine)

    def post(headers: dict[str, str], **options: Any) -> httpx.Response:
        body = make_job(component_name="PickyButton", options=options)
        return in_process_api.post("/v1/generations", json=body, headers=headers)

    # When they ask for a provider, models and an unpriced model
    provider = post(narrow, provider="openai", model="gpt-4o")
    unpriced = post(wide, provider="openai", model="gpt-unpriced-9")
    # Then each is a 422 naming the field and what is allowed
    assert provider.status_code == 422
    assert provider.json()["error"]["fields"][0]["field"] == "options.provider"
    assert "allowed: template" in provider.json()["error"]["message"]
    assert unpriced.status_code == 422
    assert unpriced.json()["error"]["fields"][0]["field"] == "options.model"
    assert "gpt-4o-mini" in unpriced.json()["error"]["message"]  # the priced list

    # Given a tenant allowed openai with one model
    _, one_model = new_tenant(engine, allowed_providers=["openai"], allowed_models=["gpt-4o"])
    other_model = post(one_model, provider="openai", model="gpt-4.1")
    assert other_model.status_code == 422
    assert other_model.json()["error"]["fields"][0]["field"] == "options.model"
    assert "allowed: gpt-4o" in other_model.json()["error"]["message"]
    assert post(one_model, provider="openai", model="gpt-4o").status_code == 202


def test_a_job_failed_by_the_reaper_frees_its_slot(
    in_process_api: TestClient, no_worker: str, engine: Engine, redis_db: redis.Redis
) -> None:
    # Given a tenant at its cap of one job, which no worker runs
    tenant, headers = new_tenant(engine, max_in_flight=1)
    first = in_process_api.post(
        "/v1/generations", json=make_job(component_name="OrphanButton"), headers=headers
    )
    assert first.status_code == 202
    # When the reaper fails it as orphaned (the path of a job whose worker and message died)
    fail_job(first.json()["id"], JobOrphaned("lost: test"))
    # Then its slot is free at once: the next job is admitted
    assert redis_db.zcard(tenant_live_key(tenant)) == 0
    second = in_process_api.post(
        "/v1/generations", json=make_job(component_name="NextButton"), headers=headers
    )
    assert second.status_code == 202, second.text
