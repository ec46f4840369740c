"""What the sandboxed render says about quality: axe-core's violations on each story,
stories that set different args but look the same on screen, and visible text that is
only the component's own name. Each is a check in the quality score."""

from __future__ import annotations

import re
from itertools import combinations
from typing import Any

from workers.chain.quality.typecheck import RenderReport


def _check(name: str, passed: bool, detail: str) -> dict[str, Any]:
    return {"name": name, "passed": passed, "detail": detail}


def axe_checks(report: RenderReport) -> list[dict[str, Any]]:
    """One failed check per axe rule violated (in any story); one passed check when
    every story is clean."""
    by_rule: dict[str, list[str]] = {}
    impact: dict[str, str] = {}
    for story in report.stories:
        for violation in story.axe:
            nodes = ", ".join(violation.nodes[:3]) or "the story"
            by_rule.setdefault(violation.rule, []).append(f"{story.name}: {nodes}")
            impact[violation.rule] = violation.impact or "unknown"
    if not by_rule:
        rendered = sum(1 for story in report.stories if not story.error)
        return [_check("axe: no violations", rendered > 0, f"{rendered} stories checked")]
    return [
        _check(f"axe: {rule} ({impact[rule]})", False, "; ".join(where[:4]))
        for rule, where in sorted(by_rule.items())
    ]


def identical_stories(report: RenderReport) -> list[tuple[str, str]]:
    """Pairs of stories that set the same arg to different values (VariantPrimary and
    VariantGhost, SizeSm and SizeLg) yet render the same on screen. A story that leaves
    an arg to its default (Default) is compared with none: it may well equal one."""
    rendered = [s for s in report.stories if not s.error and s.screen]
    return [
        (a.name, b.name)
        for a, b in combinations(rendered, 2)
        if a.screen == b.screen and _set_differently(a.args, b.args)
    ]


def _set_differently(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return any(key in b and a[key] != b[key] for key in a)


def story_checks(report: RenderReport, component_name: str) -> list[dict[str, Any]]:
    checks = []
    same = identical_stories(report)
    pairs = ", ".join(f"{a} = {b}" for a, b in same[:6])
    checks.append(
        _check("stories: each renders differently", not same,
               f"render the same on screen: {pairs}" if same else "every story differs")
    )  # fmt: skip
    named = [s.name for s in report.stories if _shows_name(s.text, component_name)]
    checks.append(
        _check("stories: text from props, not the component's name", not named,
               f"shows {component_name!r} as text: {', '.join(named[:6])}" if named
               else "no story shows the component's name")
    )  # fmt: skip
    return checks


def _shows_name(text: str, component_name: str) -> bool:
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", component_name)
    return any(
        re.search(rf"(?<![A-Za-z0-9]){re.escape(form)}(?![A-Za-z0-9])", text, re.IGNORECASE)
        for form in {component_name, spaced}
    )


def summary(report: RenderReport | None, note: str | None) -> dict[str, Any]:
    """The render's part of the quality summary (status document and report)."""
    if report is None:
        return {"checked": False, "reason": note or "not rendered"}
    return {
        "checked": True,
        "stories": [s.name for s in report.stories],
        "traps": [{"kind": t.kind, "story": t.story, "detail": t.detail} for t in report.traps],
        "errors": {s.name: s.error for s in report.stories if s.error},
        "identical_stories": [list(pair) for pair in identical_stories(report)],
        "axe": [
            {"story": s.name, "rule": v.rule, "impact": v.impact, "help": v.help,
             "nodes": list(v.nodes[:5])}
            for s in report.stories for v in s.axe
        ],
    }  # fmt: skip
