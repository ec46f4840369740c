"""The "openai" provider through a real worker, against a local OpenAI-compatible API."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, text

from config.llm_prices import PRICES_USD_PER_MILLION
from core.keys import circuit_key
from devstack.fakes.openai_api import LLMState, request_data
from tests.conftest import LLM_KEY
from tests.helpers import make_job, queue_job, submit_and_wait, wait_for_end
from workers.clients import redis_client

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("worker")]


def llm_job(name: str, **overrides: Any) -> dict[str, Any]:
    return make_job(component_name=name, options={"provider": "openai"}, **overrides)


def cost_rows(engine: Engine, job_id: str) -> list[tuple[str, int, int, Decimal, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT stage, prompt_tokens, completion_tokens, usd, model FROM costs "
                "WHERE generation_id = :id ORDER BY id"
            ),
            {"id": job_id},
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def metric_value(metrics_url: str, name: str, **labels: str) -> float:
    """The sum of a metric's samples with these labels."""
    families = text_string_to_metric_families(httpx.get(metrics_url).text)
    return sum(
        sample.value
        for family in families
        for sample in family.samples
        if sample.name == name and labels.items() <= sample.labels.items()
    )


def expected_usd(prompt: int, completion: int) -> Decimal:
    price_in, price_out = PRICES_USD_PER_MILLION["gpt-4o-mini"]
    return Decimal(str(round((prompt * price_in + completion * price_out) / 1e6, 8)))


def test_job_succeeds_and_its_costs_match_the_usage(
    api: httpx.Client, llm: LLMState, engine: Engine
) -> None:
    name = f"Llm{uuid.uuid4().hex[:6].upper()}Button"
    status = submit_and_wait(api, llm_job(name, requirements=None))

    assert status["status"] == "succeeded", status
    # Prompts carry the tokens, and generate_code's carries the proposed requirements.
    asked = llm.requests_about(name)
    assert len(asked) == 2
    propose, generate = (request_data(r) for r in asked)
    assert propose["design_tokens"]["colors"]["primary"] == "#0055ff"
    assert generate["requirements"]["props"][1]["values"] == ["calm", "loud"]
    assert all(r["response_format"] == {"type": "json_object"} for r in asked)
    # Each call is one costs row with the usage the server reported, priced by the table.
    prompt, completion = llm.usage
    rows = cost_rows(engine, status["id"])
    assert [r[0] for r in rows] == ["propose_requirements", "generate_code"]
    assert all(r[1:4] == (prompt, completion, expected_usd(prompt, completion)) for r in rows)
    assert status["result"]["cost"]["prompt_tokens"] == 2 * prompt
    assert status["result"]["cost"]["completion_tokens"] == 2 * completion
    assert Decimal(str(status["result"]["cost"]["usd"])) == 2 * expected_usd(prompt, completion)
    component = httpx.get(status["result"]["artifacts"]["component.tsx"]["url"]).text
    assert f"export function {name}(" in component


def test_malformed_answer_is_retried_with_the_error(
    api: httpx.Client, llm: LLMState, engine: Engine
) -> None:
    name = f"Retry{uuid.uuid4().hex[:6].upper()}Button"
    llm.scripted.append("this is not JSON")
    status = submit_and_wait(api, llm_job(name))
    assert status["status"] == "succeeded", status
    asked = llm.requests_about(name)
    assert len(asked) == 2  # the bad answer and the retry (requirements were given)
    retry_messages = asked[1]["messages"]
    assert retry_messages[-2] == {"role": "assistant", "content": "this is not JSON"}
    assert "not valid JSON" in retry_messages[-1]["content"]
    assert len(cost_rows(engine, status["id"])) == 2  # a wasted call still costs


def test_answers_that_never_validate_fall_back_to_the_template(
    api: httpx.Client, llm: LLMState
) -> None:
    name = f"Fallback{uuid.uuid4().hex[:6].upper()}Button"
    llm.scripted += ['{"component_tsx": "export const = ;", "stories_tsx": ""}'] * 3
    status = submit_and_wait(api, llm_job(name))
    assert status["status"] == "succeeded", status
    report = httpx.get(status["result"]["artifacts"]["quality-report.html"]["url"]).text
    assert "the template provider did this step instead" in report
    component = httpx.get(status["result"]["artifacts"]["component.tsx"]["url"]).text
    assert "const tokenStyle = {" in component  # the template's output


