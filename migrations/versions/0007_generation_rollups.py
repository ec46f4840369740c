"""generation_rollups and tenant_spend_hours: hourly (and daily) aggregates of generations
and of paid costs, so that window reads cost the hours in the window, not the rows

Filled by workers.storage.rollups (a sweep in each worker's main process). Read by the
dashboard (workers.observability.dashboard_data, dashboard_trends) and the spend rebuild
(workers.storage.spend): closed hours from here, the rest from the raw rows.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-10
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

USD = sa.Numeric(20, 6)


def upgrade() -> None:
    op.create_table(
        "generation_rollups",
        sa.Column("grain", sa.String(8), nullable=False),
        sa.Column("tenant_id", sa.String(128), nullable=False),
        sa.Column("period_hours", sa.SmallInteger, nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("component_type", sa.String(32), nullable=False),
        sa.Column("cache_layer", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error_type", sa.String(64), nullable=False),
        sa.Column("latency_bucket", sa.SmallInteger, nullable=False),
        sa.Column("jobs", sa.BigInteger, nullable=False),
        sa.Column("succeeded", sa.BigInteger, nullable=False),
        sa.Column("failed", sa.BigInteger, nullable=False),
        sa.Column("cost_usd", USD, nullable=False),
        sa.Column("saved_usd", USD, nullable=False),
        sa.Column("llm_tokens", sa.BigInteger, nullable=False),
        sa.Column("quality_sum", sa.Float, nullable=False),
        sa.Column("quality_n", sa.BigInteger, nullable=False),
        sa.Column("similarity_sum", sa.Float, nullable=False),
        sa.Column("similarity_n", sa.BigInteger, nullable=False),
        sa.Column("duration_min", sa.Float),
        sa.Column("duration_max", sa.Float),
        sa.PrimaryKeyConstraint(
            "grain",
            "tenant_id",
            "period_hours",
            "period_start",
            "component_type",
            "cache_layer",
            "status",
            "error_type",
            "latency_bucket",
            name="pk_generation_rollups",
        ),
    )
    # Every tenant's rows of a period (the admin's spend by tenant).
    op.create_index(
        "ix_generation_rollups_grain_period",
        "generation_rollups",
        ["grain", "period_hours", "period_start"],
    )
    op.create_table(
        "tenant_spend_hours",
        sa.Column("tenant_id", sa.String(128), nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paid_usd", USD, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "hour", name="pk_tenant_spend_hours"),
    )
    op.create_index("ix_tenant_spend_hours_hour", "tenant_spend_hours", ["hour"])


def downgrade() -> None:
    op.drop_table("tenant_spend_hours")
    op.drop_table("generation_rollups")
