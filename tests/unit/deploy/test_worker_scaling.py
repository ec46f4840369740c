"""The workers' KEDA ScaledObject: wired to the real queue, and its arithmetic; and the
pool each worker runs (gevent, hundreds of jobs in flight) wherever it is deployed.

KEDA feeds the HPA one external metric per trigger; for the redis scaler (AverageValue)
the HPA wants ceil(LLEN / listLength) replicas, clamped to [min, max], and reaches it
step by step as the scale-up policies allow (the larger of the policies, per period).
"""

from __future__ import annotations

import math
import os
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from config.settings import Settings
from devstack.processes import DEFAULT_CONCURRENCY, DEFAULT_WORKER_POOL, default_pool
from tests.helpers import ROOT
from tests.unit.deploy.kustomize import K8S

TENANT_QUOTA = Settings.model_fields["default_max_in_flight"].default


def load(name: str) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all((K8S / name).read_text()) if doc]


def scaled_object() -> dict[str, Any]:
    return next(d for d in load("worker-scaledobject.yaml") if d["kind"] == "ScaledObject")


def desired_replicas(queued: int, list_length: int, minimum: int, maximum: int) -> int:
    """The HPA's count for an AverageValue metric: ceil(total / target), clamped."""
    return max(minimum, min(maximum, math.ceil(queued / list_length)))


def scale_up_steps(start: int, target: int, policies: list[dict[str, Any]]) -> list[int]:
    """Replicas after each scale-up period, with selectPolicy Max (the larger change)."""
    steps = [start]
    while steps[-1] < target:
        current = steps[-1]
        allowed = max(
            current * p["value"] // 100 if p["type"] == "Percent" else p["value"] for p in policies
        )
        steps.append(min(target, current + allowed))
    return steps


def worker_env() -> dict[str, str]:
    worker = next(d for d in load("worker.yaml") if d["kind"] == "StatefulSet")
    container = worker["spec"]["template"]["spec"]["containers"][0]
    return {e["name"]: e["value"] for e in container["env"]}


def trigger_of(kind: str) -> dict[str, Any]:
    (trigger,) = [t for t in scaled_object()["spec"]["triggers"] if t["type"] == kind]
    return trigger


