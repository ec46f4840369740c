"""Money is bounded wherever a job enters: a paid job holds the most it can cost against
its tenant's budget from admission (the API's script, or the worker for a job published
straight onto the queue) until it ends, when the actual cost replaces the hold. With a
real API, worker and the local OpenAI-compatible server."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import httpx
import pytest
import redis
from celery import Celery
from sqlalchemy import Engine, text

from config.settings import get_settings
from core.access import Role
from core.keys import spend_key
from devstack.fakes.openai_api import LLMState
from tests.conftest import Keys, bearer
from tests.helpers import make_job, wait_for_end
from workers.storage import budget_holds
from workers.storage.api_keys import create_key
from workers.storage.spend import month_of
from workers.storage.tenants import update_limits

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]

_SPENT = text(
    "SELECT coalesce(sum(c.usd), 0) FROM costs c JOIN generations g ON g.id = c.generation_id "
    "WHERE g.tenant_id = :tenant"
)
MODEL = "gpt-4o-mini"
TenantClient = Callable[[dict[str, str]], httpx.Client]


def reservation() -> float:
    """What one paid job on MODEL holds (the worker and the API share these settings)."""
    usd = budget_holds.max_job_usd(MODEL, get_settings())
    assert usd is not None and usd > 0
    return usd


@pytest.fixture
def as_tenant(api: httpx.Client) -> Iterator[TenantClient]:
    """Clients of the shared API with a tenant's own key (it reads only its jobs)."""
    clients: list[httpx.Client] = []

    def client(headers: dict[str, str]) -> httpx.Client:
        clients.append(httpx.Client(base_url=api.base_url, timeout=30, headers=headers))
        return clients[-1]

    yield client
    for each in clients:
        each.close()


def new_tenant(engine: Engine, **limits: Any) -> tuple[str, dict[str, str]]:
    tenant = f"holds-{uuid.uuid4().hex[:10]}"
    key, _ = create_key(engine, tenant_id=tenant, name="holds-test", role=Role.SUBMIT)
    update_limits(engine, tenant, **limits)
    return tenant, bearer(key)


def publish(body: dict[str, Any]) -> str:
    """send_task as a foreign client would, straight onto the workers' queue."""
    client = Celery(broker=os.environ["BROKER_URL"], set_as_current=False)
    try:
        return client.send_task(
            "generation.run",
            kwargs={"request": body},
            queue=os.environ["GENERATION_QUEUE"],
            task_id=uuid.uuid4().hex,
        ).id
    finally:
        client.close()


def spent(engine: Engine, tenant: str) -> float:
    with engine.connect() as conn:
        return float(conn.execute(_SPENT, {"tenant": tenant}).scalar_one())


@pytest.fixture
def admin(api: httpx.Client, keys: Keys) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api.base_url, timeout=30, headers=bearer(keys.admin)) as client:
        yield client


@pytest.mark.usefixtures("worker")
def test_the_queue_path_applies_the_tenants_providers_prices_and_budget(
    admin: httpx.Client, llm: LLMState, engine: Engine, redis_db: redis.Redis
) -> None:
    # Given a tenant restricted to the template with a tiny budget, and one allowed
    # every provider whose budget has no room for one paid job's most
    narrow, _ = new_tenant(
        engine, allowed_providers=["template"], monthly_budget_usd=Decimal("0.001")
    )
    wide, _ = new_tenant(engine, monthly_budget_usd=Decimal(str(round(reservation() / 2, 6))))

    def queued(tenant: str, name: str, **options: Any) -> dict[str, Any]:
        body = {**make_job(component_name=name, options=options), "tenant_id": tenant}
        return wait_for_end(admin, publish(body), timeout_s=60)

    # When paid jobs are published straight onto the queue
    disallowed = queued(narrow, "QueueDisallowedButton", provider="openai")
    unpriced = queued(wide, "QueueUnpricedButton", provider="openai", model="gpt-unpriced-9")
    over_budget = queued(wide, "QueueOverBudgetButton", provider="openai")
    # Then each fails with the reason the API would have answered, and no model was asked
    assert disallowed["status"] == "failed", disallowed
    assert disallowed["error"]["type"] == "validation_error"
    assert "options.provider: 'openai' is not allowed" in disallowed["error"]["message"]
    assert unpriced["status"] == "failed", unpriced
    assert "options.model: 'gpt-unpriced-9' has no price" in unpriced["error"]["message"]
    assert over_budget["status"] == "failed", over_budget
    assert over_budget["error"]["type"] == "budget_exhausted"
    assert "monthly budget" in over_budget["error"]["message"]
    for name in ("QueueDisallowedButton", "QueueUnpricedButton", "QueueOverBudgetButton"):
        assert llm.requests_about(name) == []
    # And nothing was spent or left held
    for tenant in (narrow, wide):
        assert spent(engine, tenant) == 0
        assert budget_holds.held_usd(redis_db, tenant) == {}
    # While a template job on the queue still runs
    assert queued(narrow, "QueueTemplateButton")["status"] == "succeeded"


