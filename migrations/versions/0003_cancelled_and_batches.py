"""generations.status (cancelled is a status of its own) and batches

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("generations", sa.Column("status", sa.String(16)))
    op.execute(
        "UPDATE generations SET status = CASE WHEN success THEN 'succeeded' ELSE 'failed' END"
    )
    op.alter_column("generations", "status", nullable=False)
    op.create_table(
        "batches",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("job_ids", postgresql.JSONB, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("batches")
    op.drop_column("generations", "status")
