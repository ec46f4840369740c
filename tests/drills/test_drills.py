"""Every fault drill, with short outages, as part of `make test` (`make chaos` runs them
with 30 s outages and prints the table)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack.chaos.counts import Counts, table
from devstack.chaos.crashes import rabbitmq_url
from devstack.chaos.drills import DRILLS, Drill, run_drill
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


@pytest.fixture(scope="module")
def rabbitmq_stack(workdir: Path) -> Iterator[ChaosStack]:
    """The stack with RabbitMQ as its broker (TEST_RABBITMQ_URL, or 127.0.0.1:5672)."""
    if (url := rabbitmq_url()) is None:
        pytest.skip("no RabbitMQ answers (TEST_RABBITMQ_URL, or 127.0.0.1:5672)")
    chaos_dir = workdir / "chaos-rabbitmq"
    chaos_dir.mkdir()
    with chaos_stack(dict(os.environ), chaos_dir, rabbitmq_url=url) as stack:
        yield stack


def _param(drill: Drill) -> object:
    # On the gevent pool every kill of the worker-kill drill is a whole worker's (it has
    # no pool process to kill alone): its jobs come back after the visibility timeout.
    marks = [pytest.mark.timeout(240)] if drill.name == "worker-kill" else []
    return pytest.param(drill, id=drill.name, marks=marks)


@pytest.mark.parametrize("drill", [_param(d) for d in DRILLS])
def test_drill_loses_nothing(request: pytest.FixtureRequest, drill: Drill) -> None:
    name = "rabbitmq_stack" if drill.broker == "rabbitmq" else "stack"
    stack: ChaosStack = request.getfixturevalue(name)
    counts: Counts = run_drill(stack, drill, outage_s=OUTAGE_S, burst=BURST, say=lambda _: None)
    assert counts.in_flight_at_fault >= 50, table([counts])  # it ran under load
    assert counts.passed, table([counts])
    assert getattr(counts, drill.felt) > 0, table([counts])  # the fault reached the jobs
