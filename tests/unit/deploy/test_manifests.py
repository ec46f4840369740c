"""deploy/ checked statically: no container engine runs here."""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from config.settings import Settings
from tests.helpers import ROOT

DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
SCRIPTS = sorted((DEPLOY / "bin").glob("*.sh"))
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
IMAGE = f"componentforge-jobs:{VERSION}"
REDIS_IMAGE = "redis:7.4"
CACHE_REDIS = "componentforge-redis-cache"  # its Deployment, Service and pod label
# Every credential compose needs, each from the environment as ${VAR:?message}.
CREDENTIALS = {
    "POSTGRES_PASSWORD", "REDIS_PASSWORD", "MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD",
    "FLOWER_PASSWORD", "TENANT_SECRETS_KEY", "METRICS_TOKEN", "RABBITMQ_PASSWORD",
}  # fmt: skip
SECRET_WORDS = re.compile(r"PASSWORD|PASS$|SECRET|TOKEN|_KEY|AUTH|CREDENTIAL")
# What the app's pods may reach: DNS, Redis, Postgres, HTTPS (S3, LLM, Figma).
EGRESS_PORTS = {53, 6379, 5432, 443}
# Options of the start scripts themselves (not settings); each must be used by a script.
SCRIPT_OPTIONS = {
    "API_HOST", "API_PORT", "API_WORKERS", "API_MAX_CONNECTIONS", "WORKER_POOL",
    "WORKER_CONCURRENCY", "WORKER_NAME", "FLOWER_HOST",
    "FLOWER_PORT", "EXPORTER_HOST", "EXPORTER_PORT", "EXPORTER_PYTHON",
    "PROMETHEUS_MULTIPROC_DIR", "MIGRATIONS_WAIT_S", "WEB_CONCURRENCY",
}  # fmt: skip
AWS = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"}
SETTINGS = {name.upper() for name in Settings.model_fields}
KNOWN_ENV = SETTINGS | SCRIPT_OPTIONS | AWS
HARD_LIMIT_S = Settings.model_fields["task_time_limit_s"].default


