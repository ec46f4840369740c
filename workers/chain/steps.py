"""The five agent steps, each a unit with a name and a run(ctx, provider)."""

from __future__ import annotations

import json
from typing import Any

from config.settings import get_settings
from core.errors import CodeRefused, GenerationError
from workers.chain.codegen.component_model import build_model
from workers.chain.inputs.figma_tokens import extract_tokens
from workers.chain.inputs.retrieval import rank
from workers.chain.providers.template import TemplateProvider, styling
from workers.chain.quality.checks import (
    accessibility_checks,
    check_requirements,
    parse_problem,
    token_adherence,
    token_usage,
)
from workers.chain.quality.code_gate import Verdict, examine
from workers.chain.quality.policy import Allowances, Finding, check_files
from workers.chain.quality.render_checks import axe_checks, story_checks
from workers.chain.quality.render_checks import summary as render_summary
from workers.chain.quality.report_html import render_report
from workers.chain.types import ChainContext, GeneratedCode, Pattern, Provider, Step
from workers.observability import metrics

PASS_SCORE = 0.8


class ExtractTokens:
    name = "extract_tokens"

    def run(self, ctx: ChainContext, provider: Provider) -> None:
        source = ctx.spec.source
        if ctx.spec.tokens is not None:
            ctx.tokens, ctx.tokens_origin = ctx.spec.tokens, "given"
        elif source.figma_file is not None:
            ctx.tokens, ctx.tokens_origin = extract_tokens(source.figma_file), "figma_file"
        elif source.figma_file_key is not None:
            if ctx.figma is None:
                raise GenerationError("figma_file_key given but no Figma client is configured")
            key = source.figma_file_key
            ctx.tokens = extract_tokens(ctx.figma.file(key), ctx.figma.styles(key))
            ctx.tokens_origin = f"figma:{key}"
        else:  # the job contract requires tokens for screenshots
            raise GenerationError("no tokens and no Figma file to extract them from")


class ProposeRequirements:
    name = "propose_requirements"

    def run(self, ctx: ChainContext, provider: Provider) -> None:
        if ctx.spec.requirements is not None:
            ctx.requirements, ctx.requirements_origin = ctx.spec.requirements, "given"
            return
        ctx.requirements = provider.propose_requirements(ctx)
        ctx.requirements_origin = f"proposed by {provider.name}"
        ctx.notes.append(f"requirements were not given; {provider.name} proposed them")


def pick_pattern(ctx: ChainContext) -> Pattern:
    """The job's pattern (and the top candidates), ranked once per job: the L3 look-up
    needs the pick before retrieve_pattern runs, and retrieve_pattern then keeps it."""
    if ctx.pattern is None:
        ranked = rank(ctx.spec, ctx.requirements)
        ctx.pattern = ranked[0][0]
        ctx.pattern_candidates = [(pattern.id, score) for pattern, score in ranked[:3]]
    return ctx.pattern


class RetrievePattern:
    name = "retrieve_pattern"

    def run(self, ctx: ChainContext, provider: Provider) -> None:
        pick_pattern(ctx)


class GenerateCode:
    name = "generate_code"

    def run(self, ctx: ChainContext, provider: Provider) -> None:
        styling(ctx)
        if ctx.layer == "L3":
            # The pattern is already styled for these tokens: the code is rendered from it
            # with the job's requirements, with no model call.
            ctx.code = TemplateProvider().generate_code(ctx)
            return
        code = provider.generate_code(ctx)
        if provider.name != TemplateProvider.name:
            verdict = examine(_files(code), allow=_allowances(ctx))
            findings = list(verdict.findings)
            if not findings and verdict.render is None and get_settings().render_required:
                why = verdict.note or "the sandboxed render did not run"
                findings.append(Finding("render-unavailable", "component.tsx", 0, 0, why))
            if findings:
                code = _refuse(ctx, provider, findings)
            else:
                ctx.verdict = (code, verdict)  # validate_quality reuses it for this code
        ctx.code = code


def _refuse(ctx: ChainContext, provider: Provider, findings: list[Finding]) -> GeneratedCode:
    """The model's code is not shipped: counted, recorded, and replaced by the template's
    code, or the job fails with the findings when it asked for model code only. Asking
    the model again would ask a model already steered (by its input or otherwise)."""
    for finding in findings:
        metrics.CODE_POLICY_VIOLATIONS.labels(rule=finding.rule).inc()
    rules = ", ".join(sorted({f.rule for f in findings}))
    if (ctx.spec.options.refused_code or get_settings().code_fallback) == "fail":
        first = findings[0]
        raise CodeRefused(
            f"{provider.name}'s code was refused ({rules}; first: {first.file} line "
            f'{first.line}: {first.detail}); submit with options.refused_code "template" '
            "to get the template's code instead"
        )
    ctx.code_policy = {"provider": provider.name, "action": "fell back to the template",
                       "findings": [f.as_dict() for f in findings]}  # fmt: skip
    ctx.notes.append(
        f"generate_code: {provider.name}'s code was refused ({rules}); the template "
        "provider's code replaced it"
    )
    return TemplateProvider().generate_code(ctx)


def cacheable(quality: dict[str, Any]) -> bool:
    """Only code that passed, with no finding at any stage, is written to a cache: a
    result the model's refused code led to is not reused."""
    policy = quality.get("policy", {})
    return (
        bool(quality.get("passed"))
        and not policy.get("findings")
        and not policy.get("final_findings")
    )


