"""The L2 semantic cache's entries in Postgres (pgvector): store one, find the nearest.

An entry is a generated component keyed by its design's embedding and scoped to a tenant,
a component type, a generator and an embedder: a lookup never crosses any of them, so one
tenant's code never reaches another and vectors of different embedders are never compared.
Similarity is cosine similarity, 1 - (a <=> b). Entries live until `expires_at`;
purge_expired removes the dead ones. Where the server has no pgvector (migration 0005
created nothing) `available` is False and callers skip L2.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, RowMapping, func, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import SQLAlchemyError

from workers.storage.models import SemanticCacheEntry

logger = logging.getLogger(__name__)

AVAILABLE_MEMO_S = 60.0
"""How long `available` trusts its answer: a migration run meanwhile shows within a minute,
and a job costs no extra round trip."""

EF_SEARCH = 100
"""hnsw.ef_search for the lookup: candidates the index scan keeps (pgvector's default is
40). The scope filters apply after the scan, so a wider scan finds a tenant's neighbour
among other tenants' entries more often."""


@dataclass(frozen=True)
class SemanticEntry:
    source_job_id: str
    component_id: str
    component_name: str
    pattern_id: str
    requirements: dict[str, Any]
    """Requirements.model_dump(mode="json", exclude_none=True)."""
    token_names: list[str]
    """The --cf-... custom property names the code declares."""
    component_tsx: str
    stories_tsx: str
    typescript: dict[str, Any]
    """The source job's quality["typescript"] summary."""
    provider: str
    model: str | None
    cost_usd: float
    """What generating it cost: what a hit saves."""


@dataclass(frozen=True)
class Neighbour:
    entry: SemanticEntry
    similarity: float
    """Cosine similarity, 1 - (a <=> b): 1.0 for the same direction."""


_memo_lock = threading.Lock()
_memo: dict[str, tuple[float, bool]] = {}  # engine url -> (monotonic time, answer)


def available(engine: Engine) -> bool:
    """Whether semantic_cache exists on the engine's database; memoised per process and
    engine URL for AVAILABLE_MEMO_S. False, never an error, when Postgres does not answer
    (and that answer is memoised too, so an outage costs one failed connect a minute)."""
    key = engine.url.render_as_string(hide_password=True)
    now = time.monotonic()
    with _memo_lock:
        memo = _memo.get(key)
    if memo is not None and now - memo[0] < AVAILABLE_MEMO_S:
        return memo[1]
    try:
        with engine.connect() as conn:
            found = conn.execute(text("SELECT to_regclass('semantic_cache')")).scalar()
        answer = found is not None
    except SQLAlchemyError as exc:
        logger.warning("semantic cache: cannot tell whether it is available: %s", exc)
        answer = False
    with _memo_lock:
        _memo[key] = (now, answer)
    return answer


def vector_literal(vector: Sequence[float]) -> str:
    """pgvector's text form, '[0.1,0.2,...]'; repr keeps every float exactly."""
    values = [float(value) for value in vector]
    if not values or not all(math.isfinite(value) for value in values):
        raise ValueError("a vector needs at least one value, all finite")
    return "[" + ",".join(repr(value) for value in values) + "]"


_NEAREST = text(
    """
    SELECT source_job_id, component_id, component_name, pattern_id, requirements,
           token_names, component_tsx, stories_tsx, typescript, provider, model, cost_usd,
           embedding <=> CAST(:vector AS vector) AS distance
    FROM semantic_cache
    WHERE tenant_id = :tenant AND component_type = :component_type
      AND generator = :generator AND embedder = :embedder AND expires_at > now()
    ORDER BY embedding <=> CAST(:vector AS vector)
    LIMIT 1
    """
)


@dataclass(frozen=True)
class Scope:
    """What an entry is stored under and a lookup sees: one tenant's entries of one
    component type, made by one generator, embedded by one embedder."""

    tenant: str
    component_type: str
    generator: str
    embedder: str


def nearest(engine: Engine, scope: Scope, *, vector: Sequence[float]) -> Neighbour | None:
    """The live entry of `scope` nearest to `vector`, at any similarity (the caller
    applies its threshold); None when the scope has none."""
    params = {"vector": vector_literal(vector), **asdict(scope)}
    with engine.begin() as conn:
        # SET LOCAL: for this transaction only, not for the pooled connection's next user.
        conn.execute(text(f"SET LOCAL hnsw.ef_search = {EF_SEARCH}"))
        row = conn.execute(_NEAREST, params).mappings().first()
    if row is None:
        return None
    return Neighbour(entry=_entry(row), similarity=1.0 - float(row["distance"]))


def _entry(row: RowMapping) -> SemanticEntry:
    return SemanticEntry(
        source_job_id=row["source_job_id"],
        component_id=row["component_id"],
        component_name=row["component_name"],
        pattern_id=row["pattern_id"],
        requirements=row["requirements"],
        token_names=row["token_names"],
        component_tsx=row["component_tsx"],
        stories_tsx=row["stories_tsx"],
        typescript=row["typescript"],
        provider=row["provider"],
        model=row["model"],
        cost_usd=float(row["cost_usd"]),
    )


def store(
    engine: Engine, scope: Scope, *, vector: Sequence[float], entry: SemanticEntry, ttl_s: int
) -> None:
    """Add an entry that lives `ttl_s` seconds. Always an insert: nothing already stored,
    this tenant's or another's, is changed."""
    values = {
        "tenant_id": scope.tenant,
        "component_type": scope.component_type,
        "generator": scope.generator,
        "embedder": scope.embedder,
        "embedding": vector_literal(vector),
        "source_job_id": entry.source_job_id,
        "component_id": entry.component_id,
        "component_name": entry.component_name,
        "pattern_id": entry.pattern_id,
        "requirements": entry.requirements,
        "token_names": entry.token_names,
        "component_tsx": entry.component_tsx,
        "stories_tsx": entry.stories_tsx,
        "typescript": entry.typescript,
        "provider": entry.provider,
        "model": entry.model,
        "cost_usd": Decimal(str(entry.cost_usd)),
        "expires_at": func.now() + timedelta(seconds=ttl_s),
    }
    with engine.begin() as conn:
        conn.execute(insert(SemanticCacheEntry).values(values))


_PURGE = text(
    """
    DELETE FROM semantic_cache
    WHERE id IN (SELECT id FROM semantic_cache WHERE expires_at <= now() LIMIT :limit)
    """
)


def purge_expired(engine: Engine, *, limit: int = 1000) -> int:
    """Delete up to `limit` expired entries (a bounded batch: call again while it returns
    `limit`); returns how many went."""
    with engine.begin() as conn:
        return conn.execute(_PURGE, {"limit": limit}).rowcount