def load_all(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def k8s_docs() -> list[dict[str, Any]]:
    """The Kubernetes objects (kustomization.yaml is kustomize's, not the cluster's)."""
    paths = sorted(set(K8S.glob("*.yaml")) - {K8S / "kustomization.yaml"})
    return [doc for path in paths for doc in load_all(path)]


def k8s_object(kind: str, name: str) -> dict[str, Any]:
    return next(d for d in k8s_docs() if d["kind"] == kind and d["metadata"]["name"] == name)


def pod_containers() -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(owner name, pod spec, container) for every container of every workload."""
    for doc in k8s_docs():
        if doc["kind"] in ("Deployment", "StatefulSet", "Job"):
            pod = doc["spec"]["template"]["spec"]
            for container in pod.get("initContainers", []) + pod["containers"]:
                yield doc["metadata"]["name"], pod, container


def compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def logical_lines(script: Path) -> list[str]:
    """Non-blank, non-comment lines with backslash continuations joined."""
    text = re.sub(r"\\\n\s*", " ", script.read_text())
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


@pytest.mark.parametrize(
    "path",
    sorted([*DEPLOY.rglob("*.yml"), *DEPLOY.rglob("*.yaml")]),
    ids=lambda p: str(p.relative_to(DEPLOY)),
)
def test_every_yaml_file_parses(path: Path) -> None:
    assert load_all(path), f"{path} is empty"


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_start_scripts_are_strict_and_end_in_exec(script: Path) -> None:
    assert script.read_text().startswith("#!/usr/bin/env bash\n")
    lines = logical_lines(script)
    assert "set -euo pipefail" in lines
    # exec: the process replaces the shell, so a stop signal reaches it, not bash.
    assert lines[-1].startswith("exec "), f"last command: {lines[-1]}"
    assert script.stat().st_mode & 0o111, "not executable"
    subprocess.run(["bash", "-n", str(script)], check=True)


def test_scripts_read_only_known_variables() -> None:
    used = {name for script in SCRIPTS for name in re.findall(r"\$\{(\w+)", script.read_text())}
    assert used <= KNOWN_ENV, used - KNOWN_ENV
    assert used >= SCRIPT_OPTIONS, f"options no script reads: {SCRIPT_OPTIONS - used}"


def test_compose_app_services_run_existing_scripts_with_known_env() -> None:
    services = compose()["services"]
    assert {"redis", "postgres", "minio", "migrate", "api", "worker"} <= set(services)
    app_services = {name: s for name, s in services.items() if s.get("image") == IMAGE}
    assert {"migrate", "api", "worker"} <= set(app_services)
    for name, service in app_services.items():
        command = service["command"][0]
        assert command.startswith("deploy/bin/") and (ROOT / command).is_file(), name
        assert set(service["environment"]) <= KNOWN_ENV, name


def test_compose_runs_migrations_first_and_checks_health() -> None:
    services = compose()["services"]
    for name in ("api", "worker"):
        condition = services[name]["depends_on"]["migrate"]["condition"]
        assert condition == "service_completed_successfully", name
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("redis", "postgres", "minio"):
        assert services[name]["healthcheck"]["test"], name
    assert "/healthz" in " ".join(services["api"]["healthcheck"]["test"])
    env = services["api"]["environment"]
    assert env["S3_ENDPOINT_URL"] == "http://minio:9000"
    assert env["S3_PUBLIC_ENDPOINT_URL"] == "http://localhost:9000"
    assert env["DATABASE_URL"].startswith("postgresql+psycopg2://")
    assert "rabbitmq" in services["rabbitmq"]["profiles"]


def test_dockerfile_copies_what_exists_and_runs_unprivileged() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "FROM python:3.11-slim" in dockerfile
    sources = [
        source
        for line in dockerfile.splitlines()
        if line.startswith("COPY ") and not line.startswith("COPY --from=")  # a build stage's
        for source in line.split()[1:-1]
    ]
    for source in sources:
        assert (ROOT / source).exists(), source
    # The build context is the repo root; the ignore file is an allowlist of the sources.
    allowed = {
        line[1:]
        for line in (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
        if line.startswith("!")
    }
    assert set(sources) <= allowed, set(sources) - allowed
    # Every runtime package the project installs is in the image (devstack is local only).
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    runtime = {name.rstrip("*") for name in packages["packages"]["find"]["include"]}
    assert runtime - {"devstack"} <= set(sources), runtime - {"devstack"} - set(sources)
    assert "pip install . " in dockerfile or "pip install .\n" in dockerfile  # no extras
    assert re.search(r"^USER [1-9]\d*$", dockerfile, re.MULTILINE), "USER must be a non-root uid"
    cmd = re.search(r'^CMD \["([^"]+)"\]$', dockerfile, re.MULTILINE)
    assert cmd and (ROOT / cmd.group(1)).is_file()


def test_k8s_objects_are_well_formed() -> None:
    for doc in k8s_docs():
        assert doc.get("apiVersion") and doc.get("kind"), doc
        assert doc["metadata"]["name"]
        assert doc["kind"] == "Namespace" or doc["metadata"]["namespace"] == "componentforge"


def test_k8s_containers_run_existing_scripts_unprivileged_with_limits() -> None:
    seen = set()
    for owner, pod, container in pod_containers():
        where = f"{owner}/{container['name']}"
        seen.add(owner)
        if container["image"] == IMAGE:
            assert (ROOT / container["command"][0]).is_file(), where
        else:
            assert container["command"][0] == "redis-server", where
        assert {e["name"] for e in container.get("env", [])} <= KNOWN_ENV, where
        assert pod["securityContext"]["runAsNonRoot"] is True, where
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, where
        assert pod["automountServiceAccountToken"] is False, where
        assert container["securityContext"]["allowPrivilegeEscalation"] is False, where
        assert container["securityContext"]["readOnlyRootFilesystem"] is True, where
        assert container["securityContext"]["capabilities"] == {"drop": ["ALL"]}, where
        assert "privileged" not in container["securityContext"], where
        assert {"requests", "limits"} <= set(container["resources"]), where
    assert {"componentforge-api", "componentforge-worker", "componentforge-migrate"} <= seen


def test_k8s_settings_are_real_settings() -> None:
    config_map = k8s_object("ConfigMap", "componentforge-settings")
    assert set(config_map["data"]) <= KNOWN_ENV
    secret_file = K8S / "secret.example.yaml"
    secret = load_all(secret_file)[0]
    assert set(secret["stringData"]) <= KNOWN_ENV
    assert all("CHANGE-ME" in value for value in secret["stringData"].values())
    commented = set(re.findall(r"^\s*# (\w+): CHANGE-ME", secret_file.read_text(), re.M))
    assert commented <= KNOWN_ENV


def test_api_is_probed_spread_and_scaled() -> None:
    api = k8s_object("Deployment", "componentforge-api")
    pod = api["spec"]["template"]
    container = pod["spec"]["containers"][0]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    labels = pod["metadata"]["labels"]
    service = k8s_object("Service", "componentforge-api")
    assert service["spec"]["selector"].items() <= labels.items()
    pdb = k8s_object("PodDisruptionBudget", "componentforge-api")
    assert pdb["spec"]["selector"]["matchLabels"].items() <= labels.items()
    hpa = k8s_object("HorizontalPodAutoscaler", "componentforge-api")
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "componentforge-api",
    }
    assert hpa["spec"]["minReplicas"] >= 2 > pdb["spec"]["minAvailable"]
    assert "replicas" not in api["spec"], "the HPA owns the API's replica count"


def test_api_and_workers_wait_for_migrations() -> None:
    for kind, name in (
        ("Deployment", "componentforge-api"),
        ("StatefulSet", "componentforge-worker"),
    ):
        pod = k8s_object(kind, name)["spec"]["template"]["spec"]
        commands = [c["command"][0] for c in pod.get("initContainers", [])]
        assert commands == ["deploy/bin/wait-for-migrations.sh"], name
    job = k8s_object("Job", "componentforge-migrate")
    assert job["spec"]["template"]["spec"]["containers"][0]["command"] == ["deploy/bin/migrate.sh"]
    assert job["spec"]["ttlSecondsAfterFinished"] > 0  # so the next apply can recreate it


def test_kustomization_lists_every_manifest_but_the_example_secret() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    listed = set(kustomization["resources"])
    present = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == present - {"secret.example.yaml"}


def test_workers_get_longer_than_the_hard_time_limit_to_stop() -> None:
    configured_s = int(k8s_object("ConfigMap", "componentforge-settings")["data"].get(
        "TASK_TIME_LIMIT_S", HARD_LIMIT_S
    ))  # fmt: skip
    worker = k8s_object("StatefulSet", "componentforge-worker")
    grace_s = worker["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    assert grace_s > max(HARD_LIMIT_S, configured_s)
    stop_grace = compose()["services"]["worker"]["stop_grace_period"]
    assert int(stop_grace.removesuffix("s")) > HARD_LIMIT_S


def test_worker_spools_survive_the_pod() -> None:
    worker = k8s_object("StatefulSet", "componentforge-worker")
    spool_dir = k8s_object("ConfigMap", "componentforge-settings")["data"]["SPOOL_DIR"]
    container = worker["spec"]["template"]["spec"]["containers"][0]
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    claims = {c["metadata"]["name"] for c in worker["spec"]["volumeClaimTemplates"]}
    assert mounts[spool_dir] in claims  # a persistent volume, not an emptyDir
    service = k8s_object("Service", worker["spec"]["serviceName"])
    assert service["spec"]["clusterIP"] == "None"


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl not installed")
def test_kustomize_renders() -> None:
    rendered = subprocess.run(
        ["kubectl", "kustomize", str(K8S)], check=True, capture_output=True, text=True
    ).stdout
    kinds = {doc["kind"] for doc in yaml.safe_load_all(rendered) if doc}
    assert kinds == {
        "Namespace", "ConfigMap", "Service", "Deployment", "StatefulSet", "Job",
        "PodDisruptionBudget", "HorizontalPodAutoscaler", "NetworkPolicy",
        "ScaledObject", "TriggerAuthentication",
    }  # fmt: skip
    images = set(re.findall(r"^\s+image: (\S+)$", rendered, re.MULTILINE))
    assert images == {IMAGE, REDIS_IMAGE}


def test_compose_publishes_ports_on_this_machine_only() -> None:
    published = {
        name: port for name, service in compose()["services"].items()
        for port in service.get("ports", [])
    }  # fmt: skip
    assert {"api", "minio", "flower"} <= set(published)
    for name, port in published.items():
        assert str(port).startswith("127.0.0.1:"), (name, port)


def test_compose_takes_every_credential_from_the_environment() -> None:
    text = (DEPLOY / "docker-compose.yml").read_text()
    required = set(re.findall(r"\$\{(\w+):\?[^}]+\}", text))
    assert required == CREDENTIALS
    # No credential written in: a secret-looking variable's value is an interpolation.
    for name, service in compose()["services"].items():
        for var, value in (service.get("environment") or {}).items():
            if SECRET_WORDS.search(var):
                assert "${" in str(value), (name, var)
    uncommented = re.sub(r"(?m)^\s*#.*$", "", text)
    for value in re.findall(r"://[^:/@\s]*:([^@\s]+)@", uncommented):  # passwords in URLs
        assert value.startswith("${"), value
    # deploy/.env.example names each one, and gives none a value.
    example = (DEPLOY / ".env.example").read_text()
    listed = dict(re.findall(r"^(\w+)=(.*)$", example, re.MULTILINE))
    assert set(listed) == CREDENTIALS
    assert all(value == "" for value in listed.values())
    assert "deploy/.env" in (ROOT / ".gitignore").read_text().split()


def test_compose_keeps_passwords_off_command_lines() -> None:
    for name, service in compose()["services"].items():
        command = " ".join(service.get("command", []))
        assert not re.search(r"PASSWORD|requirepass|basic.auth|broker.url", command, re.I), name
    flower = (DEPLOY / "bin" / "flower.sh").read_text()
    assert "--basic-auth" not in flower and "export FLOWER_BASIC_AUTH" in flower


def test_flower_gets_the_brokers_credentials_only() -> None:
    # Its password can send tasks: whoever has it must not also get the app's secrets.
    flower = compose()["services"]["flower"]["environment"]
    assert set(flower) == {"REDIS_URL", "BROKER_URL", "FLOWER_BASIC_AUTH"}


def test_redis_refuses_writes_before_it_evicts() -> None:
    command = compose()["services"]["redis"]["command"]
    assert command[command.index("--maxmemory-policy") + 1] == "noeviction"
    assert command[command.index("--maxmemory") + 1]
    readme = (DEPLOY / "README.md").read_text()
    assert "maxmemory-policy noeviction" in readme and "RedisMemoryHigh" in readme


def test_images_are_pinned() -> None:
    images = [s["image"] for s in compose()["services"].values()] + [
        container["image"] for _, _, container in pod_containers()
    ]
    for image in images:
        name, _, tag = image.rpartition(":")
        assert name and tag and tag != "latest" and "/" not in tag, image
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    assert kustomization["images"] == [{"name": "componentforge-jobs", "newTag": VERSION}]
    assert {c["image"] for _, _, c in pod_containers()} == {IMAGE, REDIS_IMAGE}


def network_policies() -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d["spec"] for d in k8s_docs() if d["kind"] == "NetworkPolicy"}


def selects(spec: dict[str, Any], labels: dict[str, str]) -> bool:
    selector = spec["podSelector"]
    if not all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items()):
        return False
    return all(
        e["operator"] == "In" and labels.get(e["key"]) in e["values"]
        for e in selector.get("matchExpressions", [])
    )


def pod_labels() -> dict[str, dict[str, str]]:
    return {
        doc["metadata"]["name"]: doc["spec"]["template"]["metadata"]["labels"]
        for doc in k8s_docs()
        if doc["kind"] in ("Deployment", "StatefulSet", "Job")
    }


def test_network_policies_deny_by_default_and_allow_only_what_is_needed() -> None:
    policies = network_policies()
    # Default deny: every pod, both directions, no rule.
    deny = [p for p in policies.values() if p["podSelector"] == {} and not
            (p.get("ingress") or p.get("egress"))]  # fmt: skip
    assert deny and set(deny[0]["policyTypes"]) == {"Ingress", "Egress"}
    labels = pod_labels()
    # Every workload but the cache Redis (it calls nothing) can reach something (an
    # egress policy selects it), and only the allowed ports.
    assert not any(p["podSelector"] and selects(p, labels[CACHE_REDIS]) for p in policies.values()
                   if "Egress" in p["policyTypes"])  # fmt: skip
    for owner, pod in labels.items():
        if owner == CACHE_REDIS:
            continue
        egress = [p for p in policies.values() if "Egress" in p["policyTypes"]
                  and p["podSelector"] and selects(p, pod)]  # fmt: skip
        assert egress, owner
        ports = {port["port"] for p in egress for rule in p["egress"] for port in rule["ports"]}
        assert ports <= EGRESS_PORTS, (owner, ports - EGRESS_PORTS)
        assert 53 in ports, owner
    # Ingress: the API on its port; a worker's metrics port from Prometheus only.
    ingress = {name: p for name, p in policies.items() if "Ingress" in p["policyTypes"]
               and p["podSelector"]}  # fmt: skip
    api_rules = [r for p in ingress.values() if selects(p, labels["componentforge-api"])
                 for r in p["ingress"]]  # fmt: skip
    assert [port["port"] for r in api_rules for port in r["ports"]] == [8000]
    worker_rules = [r for p in ingress.values() if selects(p, labels["componentforge-worker"])
                    for r in p["ingress"]]  # fmt: skip
    assert [port["port"] for r in worker_rules for port in r["ports"]] == [9101]
    assert all(r.get("from") for r in worker_rules)  # from Prometheus, not from anyone
    assert not any(selects(p, labels["componentforge-migrate"]) for p in ingress.values())
    # The cache Redis: its port, from the API and workers only.
    cache_rules = [r for p in ingress.values() if selects(p, labels[CACHE_REDIS])
                   for r in p["ingress"]]  # fmt: skip
    assert [port["port"] for r in cache_rules for port in r["ports"]] == [6379]
    sources = [peer for r in cache_rules for peer in r["from"]]
    assert sources and all("namespaceSelector" not in peer for peer in sources)
    for peer in sources:
        allowed = [app for name, app in labels.items() if selects(peer, app)]
        assert allowed == [labels["componentforge-api"], labels["componentforge-worker"]], peer


def test_worker_metrics_listen_on_loopback_unless_deployed() -> None:
    assert Settings.model_fields["worker_metrics_host"].default == "127.0.0.1"
    worker = k8s_object("StatefulSet", "componentforge-worker")
    env = {
        e["name"]: e["value"] for e in worker["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    assert env["WORKER_METRICS_HOST"] == "0.0.0.0"  # behind the NetworkPolicy above
    assert compose()["services"]["worker"]["environment"]["WORKER_METRICS_HOST"] == "0.0.0.0"


def flags(command: list[str]) -> dict[str, str]:
    """A redis-server command line's `--name value` options."""
    return {arg[2:]: value for arg, value in itertools.pairwise(command) if arg.startswith("--")}


def memory_bytes(size: str) -> int:
    """Redis ("512mb") or Kubernetes ("640Mi") memory sizes, in bytes."""
    number, unit = re.fullmatch(r"(\d+)([a-zA-Z]*)", size).groups()  # type: ignore[union-attr]
    units = {"": 1, "kb": 1024, "mb": 2**20, "gb": 2**30, "Ki": 1024, "Mi": 2**20, "Gi": 2**30}
    return int(number) * units[unit]


def test_compose_cache_redis_evicts_and_job_redis_never_does() -> None:
    services = compose()["services"]
    job = flags(services["redis"]["command"])
    assert job["maxmemory-policy"] == "noeviction" and job["appendonly"] == "yes"
    cache = services["redis-cache"]
    options = flags(cache["command"])
    assert options["maxmemory-policy"] == "allkeys-lru"
    assert options["maxmemory"] == "${CACHE_REDIS_MAXMEMORY:-512mb}"
    assert options["appendonly"] == "no" and options["save"] == ""  # a cache: nothing kept
    assert cache["image"] == services["redis"]["image"] == REDIS_IMAGE
    assert cache["configs"] == services["redis"]["configs"]  # requirepass from the file
    assert cache["healthcheck"]["test"] == services["redis"]["healthcheck"]["test"]
    for name in ("api", "worker", "migrate"):
        env = services[name]["environment"]
        assert re.fullmatch(r"redis://:\$\{REDIS_PASSWORD:\?[^}]+\}@redis-cache:6379/0",
                            env["CACHE_REDIS_URL"]), name  # fmt: skip
        assert "@redis:6379/" in env["REDIS_URL"], name
    for name in ("api", "worker"):
        assert services[name]["depends_on"]["redis-cache"] == {"condition": "service_healthy"}
    example = (DEPLOY / ".env.example").read_text()
    assert "# CACHE_REDIS_MAXMEMORY=512mb" in example.splitlines()


def test_k8s_cache_redis_is_bounded_locked_and_wired() -> None:
    deployment = k8s_object("Deployment", CACHE_REDIS)
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    options = flags(container["command"])
    assert options["maxmemory-policy"] == "allkeys-lru"
    assert options["appendonly"] == "no" and options["save"] == ""
    maxmemory = memory_bytes(options["maxmemory"])
    limit = memory_bytes(container["resources"]["limits"]["memory"])
    # Room above maxmemory for fragmentation and buffers, but not a second cache's worth.
    assert maxmemory * 1.1 <= limit <= maxmemory * 1.5
    assert (
        container["resources"]["requests"]["memory"] == container["resources"]["limits"]["memory"]
    )
    # requirepass from a mounted secret file, never on the command line.
    assert container["command"][1] == "/usr/local/etc/redis/auth.conf"
    assert not re.search(r"requirepass|PASSWORD", " ".join(container["command"]), re.I)
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["auth"]["secret"]["secretName"] == CACHE_REDIS
    service = k8s_object("Service", CACHE_REDIS)
    assert (
        service["spec"]["selector"].items()
        <= deployment["spec"]["template"]["metadata"]["labels"].items()
    )
    assert service["spec"]["ports"][0]["port"] == 6379
    # The apps find it through CACHE_REDIS_URL, which carries its password: the secret's.
    secrets = load_all(K8S / "secret.example.yaml")
    assert f"@{CACHE_REDIS}:6379/" in secrets[0]["stringData"]["CACHE_REDIS_URL"]
    cache_secret = next(d for d in secrets if d["metadata"]["name"] == CACHE_REDIS)
    assert cache_secret["stringData"]["auth.conf"].startswith("requirepass ")
    assert "CACHE_REDIS_URL" not in k8s_object("ConfigMap", "componentforge-settings")["data"]
    readme = (DEPLOY / "README.md").read_text()
    assert "allkeys-lru" in readme and "Cache memory" in readme
