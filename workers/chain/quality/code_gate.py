"""Whether generated code may ship: the allow-list policy first, then (only for code the
policy allows) one request to the Node checker that type-checks the files and renders
every story in a sandbox. A policy finding, a trap the render hit, a render that threw
or did not finish in time: each is a finding, and code with a finding is never shipped
or cached. Code the policy refused is never run.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Any

from config.settings import get_settings
from workers.chain.quality.policy import Allowances, Finding, check_files
from workers.chain.quality.typecheck import RenderReport, TypeCheckUnavailable, checker


@dataclass
class Verdict:
    """What the gate found: `findings` refuse the code; `typescript` is the type-check
    (as the quality step reports it); `render` is None when no render ran (`note` why)."""

    findings: list[Finding]
    typescript: dict[str, Any] = field(default_factory=dict)
    render: RenderReport | None = None
    note: str | None = None


# The same code gets the same verdict: the template generator is deterministic, so jobs
# with other sources but the same tokens and requirements write identical files. A few
# hundred verdicts per process (without the rendered markup) spare their type-check and
# render.
REMEMBERED = 256
_remembered: OrderedDict[str, Verdict] = OrderedDict()
# Verdicts being computed: jobs of a burst with the same code (hundreds at once on the
# gevent pool) wait for the first one's instead of each checking and rendering it.
_computing: dict[str, threading.Event] = {}
_lock = threading.Lock()
FOLLOW_S = 120.0  # longest a job waits for another's verdict before computing its own


def examine(files: dict[str, str], *, allow: Allowances) -> Verdict:
    """The gate's verdict on `files`; remembered by content when complete."""
    key = _key(files, allow)
    with _lock:
        if (known := _recall(key)) is not None:
            return known
        leading = _computing.get(key)
        if leading is None:
            _computing[key] = threading.Event()
    if leading is not None:
        leading.wait(FOLLOW_S)
        with _lock:
            if (known := _recall(key)) is not None:
                return known
        return _examine(files, allow=allow)  # the first found nothing worth keeping
    try:
        verdict = _examine(files, allow=allow)
        if _complete(verdict):
            with _lock:
                _remembered[key] = _without_markup(verdict)
                while len(_remembered) > REMEMBERED:
                    _remembered.popitem(last=False)
        return verdict
    finally:
        with _lock:
            _computing.pop(key).set()


def _recall(key: str) -> Verdict | None:
    """A remembered verdict (the caller holds the lock)."""
    known = _remembered.get(key)
    if known is not None:
        _remembered.move_to_end(key)
    return known


def forget() -> None:
    """Drop every remembered verdict (a checker installed or replaced)."""
    with _lock:
        _remembered.clear()


def _key(files: dict[str, str], allow: Allowances) -> str:
    settings = get_settings()
    what = [sorted(files.items()), sorted(allow.packages), sorted(allow.hosts),
            settings.render_check, settings.render_timeout_s]  # fmt: skip
    return hashlib.sha256(json.dumps(what).encode()).hexdigest()


def _complete(verdict: Verdict) -> bool:
    """Worth remembering: the checker answered (a time-out may not recur on a quiet
    machine; an unavailable checker may be installed)."""
    if not verdict.typescript.get("checked") and not verdict.findings:
        return False
    report = verdict.render
    return report is None or not (report.timed_out or any(s.timed_out for s in report.stories))


def _without_markup(verdict: Verdict) -> Verdict:
    if verdict.render is None:
        return verdict
    stories = tuple(replace(story, html="") for story in verdict.render.stories)
    return replace(verdict, render=replace(verdict.render, stories=stories))


def _examine(files: dict[str, str], *, allow: Allowances) -> Verdict:
    findings = check_files(files, allow=allow)
    if findings:
        return Verdict(findings, {"checked": False, "reason": "the code policy refused it"})
    settings = get_settings()
    try:
        if not settings.render_check:
            diagnostics = checker().check(files)
            report, note = None, "the sandboxed render is off (RENDER_CHECK)"
        else:
            diagnostics, report = checker().check_and_render(
                files,
                allowed_packages=sorted(allow.packages),
                url_hosts=sorted(allow.hosts),
                timeout_s=settings.render_timeout_s,
            )
            note = None
    except TypeCheckUnavailable as exc:
        reason = str(exc)
        return Verdict([], {"checked": False, "reason": reason}, None, f"not rendered: {reason}")
    typescript = {"checked": True, "version": checker().version, "diagnostics": diagnostics}
    return Verdict(render_findings(report) if report else [], typescript, report, note)


def render_findings(report: RenderReport) -> list[Finding]:
    """The render's traps, errors and time-outs as findings (one each per story)."""
    found = [
        Finding(f"render-{trap.kind}", "component.tsx", 0, 0,
                f"story {trap.story or '(module)'}: {trap.detail}")
        for trap in report.traps
    ]  # fmt: skip
    if report.error:
        rule = "render-timeout" if report.timed_out else "render-error"
        found.append(Finding(rule, "stories.tsx", 0, 0, report.error[:300]))
    for story in report.stories:
        if story.timed_out:
            late = f"story {story.name} did not finish rendering in time"
            found.append(Finding("render-timeout", "stories.tsx", 0, 0, late))
        elif story.error and not any(t.story == story.name for t in report.traps):
            found.append(Finding("render-error", "stories.tsx", 0, 0,
                                 f"story {story.name} threw: {story.error[:300]}"))  # fmt: skip
    return found
