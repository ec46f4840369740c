"""Template components rendered story by story in the sandbox, as a React developer would
look at them: every story renders without a trap or an error, stories that set a variant
or size differently look different on screen, no visible text is only the component's
name, and the quality step counts both (needs Node.js and `make install`'s packages)."""

from __future__ import annotations

import pytest

from core.spec import JobSpec
from tests.unit.workers.chain.codegen.test_story_styles import axis_specs, generate, sample_specs
from tests.unit.workers.chain.quality.test_typecheck import varied_specs
from workers.chain.quality.render_checks import identical_stories, story_checks
from workers.chain.quality.typecheck import RenderReport, TypeCheckUnavailable, checker


def render(spec: JobSpec) -> RenderReport:
    code = generate(spec)
    files = {"component.tsx": code.component_tsx, "stories.tsx": code.stories_tsx}
    try:
        _, report = checker().check_and_render(files, allowed_packages=[], timeout_s=5.0, axe=False)
    except TypeCheckUnavailable as exc:
        pytest.skip(f"no render here: {exc}")
    return report


def specs() -> list[JobSpec]:
    """30 template components of every type: one styled-axes set per type (variant and
    size enums, states), the proposed requirements of each type, and ten samples."""
    proposed = [s for s in varied_specs() if s.component_name.startswith("Proposed")]
    axes = list({spec.component_type: spec for spec in axis_specs()}.values())
    chosen = axes + proposed + sample_specs()[:10]
    assert len(chosen) >= 25
    return chosen


def test_every_story_of_every_template_renders_and_differs() -> None:
    pairs, same, named = 0, [], []
    for spec in specs():
        report = render(spec)
        assert report.error is None and not report.traps, (spec.component_name, report)
        assert all(s.error is None for s in report.stories), spec.component_name
        axis = [s for s in report.stories if s.name.startswith(("Variant", "Size"))]
        pairs += len(axis) * (len(axis) - 1) // 2
        same += [(spec.component_name, a, b) for a, b in identical_stories(report)]
        checks = story_checks(report, spec.component_name)
        if not checks[1]["passed"]:
            named.append((spec.component_name, checks[1]["detail"]))
    print(f"\n{len(specs())} components, {pairs} variant/size story pairs, "
          f"{len(same)} rendering the same, {len(named)} showing their own name")  # fmt: skip
    assert pairs >= 60
    assert same == []
    assert named == []


def test_stories_that_look_the_same_are_a_failed_check() -> None:
    spec = axis_specs()[0]
    code = generate(spec)
    # The same component with every style map emptied: variants no longer show.
    flat = code.stories_tsx.replace('variant: "', 'variant: "x').replace('size: "', 'size: "x')
    files = {"component.tsx": code.component_tsx, "stories.tsx": flat}
    try:
        _, report = checker().check_and_render(files, allowed_packages=[], timeout_s=5.0, axe=False)
    except TypeCheckUnavailable as exc:
        pytest.skip(f"no render here: {exc}")
    [differ, _] = story_checks(report, spec.component_name)
    assert differ["passed"] is False and "render the same on screen" in differ["detail"]
