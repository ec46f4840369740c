"""Migrations: they match the models, and downgrade cleanly."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

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
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
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
