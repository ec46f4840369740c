"""create generations, costs and cache_stats

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

USD = sa.Numeric(14, 6)


def upgrade() -> None:
    op.create_table(
        "generations",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("component_id", sa.String(64)),
        sa.Column("component_type", sa.String(32), nullable=False),
        sa.Column("component_name", sa.String(64), nullable=False),
        sa.Column("tenant_id", sa.String(128)),
        sa.Column("session_id", sa.String(128)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_ms", sa.Float),
        sa.Column("cache_layer", sa.String(8)),
        sa.Column("cache_key", sa.String(80)),
        sa.Column("pattern_id", sa.String(64)),
        sa.Column("provider", sa.String(32)),
        sa.Column("model", sa.String(100)),
        sa.Column("prompt_tokens", sa.Integer, nullable=False, server_default="0"),
        sa.Column("completion_tokens", sa.Integer, nullable=False, server_default="0"),
        sa.Column("cost_usd", USD, nullable=False, server_default="0"),
        sa.Column("saved_usd", USD, nullable=False, server_default="0"),
        sa.Column("quality_score", sa.Float),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="1"),
        sa.Column("success", sa.Boolean, nullable=False),
        sa.Column("error_type", sa.String(64)),
        sa.Column("error_message", sa.Text),
        sa.Column("trace_id", sa.String(64)),
        sa.Column("result", postgresql.JSONB),
    )
    op.create_index("ix_generations_created_at", "generations", ["created_at"])
    op.create_index(
        "ix_generations_type_created_at", "generations", ["component_type", "created_at"]
    )
    op.create_index("ix_generations_tenant_created_at", "generations", ["tenant_id", "created_at"])

    op.create_table(
        "costs",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column(
            "generation_id",
            sa.String(64),
            sa.ForeignKey("generations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("stage", sa.String(32), nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("model", sa.String(100)),
        sa.Column("prompt_tokens", sa.Integer, nullable=False, server_default="0"),
        sa.Column("completion_tokens", sa.Integer, nullable=False, server_default="0"),
        sa.Column("usd", USD, nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_costs_generation_id", "costs", ["generation_id"])
    op.create_index("ix_costs_created_at", "costs", ["created_at"])

    op.create_table(
        "cache_stats",
        sa.Column("bucket_start", sa.DateTime(timezone=True), primary_key=True),
        sa.Column("layer", sa.String(8), primary_key=True),
        sa.Column("hits", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("misses", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("lookup_ms_sum", sa.Float, nullable=False, server_default="0"),
        sa.Column("saved_usd", USD, nullable=False, server_default="0"),
    )


def downgrade() -> None:
    op.drop_table("cache_stats")
    op.drop_index("ix_costs_created_at", table_name="costs")
    op.drop_index("ix_costs_generation_id", table_name="costs")
    op.drop_table("costs")
    op.drop_index("ix_generations_tenant_created_at", table_name="generations")
    op.drop_index("ix_generations_type_created_at", table_name="generations")
    op.drop_index("ix_generations_created_at", table_name="generations")
    op.drop_table("generations")