class ValidateQuality:
    name = "validate_quality"

    def run(self, ctx: ChainContext, provider: Provider) -> None:
        assert ctx.code and ctx.requirements and ctx.tokens and ctx.pattern
        code = ctx.code.component_tsx
        problems = {
            "component.tsx": parse_problem(code),
            "stories.tsx": parse_problem(ctx.code.stories_tsx),
        }
        verdict = _verdict(ctx)
        typescript = ctx.typescript or verdict.typescript
        if not typescript.get("checked"):
            ctx.notes.append(
                f"TypeScript check skipped ({typescript.get('reason')}); TSX was parse-checked only"
            )
        checks = _compile_checks(problems, typescript)
        checks += _policy_checks(verdict.findings)
        model = build_model(ctx.spec, ctx.requirements)
        requirement_checks = check_requirements(ctx.requirements, model, code)
        checks += requirement_checks
        if verdict.render is not None:
            checks += axe_checks(verdict.render) + story_checks(
                verdict.render, ctx.spec.component_name
            )
        else:  # no render: what the source shows of accessibility
            checks += accessibility_checks(model, code)
        verifiable = [c for c in checks if c["passed"] is not None]
        score = sum(1 for c in verifiable if c["passed"]) / len(verifiable) if verifiable else 0.0
        # Code that does not parse or type-check fails, whatever else it gets right.
        compiles = all(p is None for p in problems.values()) and not any(
            typescript.get("diagnostics", {}).values()
        )
        ctx.quality = {
            "score": round(score, 3),
            # Code with a finding fails, however good it is otherwise.
            "passed": score >= PASS_SCORE and compiles and not verdict.findings,
            "tsx_parses": {name: problem is None for name, problem in problems.items()},
            "requirements": {
                "total": len(requirement_checks),
                "implemented": sum(1 for c in requirement_checks if c["passed"]),
                "missing": [c["name"] for c in requirement_checks if c["passed"] is False],
                "origin": ctx.requirements_origin,
            },
            "tokens": _token_summary(ctx, code),
            "typescript": _typescript_summary(typescript),
            "pattern_candidates": [[pid, score] for pid, score in ctx.pattern_candidates],
            "checks": checks,
            "policy": {
                "findings": ctx.code_policy.get("findings", []),
                "action": ctx.code_policy.get("action", "none"),
                "final_findings": [f.as_dict() for f in verdict.findings],
            },
            "render": render_summary(verdict.render, verdict.note),
        }
        if ctx.reuse:
            ctx.quality["reuse"] = ctx.reuse
        ctx.report_html = render_report(
            component_name=ctx.spec.component_name,
            component_type=ctx.spec.component_type,
            quality=ctx.quality,
            pattern_id=ctx.pattern.id,
            candidates=ctx.pattern_candidates,
            notes=ctx.notes,
        )


def _verdict(ctx: ChainContext) -> Verdict:
    """The gate's verdict on the final code: the one generate_code reached for this very
    code, else a new one. An L2 neighbour's adapted code carries its type-check and is
    not rendered again (its source was, before it was cached)."""
    assert ctx.code is not None
    if ctx.verdict is not None and ctx.verdict[0] == ctx.code:
        return ctx.verdict[1]
    files = _files(ctx.code)
    if ctx.typescript is not None:
        findings = check_files(files, allow=_allowances(ctx))
        return Verdict(findings, ctx.typescript, None, "adapted from a rendered neighbour")
    return examine(files, allow=_allowances(ctx))


def _allowances(ctx: ChainContext) -> Allowances:
    return ctx.allow or Allowances.default()


def _compile_checks(
    problems: dict[str, str | None], typescript: dict[str, Any]
) -> list[dict[str, Any]]:
    """One check per file that must parse, and per file tsc --strict looked at."""
    checks = [
        {"name": f"parses: {name}", "passed": problem is None, "detail": problem or "TSX"}
        for name, problem in problems.items()
    ]
    for name, diagnostics in typescript.get("diagnostics", {}).items():
        detail = "; ".join(f"{d['line']}:{d['column']} {d['message']}" for d in diagnostics[:3])
        checks.append({"name": f"tsc --strict: {name}", "passed": not diagnostics,
                       "detail": detail or "no errors"})  # fmt: skip
    return checks


def _files(code: GeneratedCode) -> dict[str, str]:
    return {"component.tsx": code.component_tsx, "stories.tsx": code.stories_tsx}


def _policy_checks(findings: list[Finding]) -> list[dict[str, Any]]:
    """One failed check per finding in the final code (none when it is clean)."""
    return [
        {"name": f"policy: {f.rule}", "passed": False,
         "detail": f"{f.file} line {f.line}, column {f.column}: {f.detail}"}
        for f in findings
    ]  # fmt: skip


def _token_summary(ctx: ChainContext, code: str) -> dict[str, Any]:
    assert ctx.tokens is not None
    declared = styling(ctx).declarations
    applied, unused = token_usage(list(declared), code)
    adherence = token_adherence(code, {str(v) for v in declared.values()})
    return {
        "applied": applied,
        "unused": unused,
        "origin": ctx.tokens_origin,
        "adherence": adherence,
    }


def _typescript_summary(typescript: dict[str, Any]) -> dict[str, Any]:
    """The type-check's outcome without its diagnostics (the checks carry them): error
    counts per file when it ran."""
    summary = {k: v for k, v in typescript.items() if k != "diagnostics"}
    if typescript["checked"]:
        summary["errors"] = {n: len(d) for n, d in typescript["diagnostics"].items()}
    return summary


STEPS: tuple[Step, ...] = (
    ExtractTokens(),
    ProposeRequirements(),
    RetrievePattern(),
    GenerateCode(),
    ValidateQuality(),
)
STEP_NAMES = tuple(step.name for step in STEPS)


def pretty_json(value: object) -> bytes:
    return (json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()
