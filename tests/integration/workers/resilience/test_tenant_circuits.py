"""The LLM's circuits tell a tenant's failures from the provider's: what one tenant's
requests cause (timeouts, 4xx refusals) opens that tenant's circuit
(`llm:tenant:{tenant}`) alone, while the provider's own trouble (5xx, 429) opens the
shared model circuit (`llm:{model}`) for everyone."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import openai
import pytest
import redis

from config.settings import get_settings
from core.errors import CircuitOpen
from core.keys import CIRCUIT_PARTS, circuit_key
from devstack.fakes.openai_api import LLMState
from tests.conftest import LLM_KEY, Keys, bearer
from tests.helpers import make_job, queue_job, wait_for_end
from workers.resilience import circuit_breaker
from workers.resilience.circuit_breaker import CLOSED, OPEN, tenant_circuit
from workers.resilience.dependency import Dependency

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

SMALL = {"CIRCUIT_FAILURE_THRESHOLD": "3", "CIRCUIT_FAILURE_WINDOW_S": "30", "CIRCUIT_OPEN_S": "30"}
MODEL = "gpt-4o-mini"


@pytest.fixture
def small_circuits(monkeypatch: pytest.MonkeyPatch, redis_db: redis.Redis) -> Iterator[None]:
    """Circuits that open after 3 failures; every llm circuit closed before and after."""
    for name, value in SMALL.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("RETRY_POLICIES", '{"llm": {"attempts": 1}}')
    monkeypatch.setattr(circuit_breaker, "SNAPSHOT_TTL_S", 0.0)
    get_settings.cache_clear()

    def close_all() -> None:
        parts = redis_db.smembers(CIRCUIT_PARTS)
        redis_db.delete(circuit_key("llm"), CIRCUIT_PARTS, *(circuit_key(p) for p in parts))

    close_all()
    yield
    close_all()
    get_settings.cache_clear()


def _request() -> httpx.Request:
    return httpx.Request("POST", "http://llm/v1/chat/completions")


def raises(error: Exception) -> Callable[[], Any]:
    def call() -> Any:
        raise error

    return call


def answered(status: int) -> openai.APIStatusError:
    response = httpx.Response(status, request=_request())
    error = {
        500: openai.InternalServerError,
        400: openai.BadRequestError,
        401: openai.AuthenticationError,
        404: openai.NotFoundError,
    }[status]
    return error(f"HTTP {status}", response=response, body=None)


def state(redis_db: redis.Redis, service: str) -> str:
    return circuit_breaker.read_all(redis_db).get(service, circuit_breaker.Circuit()).state


def test_one_tenants_timeouts_and_4xx_open_its_own_circuit_only(
    small_circuits: None, redis_db: redis.Redis
) -> None:
    llm = Dependency("llm")
    tenant_a, tenant_b = f"a-{uuid.uuid4().hex[:6]}", f"b-{uuid.uuid4().hex[:6]}"
    # Given tenant A's calls timing out twice and refused once (400)
    for error in (openai.APITimeoutError(request=_request()),) * 2 + (answered(400),):
        with pytest.raises(openai.APIError):
            llm.call(raises(error), part=MODEL, tenant=tenant_a)
    # Then A's circuit is open and refuses A's next call without making it
    with pytest.raises(CircuitOpen, match=f"llm:tenant:{tenant_a} circuit open"):
        llm.call(lambda: "never", part=MODEL, tenant=tenant_a)
    # And tenant B's call reaches the model: the shared and the model's circuits are closed
    assert llm.call(lambda: "fine", part=MODEL, tenant=tenant_b) == "fine"
    assert state(redis_db, tenant_circuit("llm", tenant_a)) == OPEN
    assert state(redis_db, "llm") == CLOSED
    assert state(redis_db, f"llm:{MODEL}") == CLOSED
    assert state(redis_db, tenant_circuit("llm", tenant_b)) == CLOSED


def test_a_refused_key_is_no_tenants_failure(small_circuits: None, redis_db: redis.Redis) -> None:
    llm = Dependency("llm")
    tenant = f"a-{uuid.uuid4().hex[:6]}"
    # When the deployment's key is refused (401) on one tenant's calls, many times
    for _ in range(5):
        with pytest.raises(openai.AuthenticationError):
            llm.call(raises(answered(401)), part=MODEL, tenant=tenant)
    # Then that tenant's circuit counted nothing (the key is everyone's)
    assert redis_db.exists(circuit_key(tenant_circuit("llm", tenant))) == 0


def test_provider_5xx_open_the_shared_model_circuit_for_every_tenant(
    small_circuits: None, redis_db: redis.Redis
) -> None:
    llm = Dependency("llm")
    tenant_a, tenant_b = f"a-{uuid.uuid4().hex[:6]}", f"b-{uuid.uuid4().hex[:6]}"
    # Given the provider answering 500 to both tenants' calls
    for tenant in (tenant_a, tenant_b, tenant_a):
        with pytest.raises(openai.InternalServerError):
            llm.call(raises(answered(500)), part=MODEL, tenant=tenant)
    # Then the model's shared circuit is open, refusing both, and no tenant's is blamed
    assert state(redis_db, f"llm:{MODEL}") == OPEN
    for tenant in (tenant_a, tenant_b):
        with pytest.raises(CircuitOpen, match=f"llm:{MODEL} circuit open"):
            llm.call(lambda: "never", part=MODEL, tenant=tenant)
        assert state(redis_db, tenant_circuit("llm", tenant)) == CLOSED


def test_one_tenants_hanging_calls_do_not_stop_another_tenants_job(
    small_circuits: None,
    start_worker: Callable[..., Any],
    api: httpx.Client,
    llm: LLMState,
    redis_db: redis.Redis,
    keys: Keys,
) -> None:
    # Given a worker whose model calls time out after 1 s, and the model never answering
    # tenant A's jobs in time
    queue = f"tenant-circuits-{uuid.uuid4().hex[:8]}"
    start_worker(
        queue=queue,
        concurrency=2,
        env={
            **SMALL,
            "OPENAI_API_KEY": LLM_KEY,
            "OPENAI_TIMEOUT_S": "1",
            "RETRY_POLICIES": '{"llm": {"attempts": 1}}',
        },
    )
    tenant_a = "tenant-a"  # QUEUE_TENANT
    llm.hanging_about.add("HugePromptButton")
    llm.hang_s = 3.0
    try:
        for i in range(3):
            body = make_job(component_name=f"HugePromptButton{i}", options={"provider": "openai"})
            queue_job(queue, body)
        # When A's timeouts open A's circuit
        deadline = time.monotonic() + 60
        while state(redis_db, tenant_circuit("llm", tenant_a)) != OPEN:
            assert time.monotonic() < deadline, "tenant A's circuit never opened"
            time.sleep(0.2)
        # Then tenant B's job reaches the model at its first attempt and succeeds
        started = time.monotonic()
        body = make_job(component_name="OtherTenantButton", options={"provider": "openai"})
        job_id = queue_job(queue, {**body, "tenant_id": "tenant-b"})
        with httpx.Client(base_url=api.base_url, timeout=30, headers=bearer(keys.admin)) as admin:
            status = wait_for_end(admin, job_id, timeout_s=60)
        assert status["status"] == "succeeded", status
        assert status["attempts"] == 1
        assert time.monotonic() - started < 20
        assert llm.requests_about("OtherTenantButton") != []
        # And the shared circuits stayed closed
        assert state(redis_db, "llm") == CLOSED
        assert state(redis_db, f"llm:{MODEL}") == CLOSED
    finally:
        llm.hanging_about.clear()
        llm.hang_s = 30.0
