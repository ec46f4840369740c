"""Grafana dashboards: every panel query names only metrics the system really exports."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import REGISTRY

import workers.observability.metrics  # noqa: F401  (registers the metrics this project exports)
from tests.helpers import ROOT
from workers.observability import circuit_metrics, resource_metrics

GRAFANA = ROOT / "deploy" / "grafana"
# What celery-exporter (prometheus-exporter-celery 0.11) serves, read off a running one.
EXPORTER_METRICS = {
    "celery_task_sent_total", "celery_task_received_total", "celery_task_started_total",
    "celery_task_succeeded_total", "celery_task_failed_total", "celery_task_rejected_total",
    "celery_task_revoked_total", "celery_task_retried_total", "celery_worker_up",
    "celery_worker_tasks_active", "celery_task_runtime_bucket", "celery_task_runtime_count",
    "celery_task_runtime_sum", "celery_queue_length", "celery_active_consumer_count",
    "celery_active_worker_count", "celery_active_process_count",
}  # fmt: skip
PROMQL = {"sum", "rate", "increase", "by", "on", "and", "or", "vector", "max", "min", "avg",
          "histogram_quantile", "absent_over_time", "without", "le"}  # fmt: skip


def exported() -> set[str]:
    names = set()
    for family in REGISTRY.collect():
        names |= {s.name for s in family.samples}
        names |= {family.name + suffix for suffix in ("", "_total", "_bucket", "_count", "_sum")}
    return names | EXPORTER_METRICS | set(resource_metrics.NAMES) | {circuit_metrics.NAME}


def dashboards() -> list[Path]:
    return sorted((GRAFANA / "dashboards").glob("*.json"))


def targets(dashboard: dict[str, Any]) -> list[tuple[str, str]]:
    found = []
    for panel in dashboard["panels"]:
        found += [(panel["title"], t["expr"]) for t in panel.get("targets", [])]
        for inner in panel.get("panels", []):
            found += [(inner["title"], t["expr"]) for t in inner.get("targets", [])]
    return found


def metric_names(expr: str) -> set[str]:
    without_strings = re.sub(r'"[^"]*"', "", expr)
    without_ranges = re.sub(r"\[[^\]]*\]", "", without_strings)
    without_labels = re.sub(r"\{[^}]*\}", "", without_ranges)
    words = set(re.findall(r"\b[a-z_][a-z0-9_]*\b", without_labels))
    grouping = set(re.findall(r"\b(?:by|without)\s*\(([^)]*)\)", without_labels))
    labels = {w.strip() for group in grouping for w in group.split(",")}
    return words - PROMQL - labels


def test_there_is_a_dashboard_and_it_is_provisioned() -> None:
    assert dashboards()
    provider = yaml.safe_load((GRAFANA / "provisioning" / "dashboards" / "componentforge.yml")
                              .read_text())  # fmt: skip
    assert provider["providers"][0]["type"] == "file"
    datasource = yaml.safe_load((GRAFANA / "provisioning" / "datasources" / "prometheus.yml")
                                .read_text())  # fmt: skip
    assert datasource["datasources"][0]["uid"] == "prometheus"


@pytest.mark.parametrize("path", dashboards(), ids=lambda p: p.name)
def test_every_panel_queries_real_metrics(path: Path) -> None:
    dashboard = json.loads(path.read_text())
    known = exported()
    queries = targets(dashboard)
    assert len(queries) >= 20
    unknown = {
        (title, name) for title, expr in queries for name in metric_names(expr) if name not in known
    }
    assert unknown == set()
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))


def test_the_check_catches_a_misspelt_metric() -> None:
    assert metric_names('sum(rate(generation_sucess_total{layer="L1"}[5m])) by (le)') == {
        "generation_sucess_total"
    }
