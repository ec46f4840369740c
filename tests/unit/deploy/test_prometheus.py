"""Alert rules: valid, unit-tested with promtool, and only about metrics that exist."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import yaml
from prometheus_client import REGISTRY

import workers.observability.metrics  # noqa: F401  (registers the metrics this project exports)
from tests.helpers import ROOT
from workers.observability import circuit_metrics, resource_metrics

PROMETHEUS = ROOT / "deploy" / "prometheus"
RULES = PROMETHEUS / "alerts.yml"
RULE_TESTS = PROMETHEUS / "tests" / "alerts_test.yml"
PROMQL_WORDS = {
    "sum", "rate", "increase", "by", "on", "and", "or", "vector", "le", "histogram_quantile",
    "absent_over_time", "max", "queue_name", "service", "cache_layer", "spool",
}  # fmt: skip


def rules() -> list[dict[str, str]]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


def exported_metric_names() -> set[str]:
    names = set()
    for family in REGISTRY.collect():
        for sample in family.samples:
            names.add(sample.name)
        names |= {family.name, f"{family.name}_total", f"{family.name}_bucket"}
    # Read at scrape time: the circuits from Redis, the resource gauges from each source.
    return names | {circuit_metrics.NAME} | set(resource_metrics.NAMES)


def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        pytest.skip("promtool is not installed (Debian package prometheus); .ci/run installs it")
    return path


def test_promtool_checks_the_rules() -> None:
    subprocess.run([promtool(), "check", "rules", str(RULES)], check=True, capture_output=True)


def test_promtool_unit_tests_pass() -> None:
    result = subprocess.run(
        [promtool(), "test", "rules", str(RULE_TESTS.name)],
        cwd=RULE_TESTS.parent,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_rule_has_a_unit_test() -> None:
    tested = set(re.findall(r"alertname: (\w+)", RULE_TESTS.read_text()))
    assert {rule["alert"] for rule in rules()} <= tested


def test_rules_name_only_real_metrics() -> None:
    exported = exported_metric_names()
    for rule in rules():
        words = set(re.findall(r"[a-z_][a-z0-9_]*", re.sub(r'"[^"]*"', "", rule["expr"])))
        metrics = {w for w in words - PROMQL_WORDS if "_" in w and not w.endswith("_s")}
        unknown = {m for m in metrics if m not in exported and not m.startswith("celery_")}
        assert unknown == set(), (rule["alert"], unknown)


def test_prometheus_scrapes_the_api_with_the_token_from_a_file() -> None:
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    # /metrics needs METRICS_TOKEN: from a mounted file, never written in the config
    assert jobs["api"]["authorization"] == {"credentials_file": "/etc/prometheus/metrics-token"}
    assert "password_file" in jobs["flower"]["basic_auth"]
    text = (PROMETHEUS / "prometheus.yml").read_text()
    assert "credentials:" not in text and "password:" not in text


def test_redis_memory_alert_is_at_80_percent_of_maxmemory() -> None:
    rule = next(r for r in rules() if r["alert"] == "RedisMemoryHigh")
    assert "redis_memory_used_bytes" in rule["expr"] and "0.8 * " in rule["expr"]
    assert "redis_maxmemory_bytes" in rule["expr"]
