"""Holding a delivery (issue 10 item 1): what it cannot make durable, it tries again, then
gives back to the broker; never lets Celery drop or ack it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import redis
from celery.exceptions import Reject

from config.settings import Settings
from workers.resilience import hold


@pytest.fixture(autouse=True)
def _no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hold.time, "sleep", lambda _s: None)


def _failing(times: int, error: Exception) -> tuple[list[int], Callable[[], str]]:
    calls: list[int] = []

    def action() -> str:
        calls.append(1)
        if len(calls) <= times:
            raise error
        return "done"

    return calls, action


def test_a_publish_that_fails_for_a_while_is_tried_again() -> None:
    # Given a retry whose publish fails twice (retry() then raises Reject, requeue=False)
    calls, action = _failing(2, Reject(redis.ConnectionError("refused"), requeue=False))
    # When the task holds it, Then the third try's outcome is returned
    assert hold.hold("job-1", "publish its retry", action) == "done"
    assert len(calls) == 3


def test_what_still_fails_goes_back_to_the_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a failure that the job-state Redis cannot record for longer than the hold
    monkeypatch.setattr(hold, "get_settings", lambda: Settings(hold_s=3.0))
    calls, action = _failing(1000, redis.ConnectionError("refused"))
    # When the task holds it, Then the message is requeued, not dropped or acked
    with pytest.raises(Reject) as given_back:
        hold.hold("job-1", "record its failure", action)
    assert given_back.value.requeue is True
    assert "Redis unavailable" in str(given_back.value.reason)
    assert 1 < len(calls) < 10


def test_an_error_waiting_will_not_fix_is_raised_at_once() -> None:
    calls, action = _failing(1, ValueError("a bug"))
    with pytest.raises(ValueError):
        hold.hold("job-1", "record its failure", action)
    assert len(calls) == 1
