"""The real celery-exporter and Flower, watching a real worker run jobs."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
from prometheus_client.parser import text_string_to_metric_families

from devstack import processes
from tests.helpers import broker_of_its_own, make_job, queue_job, wait_for_end

pytestmark = pytest.mark.integration
FLOWER_AUTH = ("operator", f"pw-{uuid.uuid4().hex[:12]}")


def succeeded_total(metrics_url: str) -> float:
    text = httpx.get(metrics_url).text
    return sum(
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "celery_task_succeeded_total" and s.labels.get("name") == "generation.run"
    )


def test_exporter_and_flower_see_the_jobs(
    workdir: Path, start_worker: Callable[..., Any], api: httpx.Client
) -> None:
    # Given the exporter and Flower watching a broker, and a worker on a queue of its own
    broker = broker_of_its_own(os.environ["REDIS_URL"])
    env = {**os.environ, "BROKER_URL": broker}
    exporter, metrics_url = processes.start_exporter(env=env, workdir=workdir)
    flower, flower_url = processes.start_flower(
        env=env, workdir=workdir, basic_auth=":".join(FLOWER_AUTH)
    )
    try:
        # Flower's password is in its environment, never on a command line anyone can read
        assert not any(
            FLOWER_AUTH[1] in " ".join(p.info["cmdline"] or [])
            for p in psutil.process_iter(["cmdline"])
        )
        queue = f"watched-{uuid.uuid4().hex[:8]}"
        start_worker(queue=queue, concurrency=2, env={"BROKER_URL": broker})
        # When three jobs run
        sent = [
            queue_job(queue, make_job(component_name=f"Watched{n}Button"), broker_url=broker)
            for n in range(3)
        ]
        for job_id in sent:
            assert wait_for_end(api, job_id)["status"] == "succeeded"
        # Then the exporter counts them as succeeded generation.run tasks
        deadline = time.monotonic() + 20
        while succeeded_total(metrics_url) < 3 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert succeeded_total(metrics_url) == 3
        # And Flower refuses strangers and lists the tasks to its operator
        assert httpx.get(f"{flower_url}/api/tasks").status_code == 401
        assert httpx.get(f"{flower_url}/api/tasks", auth=("operator", "wrong")).status_code == 401
        deadline = time.monotonic() + 20
        while True:
            listed = httpx.get(f"{flower_url}/api/tasks", auth=FLOWER_AUTH)
            assert listed.status_code == 200
            if set(sent) <= set(listed.json()) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        tasks = listed.json()
        assert set(sent) <= set(tasks)
        assert {tasks[j]["state"] for j in sent} == {"SUCCESS"}
        assert {tasks[j]["name"] for j in sent} == {"generation.run"}
    finally:
        flower.stop()
        exporter.stop()
