"""Stories that show something: a story per value of a variant- or size-like prop renders a
root style of its own, and no text a user reads (in the markup or in a story's args) is
only the component's name. Read from the generated code: its `styles` object, the root's
style spreads, the prop defaults and the stories' args are parsed and the root's style is
worked out per story, as a browser would merge it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import tree_sitter_typescript
from tree_sitter import Language, Node, Parser

from core.spec import COMPONENT_TYPES, JobSpec
from tests.unit.workers.chain.quality.test_typecheck import typecheck_or_skip, varied_specs
from workers.chain.providers.template import TemplateProvider
from workers.chain.types import ChainContext, GeneratedCode

SAMPLES = Path(__file__).resolve().parents[5] / "samples"
PARSER = Parser(Language(tree_sitter_typescript.language_tsx()))
Css = dict[str, str]

TOKEN_SETS: list[dict[str, Any]] = [
    json.loads((SAMPLES / "job.json").read_text())["tokens"],
    {"colors": {"brand": "#123456"}},
    {
        "colors": {"primary": "#0055ff", "danger": "#cc0000", "surface": "#fafafa"},
        "spacing": {"space-1": "4px", "space-2": "8px", "space-3": "12px", "space-4": "16px"},
        "typography": {"text-sm": "12px", "text-md": "14px", "text-lg": "18px"},
    },
    {},
]


def enum(name: str, values: str) -> dict[str, Any]:
    return {"name": name, "values": values.split()}


def flags(*names: str) -> list[dict[str, Any]]:
    return [{"name": name} for name in names]


LABEL = {"name": "label", "type": "string", "required": True, "description": "Visible text"}
AXIS_SETS: dict[str, dict[str, Any]] = {
    "Billing": {
        "props": [
            LABEL,
            enum("variant", "primary secondary ghost danger link"),
            enum("size", "sm md lg"),
            {"name": "fullWidth", "type": "boolean"},
        ],
        "states": flags("disabled", "loading", "error"),
    },
    "Account": {
        "props": [
            {"name": "title", "type": "string"},
            enum("tone", "neutral success warning danger info"),
            enum("density", "compact comfortable spacious"),
            enum("appearance", "solid outline subtle mystery"),
        ],
        "states": flags("selected"),
    },
    "Ledger": {  # unknown and hostile values, a typed union
        "props": [
            enum("kind", "alpha beta gamma delta"),
            enum("scale", "xs sm md lg xl"),
            enum("intent", 'a"b </script> plain ${x}'),
            {"name": "color", "type": "'red' | 'green' | 'blue'"},
        ],
    },
    "Status": {
        "props": [
            {"name": "message", "type": "string"},
            enum("severity", "info success warning error"),
            enum("status", "online offline away"),
            enum("size", "small medium large"),
        ],
        "events": flags("onArchive"),
    },
}


def axis_specs() -> list[JobSpec]:
    """Every type with each set of variant/size props, under changing token sets."""
    specs = []
    for index, component_type in enumerate(COMPONENT_TYPES):
        for offset, (prefix, requirements) in enumerate(AXIS_SETS.items()):
            name = f"{prefix}{component_type.title()}{index}{offset}"
            specs.append(spec_of(name, component_type, requirements, index + offset))
    return specs


def spec_of(name: str, kind: str, requirements: dict[str, Any], tokens: int) -> JobSpec:
    body = {"component_name": name, "component_type": kind, "requirements": requirements}
    body |= {"source": {"figma_file_key": "k"}, "tokens": TOKEN_SETS[tokens % len(TOKEN_SETS)]}
    return JobSpec.model_validate(body)


def sample_specs() -> list[JobSpec]:
    bodies = [json.loads((SAMPLES / "job.json").read_text())]
    bodies += json.loads((SAMPLES / "batch.json").read_text())
    bodies += [json.loads(p.read_text()) for p in sorted((SAMPLES / "exemplars").glob("*.json"))]
    return [JobSpec.model_validate(body) for body in bodies]


def all_specs() -> list[JobSpec]:
    return axis_specs() + varied_specs() + sample_specs()


def generate(spec: JobSpec) -> GeneratedCode:
    assert spec.tokens is not None
    ctx = ChainContext(spec=spec, tokens=spec.tokens)
    provider = TemplateProvider()
    ctx.requirements = spec.requirements or provider.propose_requirements(ctx)
    return provider.generate_code(ctx)


# --- reading the generated code ----------------------------------------------------------


def tree(source: str) -> Node:
    return PARSER.parse(source.encode()).root_node


def walk(node: Node) -> Iterator[Node]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))


def text(node: Node | None) -> str:
    return (node.text or b"").decode() if node is not None else ""


def part(node: Node, name: str) -> Node:
    child = node.child_by_field_name(name)
    assert child is not None, (name, text(node))
    return child


def unwrap(node: Node) -> Node:
    """The expression under `satisfies T`, `as T` and parentheses."""
    while node.type in ("satisfies_expression", "as_expression", "parenthesized_expression"):
        node = node.named_children[0]
    return node


def value_of(node: Node) -> Any:
    """A literal's value; an object literal as a dict; other code as its text."""
    node = unwrap(node)
    if node.type == "string":
        return json.loads(text(node))
    if node.type in ("true", "false"):
        return node.type == "true"
    if node.type == "object":
        pairs = [c for c in node.named_children if c.type == "pair"]
        return {key_of(p): value_of(part(p, "value")) for p in pairs}
    return text(node)


