"""code_gate.examine: one verdict per code, computed once however many jobs ask at once."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import pytest

from workers.chain.quality import code_gate
from workers.chain.quality.code_gate import Verdict
from workers.chain.quality.policy import Allowances


def test_jobs_asking_at_once_for_the_same_code_wait_for_one_verdict(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    computed: list[str] = []

    def slow_examine(files: dict[str, str], *, allow: Allowances) -> Verdict:
        computed.append(files["component.tsx"])
        time.sleep(0.2)  # the check and render of the first
        return Verdict([], {"checked": True, "version": "5", "diagnostics": {}})

    monkeypatch.setattr(code_gate, "_examine", slow_examine)
    code_gate.forget()
    same = {"component.tsx": f"export const a = '{uuid.uuid4().hex}';\n"}
    other = {"component.tsx": f"export const b = '{uuid.uuid4().hex}';\n"}
    verdicts: list[Any] = []

    def ask(files: dict[str, str]) -> None:
        verdicts.append(code_gate.examine(files, allow=Allowances.default()))

    threads = [threading.Thread(target=ask, args=(same,)) for _ in range(12)]
    threads.append(threading.Thread(target=ask, args=(other,)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(verdicts) == 13
    assert sorted(computed) == sorted([same["component.tsx"], other["component.tsx"]])


def test_a_verdict_not_worth_keeping_is_computed_again_by_each(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    computed = []

    def unavailable(files: dict[str, str], *, allow: Allowances) -> Verdict:
        computed.append(1)
        time.sleep(0.05)
        return Verdict([], {"checked": False, "reason": "no Node.js"})

    monkeypatch.setattr(code_gate, "_examine", unavailable)
    code_gate.forget()
    files = {"component.tsx": f"export const c = '{uuid.uuid4().hex}';\n"}
    threads = [
        threading.Thread(target=code_gate.examine, args=(files,),
                         kwargs={"allow": Allowances.default()})
        for _ in range(3)
    ]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(computed) == 3  # nothing remembered: a checker installed later is used
