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
    String,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

USD = Numeric(14, 6)


class Base(DeclarativeBase):
    pass


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
        Index("ix_generations_tenant_created_at", "tenant_id", "created_at"),
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
