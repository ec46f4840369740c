"""What a receiver's answer means, and when the next attempt is due."""

from __future__ import annotations

import pytest

from workers.webhooks.deliveries import Outcome
from workers.webhooks.delivery import judge
from workers.webhooks.schedule import MAX_ATTEMPTS, retry_delay_s


@pytest.mark.parametrize(
    ("status_code", "outcome"),
    [
        (200, Outcome.DELIVERED),
        (204, Outcome.DELIVERED),
        (410, Outcome.FAILED),
        (301, Outcome.RETRYING),
        (302, Outcome.RETRYING),
        (400, Outcome.RETRYING),
        (429, Outcome.RETRYING),
        (500, Outcome.RETRYING),
        (503, Outcome.RETRYING),
    ],
)
def test_answers(status_code: int, outcome: Outcome) -> None:
    assert judge(status_code).outcome is outcome


def test_a_redirect_says_it_was_not_followed() -> None:
    assert "not followed" in (judge(307).error or "")


def test_the_standard_webhooks_schedule() -> None:
    delays = [retry_delay_s(n, scale=1.0) for n in range(1, MAX_ATTEMPTS + 1)]
    assert delays == [5, 300, 1800, 7200, 18000, 36000, 36000, None]


def test_the_scale_shrinks_every_wait() -> None:
    assert retry_delay_s(1, scale=0.01) == pytest.approx(0.05)
    assert retry_delay_s(7, scale=0.01) == pytest.approx(360)
    assert retry_delay_s(MAX_ATTEMPTS, scale=0.01) is None
