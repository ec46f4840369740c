"""Adapting a neighbour's code to a job (L2 hits): the result is byte for byte what the
template renderer writes for the job's name and tokens, or NotAdaptable says why not."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from core.spec import JobSpec
from core.tokens import Tokens
from tests.unit.workers.chain.quality.test_typecheck import typecheck_or_skip, varied_specs
from workers.chain.codegen.adapt import NotAdaptable, adapt, declared_names
from workers.chain.codegen.token_styles import token_vars
from workers.chain.providers.template import TemplateProvider
from workers.chain.quality.checks import parse_problem
from workers.chain.types import ChainContext, GeneratedCode

EXEMPLAR_DIR = Path(__file__).resolve().parents[5] / "samples" / "exemplars"
EXEMPLARS = sorted(EXEMPLAR_DIR.glob("*.json"))
HOSTILE_VALUES = ('a"b', "a\\b", "${x}", "a\nb", "a\u2028b", "</script><!--", "*/ `t` & 'q'")


def render(spec: JobSpec) -> tuple[GeneratedCode, dict[str, str | int | float]]:
    """What the template provider generates for `spec`, and the token declarations."""
    assert spec.tokens is not None
    ctx = ChainContext(spec=spec, tokens=spec.tokens)
    provider = TemplateProvider()
    ctx.requirements = spec.requirements or provider.propose_requirements(ctx)
    return provider.generate_code(ctx), token_vars(spec.tokens).declarations


def nudged(value: Any) -> Any:
    """Every token value changed but still valid: hex colours, pixel sizes, numbers."""
    if isinstance(value, dict):
        return {k: nudged(v) for k, v in value.items()}
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return value
    if isinstance(value, int | float):
        return value + 1
    value = re.sub(r"#[0-9A-Fa-f]{6}\b", "#0A0B0C", value)
    return re.sub(r"(\d+)px", lambda m: f"{int(m.group(1)) + 1}px", value)


def exemplar_path(stem: str) -> Path:
    return EXEMPLAR_DIR / f"{stem}.json"


def exemplar(path: Path, **changes: Any) -> JobSpec:
    return JobSpec.model_validate({**json.loads(path.read_text()), **changes})


@pytest.mark.parametrize("path", EXEMPLARS, ids=lambda p: p.stem)
def test_exemplar_adapted_to_a_new_name_and_tokens_is_what_the_renderer_writes(
    path: Path,
) -> None:
    original = exemplar(path)
    code, declarations = render(original)
    assert original.tokens is not None
    tokens = nudged(original.tokens.model_dump(mode="json", exclude_none=True))
    job = exemplar(path, component_name="PrimaryActionWidget", tokens=tokens)
    expected, new_declarations = render(job)
    assert new_declarations != declarations  # the values really moved

    adapted = adapt(
        code,
        old_name=original.component_name,
        new_name="PrimaryActionWidget",
        declarations=new_declarations,
    )

    assert adapted == expected
    assert declared_names(adapted) == sorted(new_declarations)


def test_every_type_and_requirement_set_renames_exactly() -> None:
    """40 varied specs (all types, hostile and typed requirements, style axes and sample
    texts) renamed to one-word and many-word names."""
    mismatches = []
    for spec in varied_specs():
        code, _ = render(spec)
        for new_name in ("Zed", "GreatBigName9"):
            job = spec.model_copy(update={"component_name": new_name})
            expected, declarations = render(job)
            adapted = adapt(
                code, old_name=spec.component_name, new_name=new_name, declarations=declarations
            )
            if adapted != expected:
                mismatches.append((spec.component_name, new_name))
    assert mismatches == []


def test_the_same_name_changes_only_token_values() -> None:
    original = exemplar(EXEMPLARS[0])
    code, _ = render(original)
    assert original.tokens is not None
    tokens = nudged(original.tokens.model_dump(mode="json", exclude_none=True))
    expected, declarations = render(exemplar(EXEMPLARS[0], tokens=tokens))
    name = original.component_name
    assert adapt(code, old_name=name, new_name=name, declarations=declarations) == expected


def test_numbers_are_written_as_the_renderer_writes_them() -> None:
    spec = JobSpec.model_validate(
        {
            "component_name": "Badge",
            "component_type": "badge",
            "source": {"figma_file_key": "k"},
            "tokens": {"colors": {"brand": "#123456"}, "typography": {"weight": 600}},
        }
    )
    code, _ = render(spec)
    bumped = spec.model_copy(update={"tokens": Tokens.model_validate(
        {"colors": {"brand": "#123456"}, "typography": {"weight": 700}, }
    )})  # fmt: skip
    expected, new_declarations = render(bumped)
    assert any(isinstance(v, int) for v in new_declarations.values())
    assert (
        adapt(code, old_name="Badge", new_name="Badge", declarations=new_declarations) == expected
    )


# --- hostile token values --------------------------------------------------------------


def button_code() -> tuple[GeneratedCode, dict[str, str | int | float]]:
    return render(exemplar(exemplar_path("button")))


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_hostile_values_stay_inside_their_string_literal(value: str) -> None:
    code, declarations = button_code()
    hostile = {name: value for name in declarations}

    adapted = adapt(code, old_name="Button", new_name="Button", declarations=hostile)

    assert parse_problem(adapted.component_tsx) is None
    assert declared_names(adapted) == sorted(declarations)
    literal = re.search(r'"--cf-color-primary": (".*"),', adapted.component_tsx)
    assert literal is not None and json.loads(literal.group(1)) == value
    inside = literal.group(1)[1:-1]
    assert re.search(r'(?<!\\)"', inside.replace("\\\\", "")) is None  # no bare quote
    for raw in ("\n", "\u2028", "${", "</", "`"):
        assert raw not in inside


@pytest.mark.parametrize("family", ['"Inter", "Segoe UI", sans-serif', "A\nB", "A\u2028B"])
def test_hostile_values_the_renderer_accepts_give_its_output(family: str) -> None:
    def with_family(name: str, value: str) -> JobSpec:
        body = json.loads(exemplar_path("button").read_text())
        body["tokens"]["typography"]["fontFamily"] = value
        return JobSpec.model_validate({**body, "component_name": name})

    code, _ = render(with_family("Button", "Inter"))
    expected, declarations = render(with_family("Pushy", family))

    adapted = adapt(code, old_name="Button", new_name="Pushy", declarations=declarations)

    assert adapted == expected
    assert parse_problem(adapted.component_tsx) is None


# --- refusals --------------------------------------------------------------------------


def refuses(code: GeneratedCode, match: str, **kwargs: Any) -> None:
    _, declarations = button_code()
    arguments: dict[str, Any] = {"old_name": "Button", "new_name": "Pushy"}
    arguments["declarations"] = declarations
    arguments.update(kwargs)
    with pytest.raises(NotAdaptable, match=match):
        adapt(code, **arguments)


def with_component(code: GeneratedCode, old: str, new: str) -> GeneratedCode:
    assert old in code.component_tsx
    return GeneratedCode(code.component_tsx.replace(old, new, 1), code.stories_tsx)


@pytest.mark.parametrize("taken", ["React", "Default", "Story", "styles", "css"])
def test_refuses_a_new_name_already_used_in_the_code(taken: str) -> None:
    code, _ = button_code()
    refuses(code, "already occurs", new_name=taken)


def test_refuses_a_new_name_whose_props_interface_name_is_taken() -> None:
    code, _ = button_code()
    code = with_component(code, "const css", "type PushyProps = string;\nconst css")
    refuses(code, "already occurs")


def test_refuses_a_new_class_name_already_used() -> None:
    code, _ = button_code()
    code = with_component(code, "{border-style", " .cf-pushy{color:red}{border-style")
    refuses(code, "class cf-pushy already occurs")


def test_refuses_when_the_old_name_is_not_in_the_component() -> None:
    code, _ = button_code()
    refuses(code, "does not occur", old_name="Knob")


def test_refuses_when_the_old_name_is_also_a_string_literal_type() -> None:
    spec = JobSpec.model_validate(
        {
            "component_name": "Primary",
            "component_type": "button",
            "source": {"figma_file_key": "k"},
            "tokens": {"colors": {"brand": "#123456"}},
            "requirements": {"props": [{"name": "variant", "values": ["Primary", "Link"]}]},
        }
    )
    code, declarations = render(spec)
    with pytest.raises(NotAdaptable, match="string-literal type"):
        adapt(code, old_name="Primary", new_name="Other", declarations=declarations)


def test_refuses_when_a_text_is_the_old_name() -> None:
    # The story passes "Label" for the prop `label`: renamed, it would read "Other".
    spec = JobSpec.model_validate(
        {
            "component_name": "Label",
            "component_type": "badge",
            "source": {"figma_file_key": "k"},
            "tokens": {"colors": {"brand": "#123456"}},
            "requirements": {"props": [{"name": "label", "type": "string"}]},
        }
    )
    code, declarations = render(spec)
    assert 'label: "Label"' in code.stories_tsx
    with pytest.raises(NotAdaptable, match="text in a string literal"):
        adapt(code, old_name="Label", new_name="Other", declarations=declarations)


def test_a_story_title_with_a_path_is_renamed() -> None:
    code, declarations = button_code()
    stories = code.stories_tsx.replace('"Components/Button"', '"Forms/Actions/Button"')
    adapted = adapt(
        GeneratedCode(code.component_tsx, stories),
        old_name="Button",
        new_name="Pushy",
        declarations=declarations,
    )
    assert 'title: "Forms/Actions/Pushy"' in adapted.stories_tsx


def test_refuses_a_missing_declaration() -> None:
    code, declarations = button_code()
    refuses(code, "does not declare: --cf-extra", declarations={**declarations, "--cf-extra": "1"})


def test_refuses_a_declaration_the_job_does_not_have() -> None:
    code, declarations = button_code()
    fewer = dict(declarations)
    del fewer["--cf-color-primary"]
    refuses(code, "does not have: --cf-color-primary", declarations=fewer)


def test_refuses_a_declaration_made_twice() -> None:
    code, _ = button_code()
    code = with_component(
        code, "const tokenStyle = {", 'const tokenStyle = {\n  "--cf-color-primary": "red",'
    )
    refuses(code, "more than once: --cf-color-primary")


@pytest.mark.parametrize(
    "value", ["primaryColour", "`#fff`", '"#fff" + suffix', "String(1)", '"a\\\n b"']
)
def test_refuses_a_value_that_is_not_a_plain_string_literal(value: str) -> None:
    code, _ = button_code()
    code = with_component(code, '"--cf-color-primary": "#3B82F6"', f'"--cf-color-primary": {value}')
    refuses(code, "not a plain string literal")


def test_single_quoted_declarations_are_adapted() -> None:
    code, declarations = button_code()
    code = with_component(code, '"--cf-color-primary": "#3B82F6"', "'--cf-color-primary' :  'x'")
    adapted = adapt(code, old_name="Button", new_name="Pushy", declarations=declarations)
    assert "'--cf-color-primary' :  \"#3B82F6\"" in adapted.component_tsx
    assert declared_names(adapted) == sorted(declarations)


@pytest.mark.parametrize(
    "where",
    [
        ("{border-style", "{--cf-color-primary:red;border-style"),  # CSS text
        ("const styles = {", 'const styles = {\n  x: { ["--cf-color-primary"]: "red" },'),
        ("const styles = {", "const styles = {\n  x: `--cf-color-primary: red`,"),
    ],
)
def test_refuses_a_token_declared_any_other_way(where: tuple[str, str]) -> None:
    code, _ = button_code()
    refuses(with_component(code, *where), "outside a declaration or var")


def test_refuses_stories_that_set_tokens() -> None:
    code, _ = button_code()
    code = GeneratedCode(code.component_tsx, code.stories_tsx + '// "--cf-color-primary": "red"\n')
    refuses(code, "stories.tsx names --cf-color-primary")


def test_declared_names_are_the_literal_declarations_sorted() -> None:
    code, declarations = button_code()
    assert declared_names(code) == sorted(declarations)
    assert declared_names(GeneratedCode("const x = 1;\n", "")) == []
    odd = with_component(code, '"--cf-color-primary": "#3B82F6"', '"--cf-color-primary": colour')
    assert declared_names(odd) == sorted(set(declarations) - {"--cf-color-primary"})


# --- TypeScript ------------------------------------------------------------------------


def test_an_adapted_exemplar_type_checks() -> None:
    checker = typecheck_or_skip()
    original = exemplar(exemplar_path("checkbox"))
    code, _ = render(original)
    assert original.tokens is not None
    tokens = nudged(original.tokens.model_dump(mode="json", exclude_none=True))
    _, declarations = render(exemplar(exemplar_path("checkbox"), tokens=tokens))
    adapted = adapt(code, old_name="Checkbox", new_name="TermsConsent", declarations=declarations)

    diagnostics = checker.check(
        {"component.tsx": adapted.component_tsx, "stories.tsx": adapted.stories_tsx}
    )

    assert diagnostics == {"component.tsx": [], "stories.tsx": []}
