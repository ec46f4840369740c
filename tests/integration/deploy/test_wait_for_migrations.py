"""deploy/bin/wait-for-migrations.sh against the run's database, migrated by the
`services` fixture."""

from __future__ import annotations

import pytest

from tests.unit.deploy.test_wait_for_migrations import run_script

pytestmark = pytest.mark.integration


def test_returns_at_once_on_the_migrated_test_database() -> None:
    # Given the run's database, migrated
    # When the init container's script runs against it
    result = run_script(MIGRATIONS_WAIT_S="0")
    # Then it succeeds without waiting
    assert result.returncode == 0, result.stderr
    assert "schema ready" in result.stdout
