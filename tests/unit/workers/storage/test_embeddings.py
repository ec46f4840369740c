"""The L2 cache's design text and local embedder: what counts as the same design.

Over the samples (samples/exemplars/*.json, samples/job.json): a nudged token value stays
above SEMANTIC_CACHE_MIN_SIMILARITY, a renamed component is the same design, and other
designs, or the same requirements over another token set, stay below it. The figures
are printed (pytest -s shows them)."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from config.settings import get_settings
from core.requirements import Requirements
from core.spec import JobSpec
from core.tokens import Tokens
from workers.storage.embeddings import (
    LocalHashEmbedder,
    OpenAIEmbedder,
    cosine,
    design_text,
    get_embedder,
)

SAMPLES = Path(__file__).resolve().parents[4] / "samples"
SAMPLE_FILES = [*sorted((SAMPLES / "exemplars").glob("*.json")), SAMPLES / "job.json"]
THRESHOLD = 0.92  # SEMANTIC_CACHE_MIN_SIMILARITY's default
EMBEDDER = LocalHashEmbedder(dimensions=256)


def sample(path: Path) -> JobSpec:
    """A sample as the API takes it: the body, with the tenant the key gives."""
    return JobSpec.model_validate({**json.loads(path.read_text()), "tenant_id": "tenant-a"})


SPECS = {path.stem: sample(path) for path in SAMPLE_FILES}


def vector(component_type: str, tokens: Tokens, requirements: Requirements | None) -> list[float]:
    return EMBEDDER.embed(design_text(component_type, tokens, requirements)).vector


def tokens_of(spec: JobSpec) -> Tokens:
    assert spec.tokens is not None
    return spec.tokens


def nudged_colour(tokens: Tokens) -> Tokens:
    """The first hex colour (nested or not) with its last digit changed."""
    groups = tokens.model_dump()
    for name, value in groups["colors"].items():
        holder, key = (
            (value, next(iter(value))) if isinstance(value, dict) else (groups["colors"], name)
        )
        colour = holder[key]
        if isinstance(colour, str) and colour.startswith("#"):
            holder[key] = colour[:-1] + ("0" if colour[-1] != "0" else "1")
            return Tokens.model_validate(groups)
    raise AssertionError("no hex colour to nudge")


def nudged_spacing(tokens: Tokens) -> Tokens:
    """The first spacing token's first number one more (8px -> 9px)."""
    groups = tokens.model_dump()
    for name, value in groups["spacing"].items():
        if match := re.search(r"\d+", str(value)):
            text = str(value)
            groups["spacing"][name] = (
                f"{text[: match.start()]}{int(match.group()) + 1}{text[match.end() :]}"
            )
            return Tokens.model_validate(groups)
    raise AssertionError("no spacing to nudge")


def renamed_tokens(tokens: Tokens) -> Tokens:
    """The same values under other names."""
    groups = tokens.model_dump()
    return Tokens.model_validate(
        {g: {f"alt{n}": v for n, v in m.items()} for g, m in groups.items()}
    )


# --- design_text ------------------------------------------------------------------------


def test_design_text_is_one_sorted_line_per_feature() -> None:
    tokens = Tokens.model_validate(
        {
            "colors": {"primary": "#3B82F6", "info": {"text": "#1E40AF"}},
            "typography": {"fontWeight": 500.0, "lineHeight": 1.5},
            "spacing": {"md": "  8px   16px "},
        }
    )
    requirements = Requirements.model_validate(
        {
            "props": [
                {"name": "variant", "type": "'primary' | 'secondary'", "required": True,
                 "description": "Visual\nstyle"},
                {"name": "label", "type": "string"},
            ],
            "events": [{"name": "onClick"}],
            "states": [{"name": "disabled"}],
            "accessibility": [{"name": "aria-label"}],
        }
    )  # fmt: skip
    token_lines = [
        "token colors.info.text = #1e40af",
        "token colors.primary = #3b82f6",
        "token spacing.md = 8px 16px",
        "token typography.fontWeight = 500",
        "token typography.lineHeight = 1.5",
        "type button",
    ]
    assert design_text("button", tokens, requirements).split("\n") == [
        "a11y aria-label",
        "event onClick",
        "prop label: string",
        "prop variant description: Visual style",
        "prop variant: enum [primary, secondary] required",
        "state disabled",
        *token_lines,
    ]
    assert design_text("button", tokens, None).split("\n") == token_lines


def test_key_order_and_equal_spellings_do_not_change_the_text() -> None:
    spec = SPECS["button"]
    groups = tokens_of(spec).model_dump()
    reversed_groups = {
        g: dict(reversed(list(m.items()))) for g, m in reversed(list(groups.items()))
    }
    upper = {**groups, "colors": {n: v.upper() for n, v in groups["colors"].items()}}
    text = design_text("button", tokens_of(spec), spec.requirements)
    assert design_text("button", Tokens.model_validate(reversed_groups), spec.requirements) == text
    assert design_text("button", Tokens.model_validate(upper), spec.requirements) == text