def key_of(pair: Node) -> str:
    key = part(pair, "key")
    return str(value_of(key)) if key.type == "string" else text(key)


def declared(root: Node, name: str) -> Node:
    for node in walk(root):
        if node.type == "variable_declarator" and text(node.child_by_field_name("name")) == name:
            return part(node, "value")
    raise AssertionError(f"no {name}")


def defaults(root: Node, component: str) -> dict[str, Any]:
    """The props' defaults in the component function's destructuring."""
    for node in walk(root):
        if node.type == "function_declaration" and text(part(node, "name")) == component:
            patterns = walk(part(node, "parameters"))
            return {
                text(part(p, "left")): value_of(part(p, "right"))
                for p in patterns
                if p.type == "object_assignment_pattern"
            }
    raise AssertionError(f"no function {component}")


def root_style(root: Node, cls: str) -> Node:
    """The style={{...}} object of the element with the component's class."""
    for node in walk(root):
        pairs = [a.named_children for a in node.named_children if a.type == "jsx_attribute"]
        attrs = {text(pair[0]): pair[-1] for pair in pairs if len(pair) == 2}
        if "className" in attrs and value_of(attrs["className"]) == cls:
            return unwrap(attrs["style"].named_children[0])
    raise AssertionError(f"no element of class {cls}")


def stories(source: str) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """(meta's args, story export -> the args it sets itself)."""
    meta: dict[str, Any] = {}
    found: dict[str, dict[str, Any]] = {}
    for node in walk(tree(source)):
        if node.type == "variable_declarator":
            fields = value_of(part(node, "value"))
            args = fields.get("args", {}) if isinstance(fields, dict) else {}
            if text(part(node, "name")) == "meta":
                meta = args
            else:
                found[text(part(node, "name"))] = args
    return meta, found


def enum_props(source: str) -> dict[str, list[str]]:
    """Props typed as a union of string literals: name -> values."""
    found = {}
    for node in walk(tree(source)):
        annotation = node.child_by_field_name("type")
        if node.type != "property_signature" or annotation is None:
            continue
        kind = annotation.named_children[0]
        strings = [n for n in walk(kind) if n.type == "string"]
        if kind.type in ("union_type", "literal_type") and strings:
            found[text(part(node, "name"))] = [value_of(n) for n in strings]
    return found


# --- working out the root's style ---------------------------------------------------------


def truthy(expression: str, props: dict[str, Any]) -> bool:
    """`a || !!b` with the props' values."""
    return any(bool(props.get(term.strip().lstrip("!"))) for term in expression.split("||"))


def spread(node: Node, styles: dict[str, Any], props: dict[str, Any]) -> Css:
    """What `...node` adds to the style."""
    node = unwrap(node)
    if node.type == "member_expression":  # styles.root
        return dict(styles.get(text(part(node, "property")), {}))
    if node.type == "subscript_expression":  # styles.variant[variant]
        group = styles.get(text(part(unwrap(part(node, "object")), "property")), {})
        return dict(group.get(props.get(text(part(node, "index"))), {}))
    if node.type == "ternary_expression":  # (disabled ? styles.disabled : undefined)
        on = truthy(text(part(node, "condition")), props)
        chosen = part(node, "consequence" if on else "alternative")
        return {} if text(chosen) == "undefined" else spread(chosen, styles, props)
    assert text(node) == "tokenStyle", text(node)  # the same in every story
    return {}


def merged_style(code: GeneratedCode, component: str, args: dict[str, Any]) -> Css:
    """The root element's inline style for a story's args."""
    root = tree(code.component_tsx)
    props = defaults(root, component) | args
    styles = value_of(declared(root, "styles"))
    cls = "cf-" + re.sub(r"([a-z0-9])([A-Z])", r"\1-\2", component).lower()
    merged: Css = {}
    for item in root_style(root, cls).named_children:
        if item.type == "spread_element":
            merged |= spread(item.named_children[0], styles, props)
        elif item.type == "pair":
            merged[key_of(item)] = str(value_of(part(item, "value")))
    return merged


