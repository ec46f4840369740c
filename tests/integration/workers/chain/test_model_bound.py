"""Jobs waiting on a model hold no process (the gevent pool): one worker keeps many calls
in flight at once, never more than LLM_MAX_IN_FLIGHT for one model and key."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from devstack.fakes.openai_api import LLMState
from tests.conftest import LLM_KEY
from tests.helpers import make_job, queue_job, wait_for_end

pytestmark = pytest.mark.integration

JOBS = 24
LATENCY_S = 1.0


def _run(
    start_worker: Callable[..., Any], api: httpx.Client, llm: LLMState, **env: str
) -> tuple[int, list[dict[str, Any]]]:
    queue = f"model-bound-{uuid.uuid4().hex[:8]}"
    start_worker(queue=queue, concurrency=50, env={"OPENAI_API_KEY": LLM_KEY, **env})
    tag = uuid.uuid4().hex[:6].upper()
    llm.latency_s = LATENCY_S
    llm.reset_peak()
    try:
        ids = [
            queue_job(
                queue,
                make_job(component_name=f"Wait{tag}N{i}", options={"provider": "openai"}),
            )
            for i in range(JOBS)
        ]
        ends = [wait_for_end(api, job_id, timeout_s=120) for job_id in ids]
    finally:
        llm.latency_s = 0.0
    return llm.peak_in_flight, ends


def test_one_worker_keeps_many_model_calls_in_flight(
    start_worker: Callable[..., Any], api: httpx.Client, llm: LLMState
) -> None:
    peak, ends = _run(start_worker, api, llm)
    assert [end["status"] for end in ends] == ["succeeded"] * JOBS, ends
    # A prefork worker of two processes would hold two; the greenlets hold them all.
    assert peak >= JOBS // 2, peak


def test_calls_in_flight_never_pass_the_models_cap(
    start_worker: Callable[..., Any], api: httpx.Client, llm: LLMState
) -> None:
    peak, ends = _run(start_worker, api, llm, LLM_MAX_IN_FLIGHT="3")
    assert [end["status"] for end in ends] == ["succeeded"] * JOBS, ends
    assert peak == 3, peak