@pytest.mark.usefixtures("worker")
def test_a_queued_paid_job_within_the_budget_runs_and_settles_its_hold(
    admin: httpx.Client, llm: LLMState, engine: Engine, redis_db: redis.Redis
) -> None:
    # Given a tenant with room for one paid job
    tenant, _ = new_tenant(engine, monthly_budget_usd=Decimal(str(round(reservation() * 1.5, 6))))
    body = {
        **make_job(component_name="QueuePaidButton", options={"provider": "openai"}),
        "tenant_id": tenant,
    }
    # When it publishes one onto the queue
    status = wait_for_end(admin, publish(body), timeout_s=120)
    # Then it ran, its actual cost is booked and its hold is gone
    assert status["status"] == "succeeded", status
    assert llm.requests_about("QueuePaidButton")
    cost = spent(engine, tenant)
    assert cost > 0
    assert float(redis_db.get(spend_key(tenant, month_of())) or 0) == pytest.approx(cost, abs=1e-6)
    assert budget_holds.held_usd(redis_db, tenant) == {}


@pytest.mark.usefixtures("worker")
def test_concurrent_submits_admit_only_what_the_budget_can_hold(
    as_tenant: TenantClient, llm: LLMState, engine: Engine, redis_db: redis.Redis
) -> None:
    # Given a tenant whose budget holds six paid jobs' most, and a model slow enough that
    # none ends (giving its hold back) during the burst
    room = reservation()
    budget = Decimal(str(round(room * 6.5, 6)))
    tenant, headers = new_tenant(engine, monthly_budget_usd=budget)
    api = as_tenant(headers)
    bodies = [
        make_job(component_name=f"Burst{i}Button", options={"provider": "openai"})
        for i in range(30)
    ]
    llm.latency_s = 3.0
    try:
        # When it submits 30 paid jobs at once
        with ThreadPoolExecutor(max_workers=30) as pool:
            answers = list(
                pool.map(lambda b: api.post("/v1/generations", json=b, headers=headers), bodies)
            )
        held = budget_holds.held_usd(redis_db, tenant)
    finally:
        llm.latency_s = 0.0
    # Then six are admitted, each holding its most, and the rest refused naming the budget
    admitted = [a.json()["id"] for a in answers if a.status_code == 202]
    refused = [a for a in answers if a.status_code != 202]
    assert len(admitted) == 6, [a.text for a in answers]
    assert sorted(held) == sorted(admitted)
    assert sum(held.values()) == pytest.approx(6 * room) and sum(held.values()) <= float(budget)
    for answer in refused:
        assert answer.status_code == 429, answer.text
        assert answer.json()["error"]["type"] == "budget_exhausted"
        assert "monthly budget" in answer.json()["error"]["message"]
        assert int(answer.headers["Retry-After"]) >= 1
    # And once they end, each one's actual cost replaced its hold, within the budget
    for job_id in admitted:
        assert wait_for_end(api, job_id, timeout_s=180)["status"] == "succeeded"
    assert budget_holds.held_usd(redis_db, tenant) == {}
    cost = spent(engine, tenant)
    assert 0 < cost <= float(budget)
    assert float(redis_db.get(spend_key(tenant, month_of())) or 0) == pytest.approx(cost, abs=1e-6)