def test_provider_down_fails_the_job_naming_it(
    start_worker: Callable[..., Any], api: httpx.Client, llm: LLMState
) -> None:
    queue = f"llmdown-{uuid.uuid4().hex[:8]}"
    settings = {
        "OPENAI_API_KEY": LLM_KEY,
        "RETRY_POLICIES": json.dumps(
            {"llm": {"attempts": 1}, "task": {"attempts": 2, "backoff_cap_s": 1}}
        ),
    }
    start_worker(queue=queue, env=settings)
    llm.failures += [500, 500]
    job_id = queue_job(queue, llm_job("DownLlmButton"))
    status = wait_for_end(api, job_id)
    assert status["status"] == "failed"
    assert "LLM provider unavailable" in status["error"]["message"]
    assert status["attempts"] == 2


def test_provider_down_falls_back_when_configured(
    start_worker: Callable[..., Any], api: httpx.Client, llm: LLMState
) -> None:
    queue = f"llmfallback-{uuid.uuid4().hex[:8]}"
    settings = {"OPENAI_API_KEY": LLM_KEY, "RETRY_POLICIES": '{"llm": {"attempts": 1}}',
                "LLM_FALLBACK_TO_TEMPLATE": "true"}  # fmt: skip
    start_worker(queue=queue, env=settings)
    llm.failures += [503]
    job_id = queue_job(queue, llm_job("FallbackLlmButton"))
    status = wait_for_end(api, job_id)
    assert status["status"] == "succeeded", status
    report = httpx.get(status["result"]["artifacts"]["quality-report.html"]["url"]).text
    assert "LLM endpoint was unavailable" in report


def run_failing_at_generate_code(
    start_worker: Callable[..., Any], api: httpx.Client, llm: LLMState, failures: int
) -> tuple[dict[str, Any], Any]:
    """Run a job on a worker of its own (two attempts, no LLM retries inside a step)
    whose generate_code calls answer 500 `failures` times: its propose_requirements call
    is paid on every attempt. Returns the job's final status and the worker."""
    name = f"Paid{uuid.uuid4().hex[:6].upper()}Button"
    queue = f"paidfail-{uuid.uuid4().hex[:8]}"
    # The model's circuit is shared through Redis: other tests' 500s in its window, with
    # this job's own, could open it and refuse the second attempt's paid proposal.
    redis_client().delete(circuit_key("llm"), circuit_key("llm:gpt-4o-mini"))
    policies = {"llm": {"attempts": 1}, "task": {"attempts": 2, "backoff_cap_s": 1}}
    worker = start_worker(queue=queue, env={"OPENAI_API_KEY": LLM_KEY,
                                            "RETRY_POLICIES": json.dumps(policies)})  # fmt: skip
    llm.failing_steps[(name, "generate_code")] = [500] * failures
    return wait_for_end(api, queue_job(queue, llm_job(name, requirements=None))), worker


def test_a_job_that_fails_after_paid_calls_is_billed_for_every_attempt_s(
    start_worker: Callable[..., Any], api: httpx.Client, llm: LLMState, engine: Engine
) -> None:
    # Given a job whose generate_code fails on both attempts, after a paid proposal each
    status, worker = run_failing_at_generate_code(start_worker, api, llm, failures=2)
    # When it fails
    job_id = status["id"]
    assert status["status"] == "failed", status
    assert status["attempts"] == 2
    # Then its row books both paid proposals, as costs rows and in its totals
    prompt, completion = llm.usage
    rows = cost_rows(engine, job_id)
    assert [r[0] for r in rows] == ["propose_requirements"] * 2
    with engine.connect() as conn:
        totals = conn.execute(
            text("SELECT prompt_tokens, cost_usd FROM generations WHERE id = :id"), {"id": job_id}
        ).one()
    assert tuple(totals) == (2 * prompt, 2 * expected_usd(prompt, completion))
    # and the worker's cost metric counts the money spent
    spent = metric_value(worker.metrics_url, "generation_cost_dollars_total", api="openai")
    assert spent == pytest.approx(float(2 * expected_usd(prompt, completion)))


def test_a_job_that_succeeds_on_its_retry_is_billed_for_the_failed_attempt_too(
    start_worker: Callable[..., Any], api: httpx.Client, llm: LLMState, engine: Engine
) -> None:
    # Given a job whose first generate_code call fails, after a paid proposal
    status, _ = run_failing_at_generate_code(start_worker, api, llm, failures=1)
    # When its second attempt succeeds
    job_id = status["id"]
    assert status["status"] == "succeeded", status
    # Then it is billed for three calls: both proposals and the code
    prompt, completion = llm.usage
    assert [r[0] for r in cost_rows(engine, job_id)] == [
        "propose_requirements", "propose_requirements", "generate_code"
    ]  # fmt: skip
    assert status["result"]["cost"]["prompt_tokens"] == 3 * prompt
    assert Decimal(str(status["result"]["cost"]["usd"])) == 3 * expected_usd(prompt, completion)
