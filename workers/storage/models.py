"""SQLAlchemy 2 models: the lasting record of jobs, paid calls and cache behaviour.

Changing a column means a new Alembic revision in migrations/versions.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql.base import ischema_names
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import UserDefinedType

USD = Numeric(14, 6)


class Base(DeclarativeBase):
    pass


class Vector(UserDefinedType[str]):
    """pgvector's `vector(n)`, without the pgvector package: values travel in its text
    form, '[0.1,0.2,...]' (workers.storage.semantic_cache writes them)."""

    cache_ok = True

    def __init__(self, dimensions: int) -> None:
        self.dimensions = dimensions

    def get_col_spec(self, **kw: Any) -> str:
        return f"VECTOR({self.dimensions})"


# So that reflecting semantic_cache (alembic's autogenerate) knows the type, not a warning.
ischema_names["vector"] = Vector


class Generation(Base):
    """One row per job, written once when the job ends."""

    __tablename__ = "generations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    component_id: Mapped[str | None] = mapped_column(String(64))
    component_type: Mapped[str] = mapped_column(String(32))
    component_name: Mapped[str] = mapped_column(String(64))
    tenant_id: Mapped[str | None] = mapped_column(String(128))
    session_id: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    duration_ms: Mapped[float | None]
    cache_layer: Mapped[str | None] = mapped_column(String(8))
    cache_key: Mapped[str | None] = mapped_column(String(80))
    pattern_id: Mapped[str | None] = mapped_column(String(64))
    provider: Mapped[str | None] = mapped_column(String(32))
    model: Mapped[str | None] = mapped_column(String(100))
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cost_usd: Mapped[Decimal] = mapped_column(USD, default=Decimal(0))
    saved_usd: Mapped[Decimal] = mapped_column(USD, default=Decimal(0))
    quality_score: Mapped[float | None]
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    success: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(16))
    """succeeded, failed or cancelled (`success` is True only for succeeded)."""
    error_type: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    trace_id: Mapped[str | None] = mapped_column(String(64))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONB)

    __table_args__ = (
        Index("ix_generations_created_at", "created_at"),
        Index("ix_generations_type_created_at", "component_type", "created_at"),
        # INCLUDE: /v1/usage's month of a tenant read from the index alone (migration 0006).
        Index(
            "ix_generations_tenant_created_at",
            "tenant_id",
            "created_at",
            postgresql_include=["status", "success", "cache_layer", "saved_usd"],
        ),
        Index("ix_generations_finished_at", "finished_at"),
        Index("ix_generations_tenant_finished_at", "tenant_id", "finished_at"),
    )


class Cost(Base):
    """One row per paid call (LLM, paid API)."""

    __tablename__ = "costs"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    generation_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("generations.id", ondelete="CASCADE")
    )
    stage: Mapped[str] = mapped_column(String(32))
    provider: Mapped[str] = mapped_column(String(32))
    model: Mapped[str | None] = mapped_column(String(100))
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    usd: Mapped[Decimal] = mapped_column(USD, default=Decimal(0))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_costs_generation_id", "generation_id"),
        Index("ix_costs_created_at", "created_at"),
    )


class CacheStat(Base):
    """Hits, misses, lookup latency and savings per cache layer per minute."""

    __tablename__ = "cache_stats"

    bucket_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    layer: Mapped[str] = mapped_column(String(8), primary_key=True)
    hits: Mapped[int] = mapped_column(BigInteger, default=0)
    misses: Mapped[int] = mapped_column(BigInteger, default=0)
    lookup_ms_sum: Mapped[float] = mapped_column(default=0.0)
    saved_usd: Mapped[Decimal] = mapped_column(USD, default=Decimal(0))


class Batch(Base):
    """A batch of jobs submitted together (POST /v1/generations/batch): the ids of the
    ones accepted, in the order of the request. Job rows are written only when each job
    ends, so the batch keeps its members itself."""

    __tablename__ = "batches"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    job_ids: Mapped[list[str]] = mapped_column(JSONB)


class Tenant(Base):
    """A team sharing the deployment: its limits (NULL: the deployment's default) and its
    own Figma token (encrypted with TENANT_SECRETS_KEY; never stored in clear)."""

    __tablename__ = "tenants"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    requests_per_minute: Mapped[int | None] = mapped_column(Integer)
    max_in_flight: Mapped[int | None] = mapped_column(Integer)
    monthly_budget_usd: Mapped[Decimal | None] = mapped_column(USD)
    allowed_providers: Mapped[list[str] | None] = mapped_column(JSONB)
    allowed_models: Mapped[list[str] | None] = mapped_column(JSONB)
    figma_token_encrypted: Mapped[str | None] = mapped_column(Text)
    webhook_hosts: Mapped[list[str] | None] = mapped_column(JSONB)
    """Hosts its jobs' webhooks may call (`*.example.com` too); NULL or empty: none."""
    webhook_secret_encrypted: Mapped[str | None] = mapped_column(Text)
    """Its Standard Webhooks signing secret (`whsec_...`), sealed like the Figma token."""
    code_packages: Mapped[list[str] | None] = mapped_column(JSONB)
    """Packages its generated code may import (`@scope/*` too); NULL: CODE_ALLOWED_PACKAGES."""
    code_url_hosts: Mapped[list[str] | None] = mapped_column(JSONB)
    """Hosts https: URLs in its generated code may point at; NULL: CODE_URL_HOSTS."""


class ApiKey(Base):
    """An API key: only its SHA-256 is kept; `prefix` is its visible id."""

    __tablename__ = "api_keys"

    prefix: Mapped[str] = mapped_column(String(16), primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    tenant_id: Mapped[str] = mapped_column(String(64), ForeignKey("tenants.id"))
    name: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_api_keys_tenant_id", "tenant_id"),)


class WebhookDelivery(Base):
    """One row per webhook delivery attempt (workers.webhooks.deliveries)."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    generation_id: Mapped[str] = mapped_column(String(64))
    tenant_id: Mapped[str | None] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(Text)
    attempt: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status_code: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(16))  # delivered failed refused retrying
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[float | None]

    __table_args__ = (
        Index("ix_webhook_deliveries_generation_id", "generation_id", "attempt"),
        Index("ix_webhook_deliveries_at", "at"),
    )


class SemanticCacheEntry(Base):
    """An L2 entry: a generated component, found by its design's embedding (pgvector).
    Only where the server has pgvector (migration 0005 creates nothing otherwise)."""

    __tablename__ = "semantic_cache"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(Text)
    component_type: Mapped[str] = mapped_column(Text)
    generator: Mapped[str] = mapped_column(Text)
    embedder: Mapped[str] = mapped_column(Text)
    embedding: Mapped[str] = mapped_column(Vector(256))  # settings.EMBEDDING_DIMENSIONS
    source_job_id: Mapped[str] = mapped_column(Text)
    component_id: Mapped[str] = mapped_column(Text)
    component_name: Mapped[str] = mapped_column(Text)
    pattern_id: Mapped[str] = mapped_column(Text)
    requirements: Mapped[dict[str, Any]] = mapped_column(JSONB)
    token_names: Mapped[list[str]] = mapped_column(JSONB)
    component_tsx: Mapped[str] = mapped_column(Text)
    stories_tsx: Mapped[str] = mapped_column(Text)
    typescript: Mapped[dict[str, Any]] = mapped_column(JSONB)
    provider: Mapped[str] = mapped_column(Text)
    model: Mapped[str | None] = mapped_column(Text)
    cost_usd: Mapped[Decimal] = mapped_column(Numeric(12, 6), server_default="0")
    created_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index(
            "ix_semantic_cache_embedding",
            "embedding",
            postgresql_using="hnsw",
            postgresql_ops={"embedding": "vector_cosine_ops"},
        ),
        Index(
            "ix_semantic_cache_lookup",
            "tenant_id",
            "component_type",
            "generator",
            "embedder",
            "expires_at",
        ),
        Index("ix_semantic_cache_expires_at", "expires_at"),
    )


class GenerationRollup(Base):
    """generations aggregated per hour (period_hours 1) or UTC day (24), in one of a few
    grains (workers.storage.rollups): a dimension a grain does not keep holds '*', a NULL
    one ''. tenant_id '*' is every tenant's (the admin's reads)."""

    __tablename__ = "generation_rollups"

    grain: Mapped[str] = mapped_column(String(8), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    period_hours: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    period_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    component_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    cache_layer: Mapped[str] = mapped_column(String(8), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    error_type: Mapped[str] = mapped_column(String(64), primary_key=True)
    latency_bucket: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    jobs: Mapped[int] = mapped_column(BigInteger)
    succeeded: Mapped[int] = mapped_column(BigInteger)
    failed: Mapped[int] = mapped_column(BigInteger)
    cost_usd: Mapped[Decimal] = mapped_column(Numeric(20, 6))
    saved_usd: Mapped[Decimal] = mapped_column(Numeric(20, 6))
    llm_tokens: Mapped[int] = mapped_column(BigInteger)
    quality_sum: Mapped[float]
    quality_n: Mapped[int] = mapped_column(BigInteger)
    similarity_sum: Mapped[float]
    similarity_n: Mapped[int] = mapped_column(BigInteger)
    duration_min: Mapped[float | None]
    duration_max: Mapped[float | None]

    __table_args__ = (
        Index("ix_generation_rollups_grain_period", "grain", "period_hours", "period_start"),
    )


class TenantSpendHour(Base):
    """A tenant's paid costs (costs rows, by their created_at) per hour: the spend rebuild's
    closed hours."""

    __tablename__ = "tenant_spend_hours"

    tenant_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    hour: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    paid_usd: Mapped[Decimal] = mapped_column(Numeric(20, 6))

    __table_args__ = (Index("ix_tenant_spend_hours_hour", "hour"),)
