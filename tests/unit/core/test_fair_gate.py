"""core.fair_gate: slots bounded, waiters served tenant by tenant in turn."""

from __future__ import annotations

import threading
import time

import pytest

from core.fair_gate import FairGate, party


def _waiter(gate: FairGate, who: str, order: list[str], hold_s: float = 0.0) -> threading.Thread:
    def run() -> None:
        with gate.slot(who):
            order.append(who)
            time.sleep(hold_s)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _until(condition: object, timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.005)


def test_a_lone_tenant_waits_for_one_grant_not_for_the_others_whole_queue() -> None:
    gate = FairGate(1)
    gate.acquire("a")  # the one slot, held
    order: list[str] = []
    threads = [_waiter(gate, "a", order) for _ in range(20)]
    _until(lambda: gate.waiting == 20)
    threads.append(_waiter(gate, "b", order))
    _until(lambda: gate.waiting == 21)
    gate.release()
    for thread in threads:
        thread.join(5)
    # A's first waiter had the turn when B arrived; B's one waiter comes next.
    assert order.index("b") == 1, order
    assert gate.held == 0


def test_tenants_alternate_while_all_wait() -> None:
    gate = FairGate(1)
    gate.acquire("x")
    order: list[str] = []
    threads = []
    for who in ["a"] * 4 + ["b"] * 4 + ["c"] * 2:
        threads.append(_waiter(gate, who, order))
        waiting = len(threads)
        _until(lambda waiting=waiting: gate.waiting == waiting)
    gate.release()
    for thread in threads:
        thread.join(5)
    assert order == ["a", "b", "c", "a", "b", "c", "a", "b", "a", "b"]


def test_never_more_holders_than_slots() -> None:
    gate = FairGate(3)
    holding, most = 0, 0
    lock = threading.Lock()

    def run(who: str) -> None:
        nonlocal holding, most
        with gate.slot(who):
            with lock:
                holding += 1
                most = max(most, holding)
            time.sleep(0.002)
            with lock:
                holding -= 1

    threads = [threading.Thread(target=run, args=(f"t{i % 4}",)) for i in range(60)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert most == 3
    assert gate.held == 0 and gate.waiting == 0


def test_a_wait_that_runs_out_leaves_no_trace() -> None:
    gate = FairGate(1)
    assert gate.acquire("a")
    assert gate.acquire("b", timeout_s=0.05) is False
    assert gate.waiting == 0
    gate.release()
    assert gate.acquire("b", timeout_s=0.05) is True  # the slot came back to the pool
    gate.release()
    assert gate.held == 0


def test_the_current_party_is_whom_the_job_works_for() -> None:
    gate = FairGate(1)
    gate.acquire("a")
    order: list[str] = []

    def run() -> None:
        party.set("tenant-b")
        with gate.slot():
            order.append(party.get())

    thread = threading.Thread(target=run)
    thread.start()
    _until(lambda: gate.waiting == 1)
    gate.release()
    thread.join(5)
    assert order == ["tenant-b"]


def test_a_gate_needs_a_slot() -> None:
    with pytest.raises(ValueError):
        FairGate(0)