@pytest.mark.usefixtures("worker")
def test_a_failed_paid_job_books_what_it_spent_and_releases_the_rest(
    as_tenant: TenantClient, llm: LLMState, engine: Engine, redis_db: redis.Redis
) -> None:
    # Given a paid job whose second model step is refused by the provider (after the
    # first was paid)
    tenant, headers = new_tenant(engine)
    api = as_tenant(headers)
    llm.failing_steps[("FailingPaidButton", "generate_code")] = [400] * 10
    try:
        body = make_job(component_name="FailingPaidButton", options={"provider": "openai"})
        del body["requirements"]  # proposed by the model: a paid call before the failure
        answer = api.post("/v1/generations", json=body, headers=headers)
        assert answer.status_code == 202, answer.text
        assert list(budget_holds.held_usd(redis_db, tenant)) == [answer.json()["id"]]
        # When it ends
        status = wait_for_end(api, answer.json()["id"], timeout_s=120)
    finally:
        llm.failing_steps.pop(("FailingPaidButton", "generate_code"), None)
    # Then it failed, its paid call is booked and its hold is gone
    assert status["status"] == "failed", status
    cost = spent(engine, tenant)
    assert cost > 0, status["error"]
    assert float(redis_db.get(spend_key(tenant, month_of())) or 0) == pytest.approx(cost, abs=1e-6)
    assert budget_holds.held_usd(redis_db, tenant) == {}


def test_a_cancelled_queued_job_releases_its_hold(
    start_api: Callable[..., httpx.Client], engine: Engine, redis_db: redis.Redis
) -> None:
    # Given a paid job queued where no worker takes it
    tenant, headers = new_tenant(engine)
    api = start_api(env={"GENERATION_QUEUE": f"holds-idle-{uuid.uuid4().hex[:8]}"})
    body = make_job(component_name="CancelledPaidButton", options={"provider": "openai"})
    answer = api.post("/v1/generations", json=body, headers=headers)
    assert answer.status_code == 202, answer.text
    job_id = answer.json()["id"]
    assert budget_holds.held_usd(redis_db, tenant) == {job_id: pytest.approx(reservation())}
    # When it is cancelled
    cancelled = api.post(f"/v1/generations/{job_id}/cancel", headers=headers)
    # Then its hold is released, nothing booked
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert budget_holds.held_usd(redis_db, tenant) == {}
    assert spent(engine, tenant) == 0


def test_an_unsettled_hold_lapses(redis_db: redis.Redis) -> None:
    # Given a budget with room for one hold, taken by a job whose ending never came
    tenant, month_key = f"lapse-{uuid.uuid4().hex[:8]}", f"spend:lapse-{uuid.uuid4().hex}"
    redis_db.set(month_key, "0")

    def hold(job_id: str) -> list[str]:
        return budget_holds.reserve(
            redis_db,
            tenant=tenant,
            job_id=job_id,
            spend_key=month_key,
            budget_usd=1.0,
            reserve_usd=0.6,
            hold_ttl_s=1,
        )

    assert hold("lost-job") == ["admitted"]
    # Then another job is refused while it counts, and admitted once it lapsed
    assert hold("next-job")[0] == "budget_exhausted"
    time.sleep(1.2)
    assert hold("next-job") == ["admitted"]
    assert budget_holds.held_usd(redis_db, tenant) == {"next-job": 0.6}


@pytest.mark.usefixtures("worker")
def test_a_paid_job_cancelled_while_running_books_what_it_paid_and_releases_its_hold(
    as_tenant: TenantClient, llm: LLMState, engine: Engine, redis_db: redis.Redis
) -> None:
    # Given a paid job running on a slow model, its first call under way
    tenant, headers = new_tenant(engine)
    api = as_tenant(headers)
    body = make_job(component_name="CancelledRunningButton", options={"provider": "openai"})
    del body["requirements"]  # proposed by the model: two calls, a boundary between them
    llm.latency_s = 2.0
    try:
        answer = api.post("/v1/generations", json=body, headers=headers)
        assert answer.status_code == 202, answer.text
        job_id = answer.json()["id"]
        deadline = time.monotonic() + 30
        while not llm.requests_about("CancelledRunningButton"):
            assert time.monotonic() < deadline, "the job never called the model"
            time.sleep(0.05)
        # When it is cancelled mid-call
        assert api.post(f"/v1/generations/{job_id}/cancel").status_code == 202
        status = wait_for_end(api, job_id, timeout_s=60)
    finally:
        llm.latency_s = 0.0
    # Then it ends cancelled, the call it paid is booked, and its hold is gone
    assert status["status"] == "cancelled", status
    cost = spent(engine, tenant)
    assert cost > 0
    assert float(redis_db.get(spend_key(tenant, month_of())) or 0) == pytest.approx(cost, abs=1e-6)
    assert budget_holds.held_usd(redis_db, tenant) == {}
