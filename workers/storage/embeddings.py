"""The L2 cache's embeddings: a job's design as canonical text, and that text as a vector.

design_text() writes one line per feature (the type, each token's name and value, each
requirement and its description), sorted, so key order never matters; the component's
name is left out (a renamed design is the same design: L2 adapts the name). An embedder
turns that text into a unit vector of EMBEDDING_DIMENSIONS floats:

- "local" (default): feature hashing, offline and deterministic across processes. Each
  line is a feature, and each distinct word a lighter one, so a nudged value still shares
  its token's name while a different token set or different requirements do not.
- "openai": an OpenAI-compatible /embeddings endpoint (OPENAI_BASE_URL, OPENAI_API_KEY,
  EMBEDDING_MODEL), asked for EMBEDDING_DIMENSIONS dimensions.

Vectors of different embedders are not comparable: L2 entries are keyed by Embedder.name.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

import openai

from config.settings import get_settings
from core.errors import DependencyUnavailable, GenerationError
from core.requirements import RequirementItem, Requirements
from core.tokens import CssValue, Tokens
from workers.clients import openai_client
from workers.resilience.classification import error_kind, retry_after_s

LINE_WEIGHT = 1.0
"""A whole line: a token's name and value, a requirement's name, type and flags."""
NAME_WEIGHT = 0.7
"""A token's name alone (the line up to " = "): a nudged value keeps it, and L2 adapts a
neighbour with the same token names to new values."""
DESCRIPTION_WEIGHT = 0.5
"""A requirement's description line: free text, so it counts a little."""
WORD_WEIGHT = 0.3
"""Each distinct word of the design once (names, values, description words): a nudged
value still shares its name. Once per design, not per line, so words every line has
("token", "prop") do not make every design alike."""
EMBED_TIMEOUT_S = 10.0
"""An L2 look-up is worth less than a wait: the openai embedder gives up after this long
(or OPENAI_TIMEOUT_S when lower) and the caller treats the look-up as a miss."""

_HEX_COLOUR = re.compile(r"#[0-9A-Fa-f]{3,8}\b")
_WORD = re.compile(r"[a-z0-9]+")


# --- the design as text ---------------------------------------------------------------


def design_text(component_type: str, tokens: Tokens, requirements: Requirements | None) -> str:
    """One line per feature, sorted: `type button`, `token colors.primary = #3b82f6`,
    `prop variant: enum [primary, secondary] required`, `event onClick`, `state disabled`,
    `a11y aria-label`, and `<kind> <name> description: ...` lines. No requirement lines
    when requirements is None."""
    lines = [f"type {component_type}", *_token_lines(tokens)]
    if requirements is not None:
        lines += _requirement_lines(requirements)
    return "\n".join(sorted(lines))


def _token_lines(tokens: Tokens) -> Iterator[str]:
    for group in Tokens.model_fields:
        for name, value in getattr(tokens, group).items():
            if isinstance(value, dict):
                for inner, inner_value in value.items():
                    yield f"token {group}.{name}.{inner} = {_value_text(inner_value)}"
            else:
                yield f"token {group}.{name} = {_value_text(value)}"


def _value_text(value: CssValue) -> str:
    """Equal values alike: whitespace collapsed, hex colours lower-case, numbers in their
    shortest form (16.0 -> 16)."""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    return _HEX_COLOUR.sub(lambda m: m.group().lower(), _one_line(value))


def _requirement_lines(requirements: Requirements) -> Iterator[str]:
    kinds = (("prop", requirements.props), ("event", requirements.events),
             ("state", requirements.states), ("a11y", requirements.accessibility))  # fmt: skip
    for kind, items in kinds:
        for item in items:
            yield f"{kind} {_one_line(item.name)}{_item_details(item)}"
            if item.description:
                yield f"{kind} {_one_line(item.name)} description: {_one_line(item.description)}"


def _item_details(item: RequirementItem) -> str:
    text = f": {item.type}" if item.type is not None else ""
    if item.values:
        text += f" [{', '.join(_one_line(v) for v in item.values)}]"
    if item.required is not None:
        text += " required" if item.required else " optional"
    return text


def _one_line(text: str) -> str:
    return " ".join(text.split())


# --- embedders ------------------------------------------------------------------------


@dataclass(frozen=True)
class Embedding:
    vector: list[float]
    """Unit length, EMBEDDING_DIMENSIONS long."""
    prompt_tokens: int
    """What the endpoint billed; 0 for the local embedder."""


class Embedder(Protocol):
    name: str
    """Which vectors are comparable: L2 entries are stored and looked up under it."""
    model: str | None
    """The priced model (config.llm_prices) for openai, None for local."""

    def embed(self, text: str) -> Embedding: ...


