"""The cache ladder from Postgres's answers: its SUMs are numeric (Decimal) columns."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

from workers.observability.dashboard_data import _ladder


def test_l0_from_decimal_sums_is_plain_numbers() -> None:
    l0 = SimpleNamespace(
        hits=Decimal(3), misses=Decimal(1), lookup_ms_sum=12.0, saved_usd=Decimal("0.5")
    )
    ladder = _ladder({}, l0, optional=frozenset({"L2", "L3"}))
    layer = next(entry for entry in ladder if entry["layer"] == "L0")
    assert layer["lookups"] == 4
    assert layer["hit_rate"] == 0.75
    assert layer["mean_lookup_ms"] == 3.0
    assert layer["saved_usd"] == 0.5
