"""A tenant's monthly budget and GET /v1/usage, with a real worker calling the local
OpenAI-compatible server: paid jobs book their cost once into the tenant's counter, the
counter is rebuilt from Postgres when Redis loses it, and once it reaches the budget paid
jobs are refused while template jobs still run."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import ROUND_DOWN, Decimal
from typing import Any

import httpx
import pytest
import redis
from sqlalchemy import Engine, text

from core.access import Role
from core.keys import spend_key
from devstack.fakes.openai_api import LLMState
from devstack.processes import ManagedProcess
from tests.conftest import bearer
from tests.helpers import make_job, wait_for_end
from workers.storage.api_keys import create_key
from workers.storage.spend import month_of
from workers.storage.tenants import update_limits

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

_SPENT = text(
    "SELECT coalesce(sum(c.usd), 0) FROM costs c JOIN generations g ON g.id = c.generation_id "
    "WHERE g.tenant_id = :tenant"
)


def test_paid_jobs_are_booked_refused_at_the_budget_and_usage_adds_up(
    worker: ManagedProcess,
    llm: LLMState,
    start_api: Callable[..., httpx.Client],
    engine: Engine,
    redis_db: redis.Redis,
) -> None:
    # Given a tenant with a budget of 1 USD, and an API that reads its limits every time
    tenant = f"budget-{uuid.uuid4().hex[:10]}"
    key, _ = create_key(engine, tenant_id=tenant, name="budget-test", role=Role.SUBMIT)
    update_limits(engine, tenant, monthly_budget_usd=Decimal("1"))
    base = start_api(env={"TENANT_LIMITS_CACHE_S": "0"}).base_url
    api = httpx.Client(base_url=base, headers=bearer(key), timeout=30)

    def submit(name: str, **options: Any) -> httpx.Response:
        return api.post("/v1/generations", json=make_job(component_name=name, options=options))

    # When it runs one openai job and one template job
    paid = submit("PaidButton", provider="openai")
    free = submit("FreeButton")
    assert paid.status_code == free.status_code == 202, (paid.text, free.text)
    for answer in (paid, free):
        assert wait_for_end(api, answer.json()["id"], timeout_s=120)["status"] == "succeeded"
    # Then the paid job's costs are in Postgres and booked once in the month's counter
    with engine.connect() as conn:
        spent = float(conn.execute(_SPENT, {"tenant": tenant}).scalar_one())
    assert spent > 0
    counter = spend_key(tenant, month_of())
    assert float(redis_db.get(counter) or 0) == pytest.approx(spent, abs=1e-5)
    # And /v1/usage says what ran, what it cost and what is left
    usage = api.get("/v1/usage").json()
    assert usage["tenant"] == tenant and usage["month"] == month_of()
    assert usage["jobs"] == {"succeeded": 2, "failed": 0, "in_flight": 0, "cache_hits": 0}
    assert usage["spend_usd"] == pytest.approx(spent, abs=1e-5)
    assert usage["budget_usd"] == 1.0
    assert usage["remaining_usd"] == pytest.approx(1.0 - spent, abs=1e-5)
    assert usage["in_flight"] == 0
    assert usage["limits"]["max_in_flight"] == 200 and usage["limits"]["allowed_models"] is None

    # When Redis loses the counter
    redis_db.delete(counter)
    # Then it is rebuilt from Postgres
    assert api.get("/v1/usage").json()["spend_usd"] == pytest.approx(spent, abs=1e-5)
    assert float(redis_db.get(counter) or 0) == pytest.approx(spent, abs=1e-5)

    # When the budget is what it has spent
    budget = Decimal(str(spent)).quantize(Decimal("0.000001"), rounding=ROUND_DOWN)
    update_limits(engine, tenant, monthly_budget_usd=budget)
    refused = submit("OverBudgetButton", provider="openai")
    still_free = submit("StillFreeButton")
    # Then paid jobs are refused with the budget's 429, template jobs still accepted
    assert refused.status_code == 429, refused.text
    assert refused.json()["error"]["type"] == "budget_exhausted"
    assert "monthly budget" in refused.json()["error"]["message"]
    assert int(refused.headers["Retry-After"]) >= 1
    assert still_free.status_code == 202, still_free.text
    assert wait_for_end(api, still_free.json()["id"])["status"] == "succeeded"
    # And the refusal booked nothing
    assert float(redis_db.get(counter) or 0) == pytest.approx(spent, abs=1e-5)
    assert llm.requests_about("OverBudgetButton") == []
    api.close()
