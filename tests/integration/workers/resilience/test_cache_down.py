"""The cache Redis down: jobs run without the cache, and their results say so."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from devstack.fakes.figma import FigmaState
from tests.conftest import FIGMA_TOKEN
from tests.helpers import figma_document, generation_rows, make_job, queue_job, wait_for_end

pytestmark = pytest.mark.integration
DEAD_CACHE = "redis://127.0.0.1:9/0"


def test_jobs_run_uncached_while_the_cache_is_down(
    start_worker: Callable[..., Any], api: httpx.Client, engine: Engine, figma: FigmaState
) -> None:
    # Given a worker whose cache Redis does not answer (job state's Redis does)
    queue = f"nocache-{uuid.uuid4().hex[:8]}"
    start_worker(queue=queue, env={"CACHE_REDIS_URL": DEAD_CACHE, "FIGMA_TOKEN": FIGMA_TOKEN})
    figma.files["CacheDownFile"] = figma_document()
    body = make_job(
        component_name="UncachedCard", component_type="card",
        source={"figma_file_key": "CacheDownFile"}, tokens=None,
    )  # fmt: skip
    # When the same job runs twice
    statuses = [wait_for_end(api, queue_job(queue, body)) for _ in range(2)]
    # Then both succeed from a full generation, say the cache was unavailable,
    # fetched Figma each time (no L0 either) and wrote their rows
    for status in statuses:
        assert status["status"] == "succeeded", status
        assert status["cache_layer"] == "L4"
        assert status["result"]["cache"] == "unavailable"
        assert generation_rows(engine, status["id"]) == 1
    assert len(figma.body_requests_for("CacheDownFile")) == 4  # file + styles, twice
    assert len(figma.shallow_requests_for("CacheDownFile")) == 2  # its version, each time
