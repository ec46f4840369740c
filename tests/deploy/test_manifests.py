"""deploy/ checked statically: no container engine runs here."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from config.settings import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
K8S = DEPLOY / "k8s"
SCRIPT_OPTIONS = {
    "API_HOST", "API_PORT", "API_WORKERS", "WORKER_CONCURRENCY", "FLOWER_HOST", "FLOWER_PORT",
    "EXPORTER_HOST", "EXPORTER_PORT", "EXPORTER_PYTHON", "PROMETHEUS_MULTIPROC_DIR",
}  # fmt: skip
AWS = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"}
KNOWN_ENV = {name.upper() for name in Settings.model_fields} | SCRIPT_OPTIONS | AWS


def load_all(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def k8s_docs() -> list[dict[str, Any]]:
    return [doc for path in sorted(K8S.glob("*.yaml")) for doc in load_all(path)]


@pytest.mark.parametrize("script", sorted((DEPLOY / "bin").glob("*.sh")), ids=lambda p: p.name)
def test_start_scripts_are_strict_and_exec(script: Path) -> None:
    lines = [line for line in script.read_text().splitlines() if line.strip()]
    assert lines[0] == "#!/usr/bin/env bash"
    assert "set -euo pipefail" in lines
    assert any(line.startswith("exec ") for line in lines)
    assert script.stat().st_mode & 0o111, "not executable"
    subprocess.run(["bash", "-n", str(script)], check=True)


def test_compose_commands_and_env() -> None:
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"redis", "postgres", "minio", "migrate", "api", "worker"} <= set(services)
    for name in ("migrate", "api", "worker", "flower"):
        command = services[name]["command"][0]
        assert (DEPLOY.parent / command).is_file(), f"{name}: {command} missing"
        assert set(services[name]["environment"]) <= KNOWN_ENV, name
    assert services["api"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully"
    )


def test_k8s_objects_are_well_formed() -> None:
    for doc in k8s_docs():
        assert doc.get("apiVersion") and doc.get("kind"), doc
        if doc["kind"] != "Kustomization":
            assert doc["metadata"]["name"]


def test_k8s_containers_run_existing_scripts_with_known_env() -> None:
    for doc in k8s_docs():
        if doc["kind"] not in ("Deployment", "Job"):
            continue
        for container in doc["spec"]["template"]["spec"]["containers"]:
            assert (DEPLOY.parent / container["command"][0]).is_file()
            assert {e["name"] for e in container.get("env", [])} <= KNOWN_ENV
    config_map = next(d for d in k8s_docs() if d["kind"] == "ConfigMap")
    assert set(config_map["data"]) <= KNOWN_ENV
    secret = next(d for d in k8s_docs() if d["kind"] == "Secret")
    assert set(secret["stringData"]) <= KNOWN_ENV


def test_kustomization_lists_every_manifest_but_the_example_secret() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    listed = set(kustomization["resources"])
    present = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == present - {"secret.example.yaml"}


def test_workers_get_longer_than_the_hard_time_limit_to_stop() -> None:
    hard_limit_s = Settings.model_fields["task_time_limit_s"].default
    worker = next(
        d for d in k8s_docs() if d.get("metadata", {}).get("name") == "componentforge-worker"
    )
    assert worker["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] > hard_limit_s
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    assert int(compose["services"]["worker"]["stop_grace_period"].rstrip("s")) > hard_limit_s
