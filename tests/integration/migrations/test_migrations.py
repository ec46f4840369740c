"""Migrations: they match the models, and downgrade cleanly."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from tests.helpers import ROOT, own_database
from workers.storage.models import Base

pytestmark = pytest.mark.integration


@pytest.fixture
def scratch_database_url() -> Iterator[str]:
    """A database of its own, so upgrading and downgrading touches no other test's data."""
    with own_database(os.environ["DATABASE_URL"], "cf_migrate") as url:
        yield url


def alembic(database_url: str, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "alembic", *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
        check=True,
        capture_output=True,
    )


def test_upgrade_matches_models_and_downgrades(scratch_database_url: str) -> None:
    alembic(scratch_database_url, "upgrade", "head")
    engine = create_engine(scratch_database_url)
    try:
        with engine.connect() as conn:
            # Without pgvector, 0005 leaves semantic_cache out on purpose (the test of the
            # semantic cache's storage compares it on a server that has pgvector).
            has_pgvector = conn.execute(
                text("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")
            ).first()
            skip = set() if has_pgvector else {"semantic_cache"}

            def compared(item: Any, name: str | None, kind: str, *_: Any) -> bool:
                return (name if kind == "table" else item.table.name) not in skip

            context = MigrationContext.configure(conn, opts={"include_object": compared})
            diff = compare_metadata(context, Base.metadata)
        assert diff == [], f"models and migrations differ: {diff}"

        alembic(scratch_database_url, "downgrade", "base")
        tables = set(inspect(engine).get_table_names()) - {"alembic_version"}
        assert tables == set()

        alembic(scratch_database_url, "upgrade", "head")
        assert {"generations", "costs", "cache_stats"} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_0003_gives_existing_rows_the_status_their_success_says(
    scratch_database_url: str,
) -> None:
    # Given rows written before generations had a status
    alembic(scratch_database_url, "upgrade", "0002")
    engine = create_engine(scratch_database_url)
    try:
        with engine.begin() as conn:
            for job_id, success in (("ok", True), ("ko", False)):
                conn.execute(
                    text(
                        "INSERT INTO generations (id, component_type, component_name, "
                        "created_at, finished_at, success) VALUES (:id, 'button', 'B', now(), "
                        "now(), :success)"
                    ),
                    {"id": job_id, "success": success},
                )
        # When 0003 runs
        alembic(scratch_database_url, "upgrade", "0003")
        # Then each says what its success said
        with engine.connect() as conn:
            rows = dict(conn.execute(text("SELECT id, status FROM generations")).all())
        assert rows == {"ok": "succeeded", "ko": "failed"}
    finally:
        engine.dispose()


def _generations_indexes(engine: Any) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(
            conn.execute(
                text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'generations'")
            ).all()
        )


def test_0006_covers_usage_and_orders_recent_jobs_and_downgrades(
    scratch_database_url: str,
) -> None:
    # Given the schema at 0006 (the comparison with the models does not see INCLUDE)
    alembic(scratch_database_url, "upgrade", "0006")
    engine = create_engine(scratch_database_url)
    try:
        indexes = _generations_indexes(engine)
        # Then /v1/usage's columns ride in the tenant index, and recent jobs have theirs
        assert indexes["ix_generations_tenant_created_at"].endswith(
            "(tenant_id, created_at) INCLUDE (status, success, cache_layer, saved_usd)"
        )
        assert indexes["ix_generations_finished_at"].endswith("(finished_at)")
        assert indexes["ix_generations_tenant_finished_at"].endswith("(tenant_id, finished_at)")
        # And downgrading to 0005 gives back the plain tenant index and nothing more
        alembic(scratch_database_url, "downgrade", "0005")
        indexes = _generations_indexes(engine)
        assert indexes["ix_generations_tenant_created_at"].endswith("(tenant_id, created_at)")
        assert not {"ix_generations_finished_at", "ix_generations_tenant_finished_at"} & set(
            indexes
        )
    finally:
        engine.dispose()
