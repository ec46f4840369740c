"""Wait until the database schema is at, or past, this code's Alembic head.

The api and worker pods run this as their init container (wait-for-migrations.sh):
Kubernetes cannot start a pod after a Job, so the pods wait here for the migrate Job.
A revision this code does not know counts as past its head (the code was rolled back
after a newer migration), so older pods still start; migrations are written to allow it.
Exit 0 when ready, 1 when the timeout runs out first (the pod then shows the failure).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, pool
from sqlalchemy.exc import SQLAlchemyError

from config.settings import get_settings

ROOT = Path(__file__).resolve().parents[2]
POLL_S = 5.0


def script_directory() -> ScriptDirectory:
    """This code's migrations, found where alembic.ini says they are."""
    location = Config(str(ROOT / "alembic.ini")).get_main_option("script_location")
    assert location, "alembic.ini names no script_location"
    return ScriptDirectory(location)


def schema_ready(script: ScriptDirectory, current: set[str]) -> bool:
    """True when the database's revisions are this code's heads, or newer than it knows."""
    if current == set(script.get_heads()):
        return True
    known = {revision.revision for revision in script.walk_revisions()}
    return bool(current - known)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Wait for the database to be migrated.")
    parser.add_argument("--timeout-s", type=float, default=300.0)
    args = parser.parse_args(argv)

    script = script_directory()
    engine = create_engine(get_settings().database_url, poolclass=pool.NullPool)
    deadline = time.monotonic() + args.timeout_s
    while True:
        try:
            with engine.connect() as conn:
                current = set(MigrationContext.configure(conn).get_current_heads())
            if schema_ready(script, current):
                print(f"schema ready at {sorted(current)}", flush=True)
                return 0
            state = f"database at {sorted(current)}, code at {sorted(script.get_heads())}"
        except SQLAlchemyError as exc:
            state = f"database unreachable ({type(exc).__name__})"
        if time.monotonic() >= deadline:
            print(f"gave up waiting for migrations: {state}", file=sys.stderr, flush=True)
            return 1
        print(f"waiting for migrations: {state}", flush=True)
        time.sleep(POLL_S)


if __name__ == "__main__":
    sys.exit(main())