class LocalHashEmbedder:
    """Signed feature hashing of design_text's lines and words (blake2b, so a feature
    lands in the same dimension in every process); no model, no network, well under 1 ms."""

    model: str | None = None

    def __init__(self, *, dimensions: int) -> None:
        self.dimensions = dimensions
        self.name = f"local-hash-v1-{dimensions}"

    def embed(self, text: str) -> Embedding:
        vector = [0.0] * self.dimensions
        lines = [line for line in text.split("\n") if line]
        words = sorted({word for line in lines for word in _WORD.findall(line.lower())})
        for line in lines:
            weight = DESCRIPTION_WEIGHT if " description: " in line else LINE_WEIGHT
            self._add(vector, f"L\0{line}", weight)
            name, is_token, _ = line.partition(" = ")
            if is_token:
                self._add(vector, f"N\0{name}", NAME_WEIGHT)
        for word in words:
            self._add(vector, f"W\0{word}", WORD_WEIGHT)
        return Embedding(vector=normalised(vector), prompt_tokens=0)

    def _add(self, vector: list[float], feature: str, weight: float) -> None:
        digest = int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "big")
        sign = 1.0 if digest & 1 else -1.0
        vector[(digest >> 1) % self.dimensions] += sign * weight


class OpenAIEmbedder:
    """An OpenAI-compatible /embeddings endpoint, through the workers' openai client (one
    try: a look-up is not worth retrying). Failures the endpoint may get over raise
    DependencyUnavailable; a refused key, an unknown model or a request the endpoint
    rejects raise GenerationError (as the openai provider does). The caller treats either
    as an L2 miss."""

    def __init__(self, *, model: str, dimensions: int) -> None:
        self.model: str | None = model
        self.dimensions = dimensions
        self.name = f"openai:{model}:{dimensions}"

    def embed(self, text: str) -> Embedding:
        settings = get_settings()
        if settings.openai_api_key is None:
            raise GenerationError(
                'EMBEDDING_PROVIDER is "openai" but OPENAI_API_KEY is not set on the workers; '
                'set it, or use EMBEDDING_PROVIDER "local"'
            )
        try:
            response = openai_client().embeddings.create(
                model=str(self.model),
                input=text,
                dimensions=self.dimensions,
                timeout=min(EMBED_TIMEOUT_S, settings.openai_timeout_s),
            )
        except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
            raise GenerationError(
                f"the embeddings endpoint refused the key (HTTP {exc.status_code}); check "
                "OPENAI_API_KEY"
            ) from exc
        except openai.NotFoundError as exc:
            raise GenerationError(
                f"the embeddings endpoint does not know model {self.model!r}; check EMBEDDING_MODEL"
            ) from exc
        except openai.APIError as exc:
            if (kind := error_kind(exc)) is None:
                raise GenerationError(
                    f"the embeddings endpoint refused the request: {exc}"
                ) from exc
            raise DependencyUnavailable(
                f"embeddings endpoint unavailable ({kind}): {exc}",
                kind=kind,
                retry_after_s=retry_after_s(exc),
            ) from exc
        vector = list(response.data[0].embedding) if response.data else []
        if len(vector) != self.dimensions:
            raise GenerationError(
                f"the embeddings endpoint answered {len(vector)} dimensions, not "
                f"{self.dimensions}; EMBEDDING_MODEL must support `dimensions` "
                "(text-embedding-3-*)"
            )
        usage = response.usage
        return Embedding(
            vector=normalised(vector), prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0)
        )


def normalised(vector: Sequence[float]) -> list[float]:
    """`vector` scaled to unit length (all zeros stays all zeros)."""
    norm = math.sqrt(math.fsum(x * x for x in vector))
    return [x / norm for x in vector] if norm > 0 else [0.0] * len(vector)


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine similarity of two unit vectors: what pgvector's 1 - (a <=> b) gives."""
    return math.fsum(x * y for x, y in zip(a, b, strict=True))


@lru_cache(maxsize=1)
def get_embedder() -> Embedder:
    """The configured embedder (EMBEDDING_PROVIDER), built once per process. It holds no
    connection (the openai one borrows workers.clients' client, which is per process), so
    a forked child may share it; tests that change settings call get_embedder.cache_clear()."""
    settings = get_settings()
    if settings.embedding_provider == "openai":
        return OpenAIEmbedder(
            model=settings.embedding_model, dimensions=settings.embedding_dimensions
        )
    return LocalHashEmbedder(dimensions=settings.embedding_dimensions)
