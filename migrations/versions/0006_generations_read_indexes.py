"""generations: indexes for the reads that must stay flat at 10^6 rows

- ix_generations_finished_at, ix_generations_tenant_finished_at: the dashboard summary's
  recent jobs (newest finished first, LIMIT 15) read 15 index entries instead of sorting
  every row (a seq scan: 0.7 s at 10^6 rows).
- ix_generations_tenant_created_at gains INCLUDE (status, success, cache_layer,
  saved_usd): /v1/usage's month of one tenant becomes an index-only scan instead of a
  heap visit per row (devstack.bench.growth measures both).

Built CONCURRENTLY (outside the migration's transaction): a large table keeps taking
writes while they build.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

USAGE_COLUMNS = ["status", "success", "cache_layer", "saved_usd"]


def upgrade() -> None:
    with op.get_context().autocommit_block():
        op.create_index(
            "ix_generations_finished_at", "generations", ["finished_at"],
            postgresql_concurrently=True, if_not_exists=True,
        )  # fmt: skip
        op.create_index(
            "ix_generations_tenant_finished_at", "generations", ["tenant_id", "finished_at"],
            postgresql_concurrently=True, if_not_exists=True,
        )  # fmt: skip
        # Built under a new name, then swapped: the tenant's reads always have an index.
        op.create_index(
            "ix_generations_tenant_created_at_usage", "generations", ["tenant_id", "created_at"],
            postgresql_include=USAGE_COLUMNS, postgresql_concurrently=True, if_not_exists=True,
        )  # fmt: skip
        op.drop_index(
            "ix_generations_tenant_created_at", table_name="generations",
            postgresql_concurrently=True, if_exists=True,
        )  # fmt: skip
    op.execute(
        "ALTER INDEX ix_generations_tenant_created_at_usage "
        "RENAME TO ix_generations_tenant_created_at"
    )


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.create_index(
            "ix_generations_tenant_created_at_plain", "generations", ["tenant_id", "created_at"],
            postgresql_concurrently=True, if_not_exists=True,
        )  # fmt: skip
        op.drop_index(
            "ix_generations_tenant_created_at", table_name="generations",
            postgresql_concurrently=True, if_exists=True,
        )  # fmt: skip
        op.drop_index(
            "ix_generations_tenant_finished_at", table_name="generations",
            postgresql_concurrently=True, if_exists=True,
        )  # fmt: skip
        op.drop_index(
            "ix_generations_finished_at", table_name="generations",
            postgresql_concurrently=True, if_exists=True,
        )  # fmt: skip
    op.execute(
        "ALTER INDEX ix_generations_tenant_created_at_plain "
        "RENAME TO ix_generations_tenant_created_at"
    )
