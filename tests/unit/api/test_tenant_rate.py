"""api.tenant_rate: a tenant's requests per second in one API process."""

from __future__ import annotations

import pytest

from api import tenant_rate
from api.tenant_rate import TooManyRequests
from config.settings import Settings


def test_a_tenant_past_its_rate_is_refused_and_others_are_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [1000.0]
    monkeypatch.setattr(tenant_rate.time, "monotonic", lambda: now[0])
    settings = Settings(tenant_requests_per_s=10, tenant_requests_burst_s=2)
    # Given a burst of two seconds' worth
    for _ in range(20):
        tenant_rate.take("rate-a", settings)
    # Then the next is refused, saying when to retry
    with pytest.raises(TooManyRequests) as refused:
        tenant_rate.take("rate-a", settings)
    assert refused.value.reset_s == pytest.approx(0.1)
    # And another tenant is not; nor is the first after a tenth of a second
    tenant_rate.take("rate-b", settings)
    now[0] += 0.1
    tenant_rate.take("rate-a", settings)


def test_zero_means_no_limit() -> None:
    settings = Settings(tenant_requests_per_s=0)
    for _ in range(1000):
        tenant_rate.take("unbounded", settings)
