"""The workers' KEDA ScaledObject: wired to the real queue, and its arithmetic.

KEDA feeds the HPA one external metric per trigger; for the redis scaler (AverageValue)
the HPA wants ceil(LLEN / listLength) replicas, clamped to [min, max], and reaches it
step by step as the scale-up policies allow (the larger of the policies, per period).
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlsplit

import yaml

from tests.unit.deploy.kustomize import K8S

QUEUED_JOBS = 500


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


def test_500_queued_jobs_scale_workers_from_min_to_max() -> None:
    spec = scaled_object()["spec"]
    (trigger,) = spec["triggers"]
    list_length = int(trigger["metadata"]["listLength"])
    low, high = spec["minReplicaCount"], spec["maxReplicaCount"]
    assert (low, high, list_length) == (1, 10, 10)  # deploy/README.md "Scaling" shows these
    assert desired_replicas(0, list_length, low, high) == low
    assert math.ceil(QUEUED_JOBS / list_length) == 50  # > max: capped
    assert desired_replicas(QUEUED_JOBS, list_length, low, high) == high
    # Fewer jobs than max * listLength (100) get fewer workers: 25 queued -> 3.
    assert desired_replicas(25, list_length, low, high) == 3
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
    (trigger,) = scaled_object()["spec"]["triggers"]
    assert trigger["type"] == "redis"
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
