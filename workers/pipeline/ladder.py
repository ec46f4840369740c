"""The caches inside a job's chain: L2 (a similar design's code, adapted) and L3 (the
pattern already styled for the tokens), and the entries a generation leaves for them.

Each lookup is a miss when its store fails: a cache never fails a job. Lookups and
stores are counted (cache_hits/misses, cache_similarity) and become the job's
cache_stats events.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import asdict
from decimal import Decimal
from typing import Any

from config.llm_prices import cost_usd
from config.settings import get_settings
from core.canonical import canonical_json
from core.requirements import Requirements
from core.result import CostLine
from core.spec import CacheMode, JobSpec
from core.tokens import Tokens
from workers.chain import GENERATOR_VERSION, ChainContext, ChainResult, GeneratedCode
from workers.chain.codegen.adapt import NotAdaptable, adapt
from workers.chain.codegen.token_styles import TokenVars, token_vars
from workers.chain.inputs.pattern_library import PATTERNS
from workers.chain.steps import cacheable, pick_pattern
from workers.clients import db_engine
from workers.observability import metrics
from workers.resilience.dependency import REDIS_CACHE
from workers.storage import pattern_cache, semantic_cache
from workers.storage.embeddings import design_text, get_embedder
from workers.storage.records import CacheEvent
from workers.storage.semantic_cache import SemanticEntry

logger = logging.getLogger(__name__)
PURGE_EVERY = 100  # about one L2 store in this many also deletes expired entries
_PATTERNS = {pattern.id: pattern for pattern in PATTERNS}


class JobLadder:
    """One job's L2 and L3 lookups (workers.chain.types.Ladder) and, once it has
    generated, its entries for later jobs."""

    def __init__(self, spec: JobSpec, job_id: str) -> None:
        settings = get_settings()
        self.spec = spec
        self.job_id = job_id
        self.tenant = spec.tenant_id or "-"
        self.lookup = spec.options.cache is not CacheMode.NO_CACHE
        self.store = spec.options.cache is CacheMode.DEFAULT
        self.semantic_on = settings.semantic_cache == "on"
        self.pattern_on = settings.pattern_cache == "on"
        self.events: list[CacheEvent] = []  # this job's lookups, for cache_stats
        self.saved_usd = 0.0  # what the entry that answered had cost to generate
        self.cache_unavailable = False  # a store or lookup failed: the job went on without
        self._vector: list[float] | None = None  # the design's embedding, stored after L4
        self._tokens: Tokens | None = None  # the job's tokens (given or extracted)
        self._tokens_hash: str | None = None
        self._l2_started, self._l2_ms = 0.0, 0.0

    # --- L2 -----------------------------------------------------------------------------

    def adapt_neighbour(self, ctx: ChainContext) -> bool:
        if not (self.semantic_on and (self.lookup or self.store)):
            return False
        started = time.perf_counter()
        try:
            if not semantic_cache.available(db_engine()):
                return False  # no pgvector here: L2 is off (migration 0005 said how to fix it)
            found = self._nearest(ctx)
        except Exception as exc:
            logger.warning("L2 lookup of job %s failed; going on without it: %s", self.job_id, exc)
            self.cache_unavailable = True
            return False
        if not self.lookup:
            return False
        ms = (time.perf_counter() - started) * 1000
        if found is None:
            self._missed("L2", ms)
            return False
        neighbour, similarity = found
        metrics.CACHE_SIMILARITY.labels(layer="L2").observe(similarity)
        if similarity < get_settings().semantic_cache_min_similarity:
            self._missed("L2", ms)
            return False
        try:
            self._fill(ctx, neighbour, similarity)
        except NotAdaptable as exc:
            logger.info("L2 entry of job %s is not adaptable to job %s: %s",
                        neighbour.source_job_id, self.job_id, exc)  # fmt: skip
            self._missed("L2", ms)
            return False
        self._l2_started, self._l2_ms, self.saved_usd = started, ms, neighbour.cost_usd
        return True

    def neighbour_refused(self, ctx: ChainContext, reason: str) -> None:
        logger.info("L2 candidate for job %s refused: %s", self.job_id, reason)
        self.saved_usd = 0.0
        self._missed("L2", self._l2_ms)

    def neighbour_served(self, ctx: ChainContext) -> None:
        self._hit("L2", (time.perf_counter() - self._l2_started) * 1000)

    def _nearest(self, ctx: ChainContext) -> tuple[SemanticEntry, float] | None:
        """The nearest live entry of this tenant, type, generator and embedder (and this
        design's vector, kept for the entry a generation stores); None when there is none
        or the job does not look up."""
        assert ctx.tokens is not None
        embedder = get_embedder()
        embedding = embedder.embed(
            design_text(self.spec.component_type, ctx.tokens, self.spec.requirements)
        )
        if embedding.prompt_tokens and embedder.model:
            _book_embedding(ctx, embedder.model, embedding.prompt_tokens)
        self._vector = embedding.vector
        if not self.lookup:
            return None
        found = semantic_cache.nearest(db_engine(), self._scope(), vector=embedding.vector)
        return None if found is None else (found.entry, found.similarity)

    def _fill(self, ctx: ChainContext, neighbour: SemanticEntry, similarity: float) -> None:
        """Put the neighbour's code, adapted to this job's name and tokens, into `ctx`.
        Raises NotAdaptable when it cannot be adapted exactly."""
        assert ctx.tokens is not None
        given = self.spec.requirements
        if given is not None and canonical_json(_dump(given)) != canonical_json(
            neighbour.requirements
        ):
            raise NotAdaptable("its requirements differ from this job's")
        pattern = _PATTERNS.get(neighbour.pattern_id)
        if pattern is None:
            raise NotAdaptable(f"its pattern {neighbour.pattern_id!r} is no longer in the library")
        styled = token_vars(ctx.tokens)
        if sorted(styled.declarations) != sorted(neighbour.token_names):
            raise NotAdaptable("its token names differ from this job's")
        ctx.code = adapt(
            GeneratedCode(neighbour.component_tsx, neighbour.stories_tsx),
            old_name=neighbour.component_name,
            new_name=self.spec.component_name,
            declarations=styled.declarations,
        )
        ctx.token_vars = styled
        if given is None:
            ctx.requirements = Requirements.model_validate(neighbour.requirements)
            ctx.requirements_origin = f"those of similar job {neighbour.source_job_id} (L2)"
        else:
            ctx.requirements, ctx.requirements_origin = given, "given"
        ctx.pattern, ctx.pattern_candidates = pattern, [(pattern.id, 0.0)]
        ctx.typescript = _carried_typescript(neighbour)
        ctx.reuse = {"layer": "L2", "source_job_id": neighbour.source_job_id,
                     "similarity": round(similarity, 4)}  # fmt: skip
        ctx.notes.append(
            f"L2: adapted from job {neighbour.source_job_id} (similarity {similarity:.3f}): "
            f"its code with this job's name and token values; its TypeScript verdict is "
            "carried over (a rename and new string values change no types)"
        )

    # --- L3 -----------------------------------------------------------------------------

    def styled_pattern(self, ctx: ChainContext) -> bool:
        if not (self.pattern_on and (self.lookup or self.store)):
            return False
        assert ctx.tokens is not None
        started = time.perf_counter()
        pattern = pick_pattern(ctx)
        self._tokens = ctx.tokens
        self._tokens_hash = pattern_cache.tokens_hash(self.tenant, ctx.tokens, GENERATOR_VERSION)
        if not self.lookup:
            return False
        tokens_hash = self._tokens_hash
        styled, available = REDIS_CACHE.guarded(
            lambda r: pattern_cache.load(r, pattern.id, tokens_hash)
        )
        ms = (time.perf_counter() - started) * 1000
        self.cache_unavailable |= not available
        vars_ = _token_vars(styled) if styled is not None else None
        if vars_ is None:
            if available:
                self._missed("L3", ms)
            return False
        REDIS_CACHE.guarded(lambda r: pattern_cache.count_hit(r, pattern.id, tokens_hash))
        ctx.token_vars = vars_
        ctx.reuse = {"layer": "L3", "pattern_id": pattern.id, "tokens_hash": tokens_hash}
        ctx.notes.append(
            f"L3: pattern {pattern.id} was already styled for these tokens; the code was "
            "rendered from it with this job's requirements (no model call)"
        )
        self.saved_usd = float(styled.get("generate_usd", 0.0)) if styled else 0.0
        self._hit("L3", ms)
        return True

    # --- entries for later jobs ---------------------------------------------------------

    def remember(self, chain: ChainResult, *, component_id: str) -> None:
        """After a result that passed: an L4's styled pattern for L3, an L3's or L4's code
        for L2. A failed store is logged; the job is not affected."""
        if not self.store or not cacheable(chain.quality):
            return
        if chain.layer == "L4" and chain.token_vars is not None and self._tokens is not None:
            self._store_styled(chain, self._tokens)
        # An L2 answer is its neighbour adapted: storing it again would add nothing.
        if chain.layer != "L2" and self._vector is not None and chain.code is not None:
            self._store_neighbour(chain, component_id=component_id)

    def _store_styled(self, chain: ChainResult, tokens: Tokens) -> None:
        assert chain.token_vars is not None and self._tokens_hash is not None
        # What an L3 hit saves: the model call that wrote this code.
        generate_usd = sum(c.usd for c in chain.costs if c.stage == "generate_code")
        styled = styled_entry(chain.pattern_id, chain.token_vars, generate_usd=generate_usd)
        tokens_hash, ttl_s = self._tokens_hash, get_settings().pattern_cache_ttl_s
        _, stored = REDIS_CACHE.guarded(
            lambda r: pattern_cache.store(
                r, chain.pattern_id, tokens_hash, styled,
                tenant=self.tenant, tokens=tokens, ttl_s=ttl_s,
            )
        )  # fmt: skip
        self.cache_unavailable |= not stored

    def _store_neighbour(self, chain: ChainResult, *, component_id: str) -> None:
        assert chain.code is not None and chain.requirements is not None
        assert chain.token_vars is not None and self._vector is not None
        entry = SemanticEntry(
            source_job_id=self.job_id,
            component_id=component_id,
            component_name=self.spec.component_name,
            pattern_id=chain.pattern_id,
            requirements=_dump(chain.requirements),
            token_names=sorted(chain.token_vars.declarations),
            component_tsx=chain.code.component_tsx,
            stories_tsx=chain.code.stories_tsx,
            typescript=chain.quality.get("typescript", {}),
            provider=chain.provider,
            model=chain.model,
            cost_usd=round(sum(c.usd for c in chain.costs) + self.saved_usd, 6),
        )
        try:
            semantic_cache.store(
                db_engine(), self._scope(), vector=self._vector, entry=entry,
                ttl_s=get_settings().semantic_cache_ttl_s,
            )  # fmt: skip
            if random.randrange(PURGE_EVERY) == 0:  # expired rows go as new ones come
                semantic_cache.purge_expired(db_engine())
        except Exception as exc:
            logger.warning("L2 entry of job %s not stored: %s", self.job_id, exc)
            self.cache_unavailable = True

    # --- bookkeeping ----------------------------------------------------------------------

    def _scope(self) -> semantic_cache.Scope:
        return semantic_cache.Scope(
            self.tenant, self.spec.component_type, self.generator, get_embedder().name
        )

    @property
    def generator(self) -> str:
        options = self.spec.options
        return f"{options.provider}:{options.model or '-'}:{GENERATOR_VERSION}"

    def _hit(self, layer: str, ms: float) -> None:
        metrics.CACHE_HITS.labels(layer=layer).inc()
        metrics.CACHE_SAVED.labels(layer=layer).inc(self.saved_usd)
        self.events.append(CacheEvent(layer, True, round(ms, 3), Decimal(str(self.saved_usd))))

    def _missed(self, layer: str, ms: float) -> None:
        metrics.CACHE_MISSES.labels(layer=layer).inc()
        self.events.append(CacheEvent(layer, False, round(ms, 3)))


def styled_entry(pattern_id: str, styled: TokenVars, *, generate_usd: float) -> dict[str, Any]:
    """An L3 entry: the pattern, the styling of its token set, and what the model call
    that wrote its first code cost (an L3 hit saves about that)."""
    return {"pattern_id": pattern_id, "token_vars": asdict(styled),
            "generate_usd": round(generate_usd, 6)}  # fmt: skip


def restyle(pattern_id: str, tokens: Tokens) -> dict[str, Any]:
    """The pre-compute's way to make an entry again (workers.storage.pattern_precompute)."""
    return styled_entry(pattern_id, token_vars(tokens), generate_usd=0.0)


def _dump(requirements: Requirements) -> dict[str, Any]:
    return requirements.model_dump(mode="json", exclude_none=True)


def _carried_typescript(neighbour: SemanticEntry) -> dict[str, Any]:
    """The neighbour's TypeScript verdict in the shape validate_quality's checker gives."""
    summary = neighbour.typescript
    if not summary.get("checked"):
        return {"checked": False, "reason": summary.get("reason", "not checked"),
                "carried_from": neighbour.source_job_id}  # fmt: skip
    if any(summary.get("errors", {}).values()):
        raise NotAdaptable("its code had TypeScript errors")
    return {"checked": True, "version": summary.get("version"),
            "diagnostics": {"component.tsx": [], "stories.tsx": []},
            "carried_from": neighbour.source_job_id}  # fmt: skip


def _token_vars(styled: dict[str, Any]) -> TokenVars | None:
    try:
        return TokenVars(**styled["token_vars"])
    except (KeyError, TypeError):
        return None


def _book_embedding(ctx: ChainContext, model: str, prompt_tokens: int) -> None:
    """A paid embedding call: a cost line like any paid call's."""
    usd = cost_usd(model, prompt_tokens, 0) or 0.0
    ctx.costs.append(CostLine("l2_lookup", "openai", model, prompt_tokens, 0, usd))
