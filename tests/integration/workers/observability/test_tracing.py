"""One LangSmith trace per job, API span -> queue -> five steps, sent through the real
langsmith client to a local collector that speaks its ingest API."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from devstack.fakes.langsmith_collector import Collector, langsmith_collector
from devstack.fakes.openai_api import LLMState
from tests.conftest import LLM_KEY
from tests.helpers import make_job, wait_for_end

pytestmark = pytest.mark.integration
KEY = "lsv2-test-key"
STEPS = {"extract_tokens", "propose_requirements", "retrieve_pattern", "generate_code",
         "validate_quality"}  # fmt: skip


def trace_of(collector: Collector, run_id: str) -> str:
    """The trace id of a root run, once the API's client (which sends in the background)
    has delivered it."""
    deadline = time.monotonic() + 20
    while run_id not in collector.runs and time.monotonic() < deadline:
        time.sleep(0.2)
    return str(collector.runs[run_id]["trace_id"])


def wait_for_tree(collector: Collector, trace_id: str, size: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        runs = collector.tree(trace_id)
        root = [r for r in runs if not r.get("parent_run_id")]
        if len(runs) >= size and root and root[0].get("end_time"):
            return runs
        time.sleep(0.2)
    raise AssertionError(f"trace {trace_id}: {len(collector.tree(trace_id))} runs arrived")


def test_each_job_is_one_tree(
    start_worker: Callable[..., Any], start_api: Callable[..., httpx.Client], workdir: Path
) -> None:
    with langsmith_collector(KEY) as (url, collector):
        queue = f"traced-{uuid.uuid4().hex[:8]}"
        env = {"LANGSMITH_TRACING": "true", "LANGSMITH_ENDPOINT": url, "LANGSMITH_API_KEY": KEY,
               "GENERATION_QUEUE": queue, "TRACE_SAMPLE_RATE": "1"}  # fmt: skip
        start_worker(queue=queue, concurrency=2, env=env)
        api = start_api(env=env)
        body = make_job(component_name="TracedButton")  # tenant-a's, as the key says
        statuses = []
        for _ in range(2):  # an L4 job, then an L1 hit
            accepted = api.post("/v1/generations", json=body).json()
            statuses.append(wait_for_end(api, accepted["id"]))

        for status, layer in zip(statuses, ("L4", "L1"), strict=True):
            assert status["cache_layer"] == layer
            run_id = status["result"]["trace_url"].rsplit("/", 1)[-1]
            trace_id = trace_of(collector, run_id)
            size = 2 + (len(STEPS) if layer == "L4" else 0)
            runs = wait_for_tree(collector, trace_id, size)
            [root] = [r for r in runs if not r.get("parent_run_id")]
            assert root["name"] == "generate_button"
            assert {"button", "tenant:tenant-a", f"cache:{layer}"} <= set(root["tags"])
            children = {r["name"]: r for r in runs if r.get("parent_run_id") == root["id"]}
            expected = {"queue"} | (STEPS if layer == "L4" else set())
            assert set(children) == expected
            assert root["outputs"]["component_id"] == status["result"]["component_id"]
            assert root["extra"]["metadata"]["cache_layer"] == layer
        assert "GET /info" in collector.endpoints
        assert "session:-" in root["tags"]
        assert any(e.startswith("POST /runs/") for e in collector.endpoints)


def test_llm_steps_carry_usage_and_cost(
    start_worker: Callable[..., Any], start_api: Callable[..., httpx.Client], llm: LLMState
) -> None:
    with langsmith_collector(KEY) as (url, collector):
        queue = f"traced-llm-{uuid.uuid4().hex[:8]}"
        env = {"LANGSMITH_TRACING": "true", "LANGSMITH_ENDPOINT": url, "LANGSMITH_API_KEY": KEY,
               "GENERATION_QUEUE": queue, "OPENAI_API_KEY": LLM_KEY}  # fmt: skip
        start_worker(queue=queue, concurrency=1, env=env)
        api = start_api(env=env)
        body = make_job(component_name="TracedLlmButton", options={"provider": "openai"},
                        session_id="s-42")  # fmt: skip
        status = wait_for_end(api, api.post("/v1/generations", json=body).json()["id"])
        assert status["status"] == "succeeded", status
        run_id = status["result"]["trace_url"].rsplit("/", 1)[-1]
        runs = wait_for_tree(collector, trace_of(collector, run_id), 7)
        [generate] = [r for r in runs if r["name"] == "generate_code"]
        prompt, completion = llm.usage
        assert generate["run_type"] == "llm"
        assert generate["outputs"]["usage_metadata"] == {
            "input_tokens": prompt, "output_tokens": completion,
            "total_tokens": prompt + completion,
        }  # fmt: skip
        assert generate["extra"]["metadata"]["ls_model_name"] == "gpt-4o-mini"
        assert generate["extra"]["metadata"]["cost_usd"] > 0
        [root] = [r for r in runs if not r.get("parent_run_id")]
        assert "session:s-42" in root["tags"]
        assert root["extra"]["metadata"]["cost_usd"] > 0
