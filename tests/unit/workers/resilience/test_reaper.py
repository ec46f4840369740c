"""The reaper's decision (workers.resilience.reaper.decide): given what a sweep read about
a job, leave it, re-queue it, fail it, or drop it from the index."""

from __future__ import annotations

from typing import Any

import pytest

from config.settings import Settings
from workers.resilience.reaper import Action, Observed, decide

STALE_AFTER_S = 60.0
MAX_DELIVERIES = 10


def observed(**overrides: Any) -> Observed:
    """An orphan by default: running, idle past the bound, no lease, no message."""
    values: dict[str, Any] = {
        "status": "running",
        "idle_s": STALE_AFTER_S + 1,
        "lease_held": False,
        "in_broker": False,
        "deliveries": 1,
    }
    return Observed(**(values | overrides))


def judge(job: Observed) -> Action:
    return decide(job, stale_after_s=STALE_AFTER_S, max_deliveries=MAX_DELIVERIES)


@pytest.mark.parametrize("status", ["queued", "running"])
def test_a_live_job_with_no_lease_no_message_and_no_progress_is_requeued(status: str) -> None:
    assert judge(observed(status=status)) is Action.REQUEUE


def test_a_queued_job_that_never_ran_is_requeued() -> None:
    assert judge(observed(status="queued", deliveries=0)) is Action.REQUEUE


def test_a_job_whose_deliveries_are_spent_is_failed() -> None:
    assert judge(observed(deliveries=MAX_DELIVERIES)) is Action.FAIL
    assert judge(observed(deliveries=MAX_DELIVERIES - 1)) is Action.REQUEUE


@pytest.mark.parametrize(
    "alive",
    [
        {"lease_held": True},  # a delivery runs it
        {"in_broker": True},  # its message waits its turn (or is held for a retry)
        {"idle_s": STALE_AFTER_S - 1},  # progress within the bound
        {"lease_held": True, "deliveries": MAX_DELIVERIES},  # spent, but running now
        {"in_broker": True, "deliveries": MAX_DELIVERIES},  # the pipeline will fail it
    ],
)
def test_a_job_with_a_lease_a_message_or_recent_progress_is_left(alive: dict[str, Any]) -> None:
    assert judge(observed(**alive)) is Action.LEAVE


@pytest.mark.parametrize("status", ["succeeded", "failed", None])
def test_an_ended_or_expired_job_is_dropped_from_the_index(status: str | None) -> None:
    assert judge(observed(status=status, lease_held=True)) is Action.FORGET


def test_the_stale_bound_defaults_to_the_visibility_timeout_plus_the_lease() -> None:
    settings = Settings(
        task_time_limit_s=150, task_soft_time_limit_s=120, job_lease_s=30,
        broker_visibility_timeout_s=0, reaper_stale_after_s=0,
    )  # fmt: skip
    assert settings.broker_visibility_timeout_s == 180
    assert settings.reaper_stale_after_s == 210
    assert Settings(reaper_stale_after_s=45).reaper_stale_after_s == 45
