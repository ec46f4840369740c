"""semantic_cache: the L2 cache's entries, found by cosine similarity (pgvector)

Only where the server can load pgvector: without it this revision creates nothing and
warns, and the semantic cache stays off (workers.storage.semantic_cache.available).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

logger = logging.getLogger("alembic.runtime.migration")

EMBEDDING_DIMENSIONS = 256
"""Stated here, not read from settings: a revision must create the same table whenever it
runs. Changing the dimension needs a new revision (and the entries re-embedded)."""

NO_PGVECTOR_WARNING = (
    "pgvector is not installed on this PostgreSQL server: semantic_cache was not created "
    "and the L2 semantic cache stays off. To turn it on, install pgvector on the server "
    "(Debian/PGDG package postgresql-NN-pgvector, or run the pgvector/pgvector image), then "
    "run `alembic downgrade 0004 && alembic upgrade head`."
)


class _Vector(sa.types.UserDefinedType[str]):
    cache_ok = True

    def get_col_spec(self, **kw: object) -> str:
        return f"VECTOR({EMBEDDING_DIMENSIONS})"


def _pgvector_available() -> bool:
    found = op.get_bind().execute(
        sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")
    )
    return found.first() is not None


def upgrade() -> None:
    if not _pgvector_available():
        # Beside alembic's own lines: on stderr from `alembic upgrade`, in the migrate log.
        logger.warning(NO_PGVECTOR_WARNING)
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    op.create_table(
        "semantic_cache",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.Text, nullable=False),
        sa.Column("component_type", sa.Text, nullable=False),
        sa.Column("generator", sa.Text, nullable=False),
        sa.Column("embedder", sa.Text, nullable=False),
        sa.Column("embedding", _Vector(), nullable=False),
        sa.Column("source_job_id", sa.Text, nullable=False),
        sa.Column("component_id", sa.Text, nullable=False),
        sa.Column("component_name", sa.Text, nullable=False),
        sa.Column("pattern_id", sa.Text, nullable=False),
        sa.Column("requirements", postgresql.JSONB, nullable=False),
        sa.Column("token_names", postgresql.JSONB, nullable=False),
        sa.Column("component_tsx", sa.Text, nullable=False),
        sa.Column("stories_tsx", sa.Text, nullable=False),
        sa.Column("typescript", postgresql.JSONB, nullable=False),
        sa.Column("provider", sa.Text, nullable=False),
        sa.Column("model", sa.Text),
        sa.Column("cost_usd", sa.Numeric(12, 6), nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_semantic_cache_embedding",
        "semantic_cache",
        ["embedding"],
        postgresql_using="hnsw",
        postgresql_ops={"embedding": "vector_cosine_ops"},
    )
    op.create_index(
        "ix_semantic_cache_lookup",
        "semantic_cache",
        ["tenant_id", "component_type", "generator", "embedder", "expires_at"],
    )
    op.create_index("ix_semantic_cache_expires_at", "semantic_cache", ["expires_at"])


def downgrade() -> None:
    # The table only: the extension may serve others, and dropping it needs more rights.
    op.execute("DROP TABLE IF EXISTS semantic_cache")
