"""A process's Node checkers (typecheck.CheckerPool): jobs waiting at once are
type-checked in one program, each job's diagnostics its own."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from config.settings import get_settings
from workers.chain.quality.typecheck import CheckerPool, TypeChecker, TypeCheckUnavailable

GOOD = "export const value: number = 1;\n"
BAD = 'export const value: number = "one";\n'
# No import or export: a script, whose names would be global to a program of many jobs.
SCRIPT = "const shared = 1;\nlet other: string = 'x';\n"


@pytest.fixture(scope="module")
def pool() -> Any:
    pool = CheckerPool(1, get_settings().tsc_deps_dir, timeout_s=30, batch=8)
    try:
        pool.check({"component.tsx": GOOD})
    except TypeCheckUnavailable as exc:
        pytest.skip(f"TypeScript checker unavailable: {exc}")
    yield pool
    pool.close()


def _concurrently(pool: CheckerPool, jobs: list[dict[str, str]]) -> list[Any]:
    results: list[Any] = [None] * len(jobs)

    def run(i: int) -> None:
        results[i] = pool.check(jobs[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_jobs_waiting_together_are_checked_in_one_program_each_with_its_own_diagnostics(
    pool: CheckerPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    batches: list[int] = []
    original = TypeChecker.check_batch

    def counted(self: TypeChecker, batch: Any) -> Any:
        batches.append(len(batch))
        return original(self, batch)

    monkeypatch.setattr(TypeChecker, "check_batch", counted)
    jobs = [{"component.tsx": BAD if i % 3 == 0 else GOOD} for i in range(12)]
    results = _concurrently(pool, jobs)
    for i, diagnostics in enumerate(results):
        codes = [d["code"] for d in diagnostics["component.tsx"]]
        assert codes == ([2322] if i % 3 == 0 else []), (i, diagnostics)
    assert sum(batches) == 12
    assert len(batches) < 12 and max(batches) <= 8


def test_one_jobs_scripts_never_share_a_scope_with_anothers(pool: CheckerPool) -> None:
    results = _concurrently(pool, [{"component.tsx": SCRIPT, "stories.tsx": SCRIPT}] * 6)
    assert all(r == {"component.tsx": [], "stories.tsx": []} for r in results), results


def test_a_checker_that_cannot_start_fails_every_job_of_its_batch() -> None:
    missing = CheckerPool(1, Path("/nonexistent/componentforge-tsc"), timeout_s=5, batch=4)
    for outcome in _outcomes(missing, 4):
        assert isinstance(outcome, TypeCheckUnavailable)


def _outcomes(pool: CheckerPool, count: int) -> list[Any]:
    outcomes: list[Any] = [None] * count

    def run(i: int) -> None:
        try:
            outcomes[i] = pool.check({"component.tsx": GOOD})
        except TypeCheckUnavailable as exc:
            outcomes[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


class _Stopped(BaseException):
    """A job's time limit, raised in the job that carries a batch."""


def test_a_carrier_stopped_mid_check_leaves_the_others_to_ask_again(
    pool: CheckerPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = TypeChecker.check_batch
    batches: list[int] = []

    def first_stops(self: TypeChecker, batch: Any) -> Any:
        batches.append(len(batch))
        if len(batches) == 1:
            raise _Stopped()  # the carrier's time limit, mid-check
        return original(self, batch)

    monkeypatch.setattr(TypeChecker, "check_batch", first_stops)
    outcomes: list[Any] = [None] * 5

    def run(i: int) -> None:
        try:
            outcomes[i] = pool.check({"component.tsx": BAD if i % 2 else GOOD})
        except _Stopped as exc:
            outcomes[i] = exc

    pool._gate.acquire("someone")  # all five wait, so the first granted carries them all
    threads = [threading.Thread(target=run, args=(i,)) for i in range(5)]
    for thread in threads:
        thread.start()
    while len(pool._waiting) < 5:
        time.sleep(0.005)
    pool._gate.release()
    for thread in threads:
        thread.join(60)
    assert batches[0] == 5
    stopped = [i for i, outcome in enumerate(outcomes) if isinstance(outcome, _Stopped)]
    assert len(stopped) == 1  # only the stopped job sees its stop; the others asked again
    for i, outcome in enumerate(outcomes):
        if i not in stopped:
            codes = [d["code"] for d in outcome["component.tsx"]]
            assert codes == ([2322] if i % 2 else []), (i, outcome)