def test_the_component_name_is_not_part_of_the_design() -> None:
    body = json.loads((SAMPLES / "exemplars" / "card.json").read_text())
    a = JobSpec.model_validate({**body, "component_name": "Card"})
    b = JobSpec.model_validate({**body, "component_name": "ProductTile"})
    text_a = design_text(a.component_type, tokens_of(a), a.requirements)
    assert text_a == design_text(b.component_type, tokens_of(b), b.requirements)
    assert "ProductTile" not in text_a
    assert math.isclose(cosine(EMBEDDER.embed(text_a).vector, EMBEDDER.embed(text_a).vector), 1.0)


# --- the local embedder ------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SPECS))
def test_a_nudged_token_value_is_still_a_neighbour(name: str) -> None:
    spec = SPECS[name]
    tokens, kind = tokens_of(spec), spec.component_type
    original = vector(kind, tokens, spec.requirements)
    colour = cosine(original, vector(kind, nudged_colour(tokens), spec.requirements))
    spacing = cosine(original, vector(kind, nudged_spacing(tokens), spec.requirements))
    bare = cosine(vector(kind, tokens, None), vector(kind, nudged_colour(tokens), None))
    print(f"\n{name}: colour nudged {colour:.3f}, spacing nudged {spacing:.3f}, "
          f"colour nudged without requirements {bare:.3f}")  # fmt: skip
    assert colour >= THRESHOLD and spacing >= THRESHOLD and bare >= THRESHOLD


def test_different_designs_are_not_neighbours() -> None:
    names = sorted(n for n in SPECS if n != "button-export")  # the same design as button
    figures = []
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            # Forced to one type: only tokens and requirements tell them apart.
            similarity = cosine(
                vector("button", tokens_of(SPECS[a]), SPECS[a].requirements),
                vector("button", tokens_of(SPECS[b]), SPECS[b].requirements),
            )
            figures.append((similarity, a, b))
    print("\n" + "\n".join(f"{a} vs {b}: {s:.3f}" for s, a, b in sorted(figures, reverse=True)))
    assert max(figures)[0] < THRESHOLD


@pytest.mark.parametrize("name", sorted(SPECS))
def test_same_requirements_over_another_token_set_are_not_neighbours(name: str) -> None:
    spec = SPECS[name]
    tokens, kind = tokens_of(spec), spec.component_type
    original = vector(kind, tokens, spec.requirements)
    others = [tokens_of(s) for s in SPECS.values() if tokens_of(s) != tokens]
    other_sets = max(cosine(original, vector(kind, t, spec.requirements)) for t in others)
    renamed = cosine(original, vector(kind, renamed_tokens(tokens), spec.requirements))
    print(f"\n{name}: nearest other token set {other_sets:.3f}, tokens renamed {renamed:.3f}")
    assert other_sets < THRESHOLD and renamed < THRESHOLD


def test_vectors_are_unit_length_and_256_long() -> None:
    for spec in SPECS.values():
        embedding = EMBEDDER.embed(
            design_text(spec.component_type, tokens_of(spec), spec.requirements)
        )
        assert len(embedding.vector) == 256
        assert math.isclose(math.fsum(x * x for x in embedding.vector), 1.0, rel_tol=1e-9)
        assert embedding.prompt_tokens == 0
    assert EMBEDDER.name == "local-hash-v1-256" and EMBEDDER.model is None


def test_vectors_are_the_same_in_another_process() -> None:
    """blake2b, not hash(): a new process (another PYTHONHASHSEED) agrees to the bit."""
    text = design_text("card", tokens_of(SPECS["card"]), SPECS["card"].requirements)
    script = (
        "import json, sys\n"
        "from workers.storage.embeddings import LocalHashEmbedder\n"
        "print(json.dumps(LocalHashEmbedder(dimensions=256).embed(sys.stdin.read()).vector))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        input=text,
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "12345", "PATH": "", "PYTHONPATH": str(SAMPLES.parent)},
        cwd=SAMPLES.parent,
        timeout=60,
    )
    assert json.loads(done.stdout) == EMBEDDER.embed(text).vector


# --- configuration -----------------------------------------------------------------------


def test_get_embedder_follows_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    def configured(**env: str) -> Any:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        get_embedder.cache_clear()
        return get_embedder()

    try:
        local = configured(EMBEDDING_PROVIDER="local")
        assert isinstance(local, LocalHashEmbedder) and local.name == "local-hash-v1-256"
        assert get_embedder() is local  # built once
        remote = configured(EMBEDDING_PROVIDER="openai", EMBEDDING_MODEL="text-embedding-3-large")
        assert isinstance(remote, OpenAIEmbedder)
        assert (remote.name, remote.model) == (
            "openai:text-embedding-3-large:256",
            "text-embedding-3-large",
        )
        with pytest.raises(ValueError, match="256"):
            configured(EMBEDDING_DIMENSIONS="512")
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
        get_embedder.cache_clear()
