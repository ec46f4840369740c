"""Circuit breakers: shared through Redis by every process, local while Redis is down,
exported as circuit_breaker_state and shown by /readyz; a dependency's calls run under its
retry policy and breaker."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from config.settings import get_settings
from core.errors import CircuitOpen, DependencyUnavailable
from core.keys import circuit_key
from devstack.fakes.openai_api import LLMState
from tests.conftest import LLM_KEY, Keys, bearer
from tests.helpers import make_job, queue_job, wait_for_end
from workers.resilience import circuit_breaker
from workers.resilience.circuit_breaker import CLOSED, HALF_OPEN, OPEN, CircuitBreaker
from workers.resilience.dependency import FIGMA, S3

SMALL = {"CIRCUIT_FAILURE_THRESHOLD": "3", "CIRCUIT_FAILURE_WINDOW_S": "30", "CIRCUIT_OPEN_S": "1"}


@pytest.fixture
def small_circuits(monkeypatch: pytest.MonkeyPatch, redis_db: redis.Redis) -> Iterator[None]:
    """Circuits that open after 3 failures for 1 s; every circuit closed before and after."""
    for name, value in SMALL.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(circuit_breaker, "SNAPSHOT_TTL_S", 0.0)
    monkeypatch.setattr(circuit_breaker, "_shared_down_until", 0.0)
    get_settings.cache_clear()
    redis_db.delete(*(circuit_key(s) for s in circuit_breaker.SERVICES))
    yield
    redis_db.delete(*(circuit_key(s) for s in circuit_breaker.SERVICES))
    get_settings.cache_clear()


def fail_times(breaker: CircuitBreaker, n: int) -> None:
    for _ in range(n):
        breaker.before_call()
        breaker.record_failure()


def test_failures_open_the_circuit_for_every_process(
    small_circuits: None, redis_db: redis.Redis
) -> None:
    here, elsewhere = CircuitBreaker("s3"), CircuitBreaker("s3")  # two processes' breakers
    fail_times(here, 2)
    elsewhere.before_call()  # 2 failures: still closed
    here.before_call()
    here.record_failure()
    # The third failure opened it, and the other "process" sees it at once
    with pytest.raises(CircuitOpen, match="s3 circuit open") as refused:
        elsewhere.before_call()
    assert 0 < (refused.value.retry_after_s or 0) <= 1
    assert circuit_breaker.read_all(redis_db)["s3"].state == OPEN


def test_after_the_open_time_one_probe_decides(small_circuits: None, redis_db: redis.Redis) -> None:
    # A circuit of its own (a part's, as a model's is): the workers the other tests run
    # beside this one call Figma too, and would close the shared one mid-test.
    name = f"figma:probe-{uuid.uuid4().hex[:8]}"
    prober, other = CircuitBreaker(name), CircuitBreaker(name)
    fail_times(prober, 3)
    time.sleep(1.05)
    prober.before_call()  # the probe is let through...
    with pytest.raises(CircuitOpen):
        other.before_call()  # ...and nobody else while it runs
    assert _state(redis_db, name) == HALF_OPEN
    prober.record_failure()  # the probe failed: open again
    with pytest.raises(CircuitOpen):
        other.before_call()
    time.sleep(1.05)
    other.before_call()
    other.record_success()  # a probe that passes closes it
    prober.before_call()
    assert _state(redis_db, name) == CLOSED
    redis_db.delete(circuit_key(name))


def _state(client: redis.Redis, name: str) -> str:
    return circuit_breaker.Circuit.from_fields(client.hgetall(circuit_key(name))).state


def test_failures_outside_the_window_do_not_add_up(
    small_circuits: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CIRCUIT_FAILURE_WINDOW_S", "0.2")
    get_settings.cache_clear()
    breaker = CircuitBreaker("postgres")
    for _ in range(4):
        fail_times(breaker, 1)
        time.sleep(0.25)
    breaker.before_call()  # four failures, never three within 0.2 s


def test_with_redis_down_each_process_keeps_its_own_circuit(
    small_circuits: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    dead = redis.Redis(host="127.0.0.1", port=9, retry=Retry(NoBackoff(), 0))
    monkeypatch.setattr(circuit_breaker, "circuit_redis_client", lambda: dead)
    monkeypatch.setattr(circuit_breaker, "_local", circuit_breaker._LocalStore())
    breaker = CircuitBreaker("llm")
    fail_times(breaker, 3)
    with pytest.raises(CircuitOpen):
        breaker.before_call()


def test_a_dependency_call_retries_transient_errors_then_raises(small_circuits: None) -> None:
    calls: list[int] = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise DependencyUnavailable("s3 down", kind="server_error")
        return "ok"

    assert S3.call(flaky) == "ok"  # s3's policy: 3 attempts
    assert len(calls) == 3

    def refused() -> None:
        calls.append(1)
        raise ValueError("a bad request is not worth repeating")

    calls.clear()
    with pytest.raises(ValueError):
        S3.call(refused)
    assert len(calls) == 1


def test_a_dependency_call_stops_at_an_open_circuit(small_circuits: None) -> None:
    calls: list[int] = []

    def down() -> None:
        calls.append(1)
        raise DependencyUnavailable("figma down", kind="connection")

    with pytest.raises(DependencyUnavailable):
        FIGMA.call(down, policy="extract_tokens")  # 3 attempts, 3 failures: open
    with pytest.raises(CircuitOpen):
        FIGMA.call(down)
    assert len(calls) == 3  # the second call never reached the dependency


def test_metrics_and_readyz_show_the_shared_state(
    small_circuits: None, api: httpx.Client, redis_db: redis.Redis, keys: Keys
) -> None:
    redis_db.hset(circuit_key("llm"), mapping={"state": OPEN, "until": str(time.time() + 60)})
    metrics = api.get("/metrics", headers=bearer(keys.admin)).text
    assert 'circuit_breaker_state{service="llm"} 2.0' in metrics
    assert 'circuit_breaker_state{service="s3"} 0.0' in metrics
    ready = api.get("/readyz", headers=bearer(keys.admin)).json()
    assert ready["circuits"]["llm"]["state"] == OPEN
    assert 55 < ready["circuits"]["llm"]["retry_in_s"] <= 60
    assert ready["circuits"]["postgres"] == {"state": CLOSED, "recent_failures": 0}


@pytest.mark.integration
def test_an_open_llm_circuit_sends_jobs_to_the_fallback_without_calling(
    small_circuits: None,
    start_worker: Callable[..., Any],
    api: httpx.Client,
    llm: LLMState,
    redis_db: redis.Redis,
) -> None:
    # Given the llm circuit opened by another process, and a worker that may fall back
    queue = f"circuit-{uuid.uuid4().hex[:8]}"
    start_worker(
        queue=queue,
        env={**SMALL, "OPENAI_API_KEY": LLM_KEY, "LLM_FALLBACK_TO_TEMPLATE": "true"},
    )
    redis_db.hset(circuit_key("llm"), mapping={"state": OPEN, "until": str(time.time() + 60)})
    body = make_job(component_name="OpenCircuitButton", options={"provider": "openai"})
    job_id = queue_job(queue, body)
    # Then the job succeeds from the template and the LLM server heard nothing
    status = wait_for_end(api, job_id)
    assert status["status"] == "succeeded", status
    assert llm.requests_about("OpenCircuitButton") == []
    report = httpx.get(status["result"]["artifacts"]["quality-report.html"]["url"]).text
    assert "llm circuit open" in report


@pytest.mark.integration
def test_llm_failures_open_the_circuit_then_a_probe_closes_it(
    small_circuits: None,
    start_worker: Callable[..., Any],
    api: httpx.Client,
    llm: LLMState,
    redis_db: redis.Redis,
) -> None:
    # Given an LLM answering 500 three times, and a worker with small circuits
    queue = f"circuit-{uuid.uuid4().hex[:8]}"
    start_worker(
        queue=queue,
        env={**SMALL, "OPENAI_API_KEY": LLM_KEY, "RETRY_POLICIES": '{"llm": {"attempts": 3}}'},
    )
    llm.failures += [500, 500, 500]
    body = make_job(component_name="TrippedButton", options={"provider": "openai"})
    job_id = queue_job(queue, body)
    # Then the third failure opens the circuit, the task waits it out, a probe passes,
    # the circuit closes and the job succeeds
    status = wait_for_end(api, job_id)
    assert status["status"] == "succeeded", status
    assert status["attempts"] >= 2
    assert circuit_breaker.read_all(redis_db)["llm"].state == CLOSED
