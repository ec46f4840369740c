"""The chain's shared shapes: the context the steps fill in, and what a run returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from core.requirements import Requirements
from core.result import CostLine
from core.spec import JobSpec
from core.tokens import Tokens
from workers.chain.codegen.token_styles import TokenVars
from workers.chain.quality.code_gate import Verdict
from workers.chain.quality.policy import Allowances

# Bump when generated output changes: it is part of every L1 cache key.
GENERATOR_VERSION = "template-5"
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
    # The styling: the tokens as custom properties and the roles they fill (computed by
    # generate_code, or taken from an L3 entry).
    token_vars: TokenVars | None = None
    # A TypeScript verdict carried from an L2 neighbour (its code renamed and re-tokened,
    # which changes no types); None: validate_quality runs the checker.
    typescript: dict[str, Any] | None = None
    # Where the job's code comes from: "L2" (a neighbour adapted), "L3" (a cached styled
    # pattern rendered with the job's requirements) or "L4" (generated).
    layer: str = "L4"
    # What a cache layer gave (L2: source job and similarity; L3: pattern and token set),
    # shown in the quality summary and the report.
    reuse: dict[str, Any] = field(default_factory=dict)
    # What the code policy found in a provider's answer before the template replaced it:
    # {"provider", "findings": [Finding.as_dict()...], "action"}; empty when nothing was found.
    code_policy: dict[str, Any] = field(default_factory=dict)
    # The code gate's verdict on a model's code that passed it (workers.chain.quality.
    # code_gate.Verdict), with that code: validate_quality reuses it instead of rendering
    # the same code twice.
    verdict: tuple[GeneratedCode, Verdict] | None = None
    # What the tenant's code may import and link to; None: the deployment's defaults.
    allow: Allowances | None = None
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
    layer: str = "L4"
    # What the L2 and L3 entries of this result are made of.
    code: GeneratedCode | None = None
    requirements: Requirements | None = None
    token_vars: TokenVars | None = None


class Ladder(Protocol):
    """The caches inside the chain (workers.pipeline.ladder): L2 after extract_tokens, L3
    before retrieve_pattern. A method that fails answers as a miss; none raises."""

    def adapt_neighbour(self, ctx: ChainContext) -> bool:
        """L2: fill `ctx` (code, requirements, pattern, typescript) from the nearest
        similar design's entry adapted to this job; False on a miss."""
        ...

    def neighbour_served(self, ctx: ChainContext) -> None:
        """The adapted code passed the quality gate: the job ends from L2."""
        ...

    def neighbour_refused(self, ctx: ChainContext, reason: str) -> None:
        """The adapted code did not pass the quality gate: the lookup counts as a miss."""
        ...

    def styled_pattern(self, ctx: ChainContext) -> bool:
        """L3: fill ctx.pattern, ctx.pattern_candidates and ctx.token_vars from the
        entry of the job's pattern and tokens; False on a miss."""
        ...


class Provider(Protocol):
    """What an LLM-backed step asks of a provider. `template` answers offline."""

    name: str
    model: str | None

    def propose_requirements(self, ctx: ChainContext) -> Requirements: ...

    def generate_code(self, ctx: ChainContext) -> GeneratedCode: ...


class Step(Protocol):
    name: str

    def run(self, ctx: ChainContext, provider: Provider) -> None: ...
