"""Deliveries go to a queue of their own, which every worker consumes, under time limits
of their own that their claim outlasts."""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

import pytest

from config.settings import Settings
from workers.webhooks.delivery import attempt_limits, no_answer
from workers.webhooks.dispatcher import generation_queues, webhook_queue_of

WORKER_SH = Path(__file__).parents[4] / "deploy" / "bin" / "worker.sh"


def test_the_webhook_queue_is_derived_from_the_generation_queue() -> None:
    assert Settings(generation_queue="gen").webhook_queue == "gen.webhooks"
    assert Settings(generation_queue="gen", webhook_queue="hooks").webhook_queue == "hooks"


def test_deliveries_of_each_generation_queue_go_to_its_webhook_queue() -> None:
    settings = Settings(generation_queue="gen", webhook_queue="hooks")
    assert webhook_queue_of("gen", settings) == "hooks"
    assert webhook_queue_of("other", settings) == "other.webhooks"


def test_a_worker_publishes_the_deliveries_of_the_generation_queues_it_serves() -> None:
    settings = Settings(generation_queue="gen", webhook_queue="hooks")
    assert generation_queues(["gen", "hooks"], settings) == ["gen"]
    assert generation_queues(["hooks"], settings) == ["gen"]
    assert generation_queues(["x.webhooks", "y"], settings) == ["x", "y"]


@pytest.mark.parametrize("timeout_s", [0.5, 10.0, 200.0])
def test_an_attempts_claim_outlasts_its_hard_time_limit(timeout_s: float) -> None:
    limits = attempt_limits(Settings(webhook_timeout_s=timeout_s))
    assert timeout_s < limits.soft_s < limits.hard_s < limits.claim_s


def test_the_generation_time_limits_do_not_apply_to_an_attempt() -> None:
    settings = Settings(task_soft_time_limit_s=120, task_time_limit_s=150)
    assert attempt_limits(settings).hard_s < settings.task_soft_time_limit_s


def test_a_slow_receiver_is_named_as_such() -> None:
    assert no_answer(Settings(webhook_timeout_s=10.0)) == (
        "the receiver did not answer within 10 s"
    )


@pytest.mark.parametrize(
    ("env", "queues"),
    [
        ({}, "generation,generation.webhooks"),
        ({"GENERATION_QUEUE": "gen"}, "gen,gen.webhooks"),
        ({"GENERATION_QUEUE": "gen", "WEBHOOK_QUEUE": "hooks"}, "gen,hooks"),
    ],
)
def test_worker_sh_consumes_the_webhook_queue_too(
    tmp_path: Path, env: dict[str, str], queues: str
) -> None:
    # A `celery` first on PATH that prints the arguments it was started with.
    fake = tmp_path / "celery"
    fake.write_text('#!/usr/bin/env bash\nprintf "%s\\n" "$@"\n')
    fake.chmod(0o755)
    environment = {
        "PATH": f"{tmp_path}:{os.environ['PATH']}",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        **env,
    }
    done = subprocess.run(
        ["bash", str(WORKER_SH)], env=environment, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    args = done.stdout.splitlines()
    assert args[args.index("--queues") + 1] == queues, shlex.join(args)
