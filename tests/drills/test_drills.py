"""Every fault drill, with short outages, as part of `make test` (`make chaos` runs them
with 30 s outages and prints the table)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack.chaos.drills import DRILLS, Counts, Drill, run_drill, table
from devstack.chaos.stack import ChaosStack, chaos_stack

pytestmark = pytest.mark.integration
OUTAGE_S = 6.0
BURST = 64  # so that at least 50 are still in flight when the fault starts


@pytest.fixture(scope="module")
def stack(workdir: Path) -> Iterator[ChaosStack]:
    chaos_dir = workdir / "chaos"
    chaos_dir.mkdir()
    with chaos_stack(dict(os.environ), chaos_dir) as stack:
        yield stack


@pytest.mark.parametrize("drill", DRILLS, ids=[d.name for d in DRILLS])
def test_drill_loses_nothing(stack: ChaosStack, drill: Drill) -> None:
    counts: Counts = run_drill(stack, drill, outage_s=OUTAGE_S, burst=BURST, say=lambda _: None)
    assert counts.in_flight_at_fault >= 50, table([counts])  # it ran under load
    assert counts.passed, table([counts])
    assert getattr(counts, drill.felt) > 0, table([counts])  # the fault reached the jobs
