"""A tenant refused a stream slot is refused again for REFUSED_MEMO_S by the same process
without a Redis call; a slot it releases there ends that at once."""

from __future__ import annotations

from typing import Any

import pytest

from api import stream_slots
from api.stream_slots import TooManyStreams, refuse_if_recently_full, take_slot
from config.settings import Settings


class _Scripts:
    """Answers the slot script as Redis would: -1 (taken) or how many are held."""

    def __init__(self, held: int) -> None:
        self.held, self.calls = held, 0

    def eval(self, *_: Any) -> int:
        self.calls += 1
        return self.held

    def zrem(self, *_: Any) -> int:
        return 1


def test_a_refused_tenant_is_refused_again_without_redis_until_it_releases() -> None:
    settings = Settings(streams_per_tenant=2)
    tenant = "memo-tenant"
    full = _Scripts(held=2)
    with pytest.raises(TooManyStreams):
        take_slot(full, tenant, settings)  # type: ignore[arg-type]
    # Then the next open is refused in the process, before any Redis call
    with pytest.raises(TooManyStreams):
        refuse_if_recently_full(tenant, settings)
    assert full.calls == 1
    # And another tenant is not
    refuse_if_recently_full("another-tenant", settings)
    # When a slot of the tenant is released in this process, it may ask again at once
    slot = take_slot(_Scripts(held=-1), tenant, settings)  # type: ignore[arg-type]
    slot.release()
    refuse_if_recently_full(tenant, settings)


def test_the_memo_lapses(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(streams_per_tenant=1)
    with pytest.raises(TooManyStreams):
        take_slot(_Scripts(held=1), "lapsing", settings)  # type: ignore[arg-type]
    monkeypatch.setattr(stream_slots, "REFUSED_MEMO_S", 0.0)
    refuse_if_recently_full("lapsing", settings)
