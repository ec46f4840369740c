"""Prometheus metrics with DESIGN.md's names, scraped from a real worker and the API."""

from __future__ import annotations

import re

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from devstack.processes import ManagedProcess
from tests.conftest import Keys, bearer
from tests.helpers import make_job, submit_and_wait

pytestmark = pytest.mark.integration


def samples(
    url: str, headers: dict[str, str] | None = None
) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = httpx.get(url, headers=headers)
    response.raise_for_status()
    text = response.text
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(
    found: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    return sum(
        v for (n, lbls), v in found.items() if n == name and set(labels.items()) <= set(lbls)
    )


def test_worker_and_api_metrics_count_the_jobs(
    api: httpx.Client, worker: ManagedProcess, keys: Keys
) -> None:
    assert worker.metrics_url
    before = samples(worker.metrics_url)
    body = make_job(component_name="MeteredBadge", component_type="badge")
    first = submit_and_wait(api, body)
    second = submit_and_wait(api, body)
    assert (first["cache_layer"], second["cache_layer"]) == ("L4", "L1")

    after = samples(worker.metrics_url)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("generation_success_total", component_type="badge") == 2
    assert grew("cache_misses_total", layer="L1") == 1
    assert grew("cache_hits_total", layer="L1") == 1
    assert grew("generation_latency_seconds_count", component_type="badge", cache_layer="L4") == 1
    assert grew("generation_latency_seconds_count", component_type="badge", cache_layer="L1") == 1
    assert grew("agent_step_duration_seconds_count", step="generate_code") == 1

    api_metrics = samples(str(api.base_url) + "/metrics", bearer(keys.admin))
    assert value(api_metrics, "http_requests_total", method="POST",
                 endpoint="/v1/generations", status="202") >= 2  # fmt: skip
    assert value(api_metrics, "http_requests_total", endpoint="/v1/generations/{job_id}") >= 2
    endpoints = {dict(lbls).get("endpoint", "") for (name, lbls) in api_metrics}
    assert not any(re.search(r"[0-9a-f]{32}", e) for e in endpoints)  # no job ids as labels


def test_api_exports_resource_gauges(api: httpx.Client, keys: Keys) -> None:
    submit_and_wait(api, make_job(component_name="GaugedCard", component_type="card"))
    found = samples(str(api.base_url) + "/metrics", bearer(keys.admin))
    assert value(found, "redis_memory_used_bytes") > 0
    assert value(found, "postgres_connections") >= 1
    assert value(found, "s3_bucket_objects") >= 5
    assert value(found, "s3_bucket_bytes") > 0


def test_failures_are_counted_by_error_type(api: httpx.Client, worker: ManagedProcess) -> None:
    assert worker.metrics_url
    before = value(samples(worker.metrics_url), "generation_failure_total",
                   error_type="figma_error")  # fmt: skip
    failed = submit_and_wait(api, make_job(source={"figma_file_key": "NoSuchFileAtAll"},
                                           tokens=None))  # fmt: skip
    assert failed["status"] == "failed"
    after = value(samples(worker.metrics_url), "generation_failure_total", error_type="figma_error")
    assert after - before == 1