def placed_elsewhere(code: str, prop: str) -> bool:
    """Options, tabs and an input's type show their value otherwise than by style."""
    forms = [f"defaultValue={{{prop}}}", f".indexOf({prop})", f"type={{{prop}}}"]
    forms.append(f"useState<string | undefined>({prop})")
    return any(form in code for form in forms)


def axis_pairs(code: GeneratedCode) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(prop, args, args) of two stories that set one prop, the same, to different values."""
    meta, own = stories(code.stories_tsx)
    names = sorted(own)
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            a, b = own[first], own[second]
            if len(a) == len(b) == 1 and a.keys() == b.keys() and a != b:
                yield next(iter(a)), meta | a, meta | b


def visible_texts(code: GeneratedCode) -> list[str]:
    """JSX text, string children, aria-labels and string story args."""
    found = []
    for node in walk(tree(code.component_tsx)):
        holder = node.parent.parent if node.parent is not None else None
        if node.type == "jsx_text":
            found.append(text(node))
        elif node.type == "string" and holder is not None and node.parent.type == "jsx_expression":
            attribute = text(holder.named_children[0]) if holder.type == "jsx_attribute" else ""
            if holder.type == "jsx_element" or attribute == "aria-label":
                found.append(value_of(node))
    meta, own = stories(code.stories_tsx)
    for args in [meta, *own.values()]:
        found += [v for v in args.values() if isinstance(v, str)]
    return found


def only_the_name(texts: list[str], component: str) -> list[str]:
    """Texts that say nothing but the component's name ("Billing Input22")."""

    def bare(t: str) -> str:
        return re.sub(r"[^a-z0-9]", "", t.lower())

    return [t for t in texts if bare(t) == bare(component)]


# --- the tests ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def generated() -> list[tuple[JobSpec, GeneratedCode]]:
    return [(spec, generate(spec)) for spec in all_specs()]


def test_the_components_are_many_and_of_every_type(
    generated: list[tuple[JobSpec, GeneratedCode]],
) -> None:
    assert len(generated) > 80
    assert {spec.component_type for spec, _ in generated} == set(COMPONENT_TYPES)


def styled_axes(code: GeneratedCode, component: str) -> dict[str, list[str]]:
    """Enum props shown by style (not as options, tabs or an input's type): name -> values."""
    return {
        name: values
        for name, values in enum_props(code.component_tsx).items()
        if not placed_elsewhere(code.component_tsx, name) and len(set(values)) > 1
    }


def test_each_value_of_a_variant_or_size_prop_maps_to_a_style_of_its_own(
    generated: list[tuple[JobSpec, GeneratedCode]],
) -> None:
    failures = []
    for spec, code in generated:
        root = tree(code.component_tsx)
        styles = value_of(declared(root, "styles"))
        spreads = text(root_style(root, "cf-" + kebab_name(spec.component_name)))
        for prop, values in styled_axes(code, spec.component_name).items():
            key = re.search(rf"\.\.\.styles\.(\w+)\[{prop}\]", spreads)
            table = styles.get(key.group(1), {}) if key else {}
            keyed = list(dict.fromkeys(values))
            shown = [table.get(v) for v in keyed]
            if set(table) != set(keyed) or any(shown.count(s) > 1 for s in shown):
                failures.append((spec.component_name, prop))
    assert failures == []


def kebab_name(component: str) -> str:
    return re.sub(r"([a-z0-9])([A-Z])", r"\1-\2", component).lower()


def test_stories_that_set_a_prop_differently_render_differently(
    generated: list[tuple[JobSpec, GeneratedCode]],
) -> None:
    same, pairs = [], 0
    for spec, code in generated:
        for prop, a, b in axis_pairs(code):
            if placed_elsewhere(code.component_tsx, prop):
                continue
            pairs += 1
            name = spec.component_name
            if merged_style(code, name, a) == merged_style(code, name, b):
                same.append((name, prop, a[prop], b[prop]))
    assert pairs > 500
    assert same == []


def test_state_stories_render_differently_from_the_default(
    generated: list[tuple[JobSpec, GeneratedCode]],
) -> None:
    same = []
    for spec, code in generated:
        meta, own = stories(code.stories_tsx)
        default = merged_style(code, spec.component_name, meta)
        for story, args in own.items():
            flag = next(iter(args), "")
            shows = args == {flag: True} and flag in ("disabled", "loading", "error", "selected")
            if shows and merged_style(code, spec.component_name, meta | args) == default:
                same.append((spec.component_name, story))
    assert same == []


def test_no_text_a_user_reads_is_only_the_component_name(
    generated: list[tuple[JobSpec, GeneratedCode]],
) -> None:
    named = {
        spec.component_name: only_the_name(visible_texts(code), spec.component_name)
        for spec, code in generated
    }
    assert {name: texts for name, texts in named.items() if texts} == {}


