"""The LLM's circuits per model: a model answering 500 opens its own circuit, not the
endpoint's, so another model's jobs go on; a 4xx (bad request, unknown model) is the
request's fault and never counts as a failure."""

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
from workers.resilience.circuit_breaker import CLOSED, OPEN
from workers.resilience.dependency import Dependency

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

SMALL = {"CIRCUIT_FAILURE_THRESHOLD": "3", "CIRCUIT_FAILURE_WINDOW_S": "30", "CIRCUIT_OPEN_S": "30"}


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


def answered(status: int) -> openai.APIStatusError:
    response = httpx.Response(status, request=httpx.Request("POST", "http://llm/v1/chat"))
    error = {500: openai.InternalServerError, 400: openai.BadRequestError,
             404: openai.NotFoundError}[status]  # fmt: skip
    return error(f"HTTP {status}", response=response, body=None)


def fail_with(status: int) -> Callable[[], Any]:
    def call() -> Any:
        raise answered(status)

    return call


def test_one_models_500s_open_its_circuit_alone(
    small_circuits: None, redis_db: redis.Redis
) -> None:
    llm = Dependency("llm")
    # Given a model that answers 500 three times
    for _ in range(3):
        with pytest.raises(openai.InternalServerError):
            llm.call(fail_with(500), part="broken-model")
    # Then its circuit is open and refuses it without calling
    with pytest.raises(CircuitOpen, match="llm:broken-model circuit open"):
        llm.call(lambda: "never", part="broken-model")
    # And the endpoint's circuit and another model's are closed: that model answers
    assert llm.call(lambda: "fine", part="good-model") == "fine"
    circuits = circuit_breaker.read_all(redis_db)
    assert circuits["llm:broken-model"].state == OPEN
    assert circuits["llm"].state == CLOSED
    assert circuits.get("llm:good-model", circuit_breaker.Circuit()).state == CLOSED


def test_a_models_4xx_answers_never_count_as_failures(
    small_circuits: None, redis_db: redis.Redis
) -> None:
    llm = Dependency("llm")
    # When a model answers 400 and 404 many times
    for status in (400, 404) * 5:
        with pytest.raises(openai.APIStatusError):
            llm.call(fail_with(status), part="picky-model")
    # Then no circuit counted a failure, and the model is still called
    assert llm.call(lambda: "fine", part="picky-model") == "fine"
    assert redis_db.exists(circuit_key("llm:picky-model"), circuit_key("llm")) == 0


def openai_job(name: str, model: str) -> dict[str, Any]:
    return make_job(component_name=name, options={"provider": "openai", "model": model})


class _Open:
    """Equal to any open circuit (whatever its deadline)."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, circuit_breaker.Circuit) and other.state == OPEN


OPEN_ANY = _Open()


def test_a_model_answering_500_does_not_stop_another_models_jobs(
    small_circuits: None,
    start_worker: Callable[..., Any],
    api: httpx.Client,
    llm: LLMState,
    redis_db: redis.Redis,
    keys: Keys,
) -> None:
    # Given a worker, and the local LLM answering 500 for one model only
    queue = f"models-{uuid.uuid4().hex[:8]}"
    start_worker(
        queue=queue,
        env={**SMALL, "OPENAI_API_KEY": LLM_KEY, "RETRY_POLICIES": '{"llm": {"attempts": 3}}'},
    )
    llm.failing_models["gpt-4.1-nano"] = 500
    try:
        # When a job of that model runs until its circuit opens
        queue_job(queue, openai_job("NanoButton", "gpt-4.1-nano"))
        deadline = time.monotonic() + 60
        while circuit_breaker.read_all(redis_db).get("llm:gpt-4.1-nano") != OPEN_ANY:
            assert time.monotonic() < deadline, "the model's circuit never opened"
            time.sleep(0.2)
        # Then a job of another model still runs on the LLM and succeeds
        other = queue_job(queue, openai_job("MiniButton", "gpt-4o-mini"))
        assert wait_for_end(api, other, timeout_s=90)["status"] == "succeeded"
        assert llm.requests_about("MiniButton") != []
        # And /readyz shows the model's circuit open and the endpoint's closed
        circuits = api.get("/readyz", headers=bearer(keys.admin)).json()["circuits"]
        assert circuits["llm:gpt-4.1-nano"]["state"] == OPEN
        assert circuits["llm"]["state"] == CLOSED
    finally:
        llm.failing_models.clear()
