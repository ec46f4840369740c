"""The chain's shared shapes: the context the steps fill in, and what a run returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from core.requirements import Requirements
from core.result import CostLine
from core.spec import JobSpec
from core.tokens import Tokens

# Bump when generated output changes: it is part of every L1 cache key.
GENERATOR_VERSION = "template-4"
ARTIFACT_NAMES = (
    "component.tsx",
    "stories.tsx",
    "tokens.json",
    "requirements.json",
    "quality-report.html",
)


@dataclass(frozen=True)
class Pattern:
    id: str
    component_type: str
    name: str
    description: str
    keywords: tuple[str, ...]
    defaults: Requirements


@dataclass(frozen=True)
class GeneratedCode:
    component_tsx: str
    stories_tsx: str


class FigmaFiles(Protocol):
    """Where a figma_file_key is fetched from (workers.storage.figma_client,
    behind the L0 cache)."""

    def file(self, file_key: str) -> dict[str, Any]: ...

    def styles(self, file_key: str) -> list[Any]: ...


@dataclass
class ChainContext:
    spec: JobSpec
    figma: FigmaFiles | None = None
    tokens: Tokens | None = None
    tokens_origin: str = ""
    requirements: Requirements | None = None
    requirements_origin: str = ""
    pattern: Pattern | None = None
    pattern_candidates: list[tuple[str, float]] = field(default_factory=list)
    code: GeneratedCode | None = None
    # What the code policy found in a provider's answer before the template replaced it:
    # {"provider", "findings": [Finding.as_dict()...], "action"}; empty when nothing was found.
    code_policy: dict[str, Any] = field(default_factory=dict)
    quality: dict[str, Any] = field(default_factory=dict)
    report_html: str = ""
    costs: list[CostLine] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ChainResult:
    files: dict[str, bytes]
    quality: dict[str, Any]
    pattern_id: str
    provider: str
    model: str | None
    costs: list[CostLine]
    timings_ms: dict[str, float]


class Provider(Protocol):
    """What an LLM-backed step asks of a provider. `template` answers offline."""

    name: str
    model: str | None

    def propose_requirements(self, ctx: ChainContext) -> Requirements: ...

    def generate_code(self, ctx: ChainContext) -> GeneratedCode: ...


class Step(Protocol):
    name: str

    def run(self, ctx: ChainContext, provider: Provider) -> None: ...