def test_queued_jobs_scale_workers_from_min_to_max() -> None:
    spec = scaled_object()["spec"]
    trigger = trigger_of("redis")
    list_length = int(trigger["metadata"]["listLength"])
    low, high = spec["minReplicaCount"], spec["maxReplicaCount"]
    assert (low, high, list_length) == (1, 10, 300)  # deploy/README.md "Scaling" shows these
    # The list holds only what no pod has taken: a full pod with more than listLength
    # waiting behind it (fewer than its own slots) gets a second.
    assert list_length < int(worker_env()["WORKER_CONCURRENCY"])
    assert desired_replicas(0, list_length, low, high) == low
    assert desired_replicas(300, list_length, low, high) == 1
    assert desired_replicas(500, list_length, low, high) == 2
    assert desired_replicas(2_000, list_length, low, high) == 7
    assert desired_replicas(5_000, list_length, low, high) == high  # 17: capped
    behavior = spec["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]
    up = behavior["scaleUp"]
    assert up["selectPolicy"] == "Max" and up["stabilizationWindowSeconds"] == 0
    assert {p["periodSeconds"] for p in up["policies"]} == {15}
    # 1 -> 5 (+4 pods beats +100%) -> 10 (+100% and +4 both reach the cap): two periods.
    assert scale_up_steps(low, high, up["policies"]) == [1, 5, 10]


def test_the_trigger_reads_the_queue_the_workers_consume() -> None:
    settings = next(d for d in load("configmap.yaml") if d["kind"] == "ConfigMap")["data"]
    broker = urlsplit(settings["BROKER_URL"])
    assert broker.scheme == "redis"  # the base trigger is the redis scaler
    trigger = trigger_of("redis")
    metadata = trigger["metadata"]
    assert metadata["address"] == f"{broker.hostname}:{broker.port}"
    assert metadata["databaseIndex"] == broker.path.strip("/")
    assert metadata["listName"] == settings["GENERATION_QUEUE"]
    # The password comes from a Secret through the TriggerAuthentication, not from here.
    auth = next(d for d in load("worker-scaledobject.yaml") if d["kind"] == "TriggerAuthentication")
    assert trigger["authenticationRef"]["name"] == auth["metadata"]["name"]
    (ref,) = auth["spec"]["secretTargetRef"]
    assert ref["parameter"] == "password"
    secrets = {d["metadata"]["name"]: d for d in load("secret.example.yaml")}
    assert ref["key"] in secrets[ref["name"]]["stringData"]
    assert not any("password" in key.lower() for key in metadata)


def test_in_flight_work_per_pod_scales_the_workers() -> None:
    """Jobs running (mostly waiting on models) and queued, against a share of a pod's
    greenlets: the gauge the workers export, summed, with the queue celery-exporter reads."""
    from workers.observability.metrics import JOBS_IN_FLIGHT

    trigger = trigger_of("prometheus")
    query = trigger["metadata"]["query"]
    assert f"sum({JOBS_IN_FLIGHT._name})" in query
    settings = next(d for d in load("configmap.yaml") if d["kind"] == "ConfigMap")["data"]
    assert f'queue_name="{settings["GENERATION_QUEUE"]}"' in query
    per_pod = int(trigger["metadata"]["threshold"])
    assert trigger.get("metricType", "AverageValue") == "AverageValue"
    assert TENANT_QUOTA <= per_pod < int(worker_env()["WORKER_CONCURRENCY"])
    assert desired_replicas(1_000, per_pod, 1, 10) == 5


def test_keda_owns_the_worker_count_and_scale_down_lets_jobs_finish() -> None:
    scaled = scaled_object()
    worker = next(d for d in load("worker.yaml") if d["kind"] == "StatefulSet")
    assert scaled["spec"]["scaleTargetRef"] == {
        "apiVersion": worker["apiVersion"], "kind": "StatefulSet",
        "name": worker["metadata"]["name"],
    }  # fmt: skip
    assert "replicas" not in worker["spec"], "KEDA owns the worker count"
    # A StatefulSet keeps each worker's spool claim; min 1 keeps one worker to replay it.
    assert worker["spec"]["volumeClaimTemplates"] and scaled["spec"]["minReplicaCount"] >= 1
    grace_s = worker["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    settings = next(d for d in load("configmap.yaml") if d["kind"] == "ConfigMap")["data"]
    assert grace_s > int(settings["TASK_TIME_LIMIT_S"])
    # SIGTERM reaches Celery itself (worker.sh ends in exec): a warm shutdown, no preStop.
    assert "lifecycle" not in worker["spec"]["template"]["spec"]["containers"][0]
    down = scaled["spec"]["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]["scaleDown"]
    assert down["stabilizationWindowSeconds"] >= 300
    # One pod at a time, no faster than a pod can drain: one shutdown in flight at once.
    assert all(p["type"] == "Pods" and p["value"] == 1 and p["periodSeconds"] >= grace_s
               for p in down["policies"])  # fmt: skip
    assert scaled["spec"]["fallback"]["replicas"] >= scaled["spec"]["minReplicaCount"]


def test_api_scales_on_cpu_it_requests() -> None:
    hpa = next(d for d in load("api-hpa.yaml") if d["kind"] == "HorizontalPodAutoscaler")
    (metric,) = hpa["spec"]["metrics"]
    assert metric["resource"]["name"] == "cpu"
    assert metric["resource"]["target"]["type"] == "Utilization"
    api = next(d for d in load("api.yaml") if d["kind"] == "Deployment")
    # Utilization is a share of the request: without one the HPA cannot compute it.
    assert api["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]["cpu"]


def worker_sh_args(tmp_path: Path, **env: str) -> list[str]:
    """The arguments deploy/bin/worker.sh gives celery (a stub that prints them)."""
    stub = tmp_path / "bin" / "celery"
    stub.parent.mkdir(exist_ok=True)
    stub.write_text('#!/bin/sh\nprintf "%s\\n" "$@"\n')
    stub.chmod(0o755)
    run_env = {"PATH": f"{stub.parent}:{os.environ['PATH']}",
               "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"), **env}  # fmt: skip
    script = str(ROOT / "deploy" / "bin" / "worker.sh")
    done = subprocess.run(["bash", script], env=run_env, check=True, capture_output=True, text=True)
    return done.stdout.splitlines()


def pool_and_concurrency(args: list[str]) -> tuple[str, int]:
    return args[args.index("--pool") + 1], int(args[args.index("--concurrency") + 1])


def test_workers_default_to_gevent_with_more_slots_than_a_tenants_quota(tmp_path: Path) -> None:
    # More slots than one tenant may fill: its whole quota leaves slots for the others.
    assert pool_and_concurrency(worker_sh_args(tmp_path)) == ("gevent", 400)
    assert DEFAULT_WORKER_POOL == "gevent" and DEFAULT_CONCURRENCY["gevent"] > TENANT_QUOTA
    for pool, concurrency in DEFAULT_CONCURRENCY.items():  # devstack starts workers alike
        assert pool_and_concurrency(worker_sh_args(tmp_path, WORKER_POOL=pool)) == (
            pool, concurrency,
        )  # fmt: skip
    args = worker_sh_args(tmp_path, WORKER_POOL="prefork", WORKER_CONCURRENCY="3")
    assert pool_and_concurrency(args) == ("prefork", 3)
    # A RabbitMQ broker keeps prefork (README: Workers), in devstack alike.
    for url in ("amqp://guest:guest@rabbit:5672//", "amqps://rabbit//"):
        assert pool_and_concurrency(worker_sh_args(tmp_path, BROKER_URL=url)) == ("prefork", 2)
        assert default_pool({"BROKER_URL": url}) == "prefork"
    redis_broker = {"BROKER_URL": "redis://redis:6379/0"}
    assert pool_and_concurrency(worker_sh_args(tmp_path, **redis_broker)) == ("gevent", 400)
    assert default_pool(redis_broker) == "gevent" and default_pool({}) == "gevent"
    compose = yaml.safe_load((ROOT / "deploy" / "docker-compose.yml").read_text())
    for env in (compose["services"]["worker"]["environment"], worker_env()):
        assert env.get("WORKER_POOL", "gevent") == "gevent"
        assert int(env.get("WORKER_CONCURRENCY", 400)) > TENANT_QUOTA
        # Set: 0 would start one ~450 MB Node checker per core of the host or node.
        assert int(env["CHECKER_PROCESSES"]) >= 1
    worker = next(d for d in load("worker.yaml") if d["kind"] == "StatefulSet")
    resources = worker["spec"]["template"]["spec"]["containers"][0]["resources"]
    assert float(resources["requests"]["cpu"]) == int(worker_env()["CHECKER_PROCESSES"])
