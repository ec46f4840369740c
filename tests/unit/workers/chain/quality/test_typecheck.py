"""Generated code under `tsc --strict` (when Node.js and the npm packages are there), and
the fallback to a TSX parse when they are not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from core.spec import COMPONENT_TYPES, JobSpec
from workers.chain import run_chain
from workers.chain.inputs.retrieval import rank
from workers.chain.providers.template import TemplateProvider
from workers.chain.quality import code_gate
from workers.chain.quality.typecheck import TypeChecker, TypeCheckUnavailable, checker
from workers.chain.steps import ValidateQuality
from workers.chain.types import ChainContext, GeneratedCode

HOSTILE = 'a "q" `t` ${x} </script> */ \u2028 line\nbreak & <b>'


# Requirements typed as React developers write them: literal unions (hostile ones too),
# arrays, callbacks whose signatures the component can and cannot satisfy, typed states.
TYPED: dict[str, Any] = {
    "props": [
        {"name": "children", "type": "React.ReactNode"},
        {"name": "tone", "type": "| 'primary' | 'secondary' | \"ghost\""},
        {"name": "hostile", "type": "'a\"b' | '</script>' | '${x}' | '*/' | 'it\\'s'"},
        {"name": "tags?", "type": "string[]"},
        {"name": "modes", "type": "('a' | 'b')[]"},
        {"name": "counts", "type": "Array<number>"},
        {"name": "caption", "type": "string | undefined"},
        {"name": "onClose", "type": "() => void"},
        {"name": "onPick", "type": "(value: string, index?: number) => void", "required": True},
        {"name": "onSave", "type": "() => Promise<void>"},
    ],
    "events": [
        {"name": "onClose", "type": "() => void"},
        {"name": "onClick", "type": "(event: React.MouseEvent<HTMLDivElement>) => void"},
        {"name": "onFocus", "type": "(event: React.FocusEvent<HTMLElement>) => void"},
        {"name": "onKeyDown",
         "type": "(event: React.KeyboardEvent<HTMLInputElement>, extra?: string) => void"},
        {"name": "onToggle", "type": "(checked: boolean) => void"},
        {"name": "onNative", "type": "(e: Event) => boolean"},
        {"name": "onMode", "type": "(mode: 'x' | 'y', list: string[]) => void"},
        {"name": "onChange", "type": "(event: React.ChangeEvent<HTMLSelectElement>) => void"},
    ],
    "states": [{"name": "value", "type": "string"}, {"name": "isPressed", "type": "boolean"},
               {"name": "total", "type": "number"}, {"name": "disabled"}],
    "accessibility": [{"name": "role", "description": "Should be 'status'"},
                      {"name": "aria-live"}, {"name": "aria-atomic"}, {"name": "aria-required"},
                      {"name": "aria-describedby"}, {"name": "aria-labelledby"},
                      {"name": "aria-invalid"}],
}  # fmt: skip


def typecheck_or_skip() -> TypeChecker:
    try:
        checker().check({"component.tsx": "export const ok: number = 1;\n"})
    except TypeCheckUnavailable as exc:
        pytest.skip(f"TypeScript checker unavailable: {exc}")
    return checker()


def varied_specs() -> list[JobSpec]:
    """All 10 types, each with proposed requirements, with a rich hostile set, with a
    minimal one and with TypeScript-typed ones: 40 inputs with different tokens, prop sets
    and names."""
    tokens_sets: list[dict[str, Any]] = [
        {"colors": {"brand": "#123456"}},
        {"colors": {"primary": "#fff", "text-1": "rgb(1, 2, 3)"}, "spacing": {"s": 4},
         "borderRadius": {"r": "2px"}, "typography": {"h1": "bold 20px 'A b'"},
         "shadows": {"low": "0px 1px 2px 0px rgba(0, 0, 0, 0.2)"}},
    ]  # fmt: skip
    rich = {
        "props": [
            {"name": "label", "type": "string", "required": True, "description": HOSTILE},
            {"name": "mode", "values": [HOSTILE, "plain", "x-y"]},
            {"name": "count", "type": "number"},
            {"name": "icon", "type": "node"},
            {"name": "onExtra", "type": "function"},
            {"name": "flag", "type": "boolean", "required": True},
        ],
        "events": [{"name": n} for n in ("click", "onFocus", "onChange", "custom")],
        "states": [{"name": "disabled"}, {"name": "loading"}, {"name": "error"},
                   {"name": "focus-visible"}, {"name": "default"}],
        "accessibility": [{"name": "aria-label"}, {"name": "keyboard"}, {"name": "role=status"}],
    }  # fmt: skip
    minimal = {"props": [{"name": "title", "type": "string"}]}
    variants = (("Proposed", None), ("Rich", rich), ("Minimal", minimal), ("Typed", TYPED))
    specs = []
    for index, component_type in enumerate(COMPONENT_TYPES):
        for variant, requirements in variants:
            specs.append(
                JobSpec.model_validate(
                    {
                        "component_name": f"{variant}{component_type.title()}{index}",
                        "component_type": component_type,
                        "source": {"figma_file_key": "k"},
                        "tokens": tokens_sets[index % 2],
                        "requirements": requirements,
                    }
                )
            )
    return specs


def test_every_generated_component_passes_tsc_strict() -> None:
    typecheck_or_skip()
    failures = {}
    for spec in varied_specs():
        result = run_chain(spec)
        typescript = result.quality["typescript"]
        assert typescript["checked"], typescript
        if any(typescript["errors"].values()):
            failures[spec.component_name] = typescript["errors"]
    assert failures == {}


def test_type_errors_are_reported_with_their_place() -> None:
    checker = typecheck_or_skip()
    diagnostics = checker.check(
        {"component.tsx": 'import React from "react";\nexport const n: number = "one";\n'}
    )
    [error] = diagnostics["component.tsx"]
    assert error["line"] == 2
    assert "not assignable to type 'number'" in error["message"]


def test_without_the_checker_the_report_says_parse_only(monkeypatch: pytest.MonkeyPatch) -> None:
    missing = TypeChecker(Path("/nonexistent/componentforge-tsc"), timeout_s=5)
    monkeypatch.setattr(code_gate, "checker", lambda: missing)
    code_gate.forget()  # verdicts of the real checker, earlier in this process
    spec = varied_specs()[0]
    result = run_chain(spec)
    assert result.quality["typescript"]["checked"] is False
    assert result.quality["tsx_parses"] == {"component.tsx": True, "stories.tsx": True}
    report = result.files["quality-report.html"].decode()
    assert "TypeScript check skipped" in report


def test_code_with_a_type_error_does_not_pass() -> None:
    typecheck_or_skip()
    spec = varied_specs()[2]  # minimal requirements
    good = run_chain(spec)
    component = (
        good.files["component.tsx"]
        .decode()
        .replace(
            "React.ReactElement {", 'React.ReactElement {\n  const broken: number = "text";', 1
        )
    )
    ctx = ChainContext(spec=spec, tokens=spec.tokens, requirements=spec.requirements)
    ctx.pattern = rank(spec, spec.requirements)[0][0]
    ctx.code = GeneratedCode(component, good.files["stories.tsx"].decode())
    ValidateQuality().run(ctx, TemplateProvider())
    assert ctx.quality["typescript"]["errors"]["component.tsx"] == 1
    assert ctx.quality["tsx_parses"]["component.tsx"] is True
    assert ctx.quality["passed"] is False