def test_the_same_input_gives_the_same_code() -> None:
    for spec in axis_specs()[::7]:
        assert generate(spec) == generate(spec)


def test_components_with_style_axes_pass_tsc_strict() -> None:
    tsc = typecheck_or_skip()
    failures = {}
    for spec in axis_specs():
        code = generate(spec)
        files = {"component.tsx": code.component_tsx, "stories.tsx": code.stories_tsx}
        if errors := {name: found for name, found in tsc.check(files).items() if found}:
            failures[spec.component_name] = errors
    assert failures == {}


def test_object_prototype_names_are_left_out_of_a_style_map() -> None:
    # {"__proto__": ...} would set the map's prototype: such values keep the base style.
    kinds = {"props": [enum("kind", "__proto__ constructor plain fancy")]}
    code = generate(spec_of("PayTag", "badge", kinds, 0))
    styles = value_of(declared(tree(code.component_tsx), "styles"))
    assert list(styles["kind"]) == ["plain", "fancy"]
    assert '} as Partial<Record<NonNullable<PayTagProps["kind"]>' in code.component_tsx
    files = {"component.tsx": code.component_tsx, "stories.tsx": code.stories_tsx}
    assert typecheck_or_skip().check(files) == {"component.tsx": [], "stories.tsx": []}


# --- what each value looks like ------------------------------------------------------------


def axis_style(spec: JobSpec, prop: str, value: str) -> Css:
    code = generate(spec)
    meta, _ = stories(code.stories_tsx)
    return merged_style(code, spec.component_name, meta | {prop: value})


def test_variant_values_take_the_colours_they_name() -> None:
    spec = spec_of("PayButton", "button", AXIS_SETS["Billing"], 0)  # the job.json tokens
    primary = axis_style(spec, "variant", "primary")
    assert primary["backgroundColor"] == "var(--cf-color-primary)"
    assert primary["color"] == "var(--cf-color-on-primary)"
    ghost = axis_style(spec, "variant", "ghost")
    assert (ghost["backgroundColor"], ghost["color"]) == ("transparent", "var(--cf-color-primary)")
    assert axis_style(spec, "variant", "danger")["backgroundColor"] == "var(--cf-color-danger)"
    secondary = axis_style(spec, "variant", "secondary")
    assert secondary["borderColor"] == "var(--cf-color-border)"


def test_sizes_step_along_the_token_scale() -> None:
    spec = spec_of("PayButton", "button", AXIS_SETS["Billing"], 0)  # spacing xs..xl
    pads = [axis_style(spec, "size", v)["padding"] for v in ("sm", "md", "lg")]
    assert pads == [f"var(--cf-spacing-{v})" for v in ("sm", "md", "lg")]
    numbered = spec_of("PayInput", "input", AXIS_SETS["Ledger"], 2)  # space-1..4, text-sm..lg
    scale = [axis_style(numbered, "scale", v) for v in ("xs", "sm", "md", "lg", "xl")]
    assert len({s["padding"] for s in scale}) == len({s["fontSize"] for s in scale}) == 5


def test_without_tokens_sizes_still_grow() -> None:
    spec = spec_of("PayBadge", "badge", AXIS_SETS["Status"], 3)  # no tokens
    sizes = [axis_style(spec, "size", v)["fontSize"] for v in ("small", "medium", "large")]
    assert [float(s.removesuffix("rem")) for s in sizes] == [0.875, 1.0, 1.125]


def test_boolean_props_show_too() -> None:
    code = generate(spec_of("PayButton", "button", AXIS_SETS["Billing"], 0))
    meta, _ = stories(code.stories_tsx)
    wide = merged_style(code, "PayButton", meta | {"fullWidth": True})
    assert wide["width"] == "100%"
    assert merged_style(code, "PayButton", meta | {"error": True})["borderColor"] == (
        "var(--cf-color-danger)"
    )


def test_texts_come_from_props_events_and_the_type() -> None:
    archive = generate(spec_of("PayButton", "button", AXIS_SETS["Status"], 0))
    assert '{"Archive"}' in archive.component_tsx  # its own event, onArchive
    kinds = {"props": [{"name": "type", "type": "'email' | 'text'"}, {"name": "placeholder"}]}
    email = generate(spec_of("PayInput", "input", kinds, 0))
    assert '{"Email address"}' in email.component_tsx
    assert 'args: { type: "email", placeholder: "name@example.com" }' in email.stories_tsx
    labelled = generate(spec_of("PayButton", "button", AXIS_SETS["Billing"], 0))
    assert 'label: "Label"' in labelled.stories_tsx
