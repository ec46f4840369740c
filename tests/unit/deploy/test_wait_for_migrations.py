"""deploy/bin/wait-for-migrations.sh, the init container of the api and worker pods."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from tests.helpers import ROOT

BIN = ROOT / "deploy" / "bin"


def waiter() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "wait_for_migrations", BIN / "wait_for_migrations.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_script(**env: str) -> subprocess.CompletedProcess[str]:
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    return subprocess.run(
        [str(BIN / "wait-for-migrations.sh")],
        cwd=ROOT,
        env={**os.environ, "PATH": path, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_ready_at_the_head_or_past_it_never_before() -> None:
    module = waiter()
    script, schema_ready = module.script_directory(), module.schema_ready
    assert schema_ready(script, set(script.get_heads()))
    assert schema_ready(script, {"f00dfeed1234"}), "a newer revision (code rolled back)"
    assert not schema_ready(script, set()), "a database never migrated"


def test_gives_up_when_the_database_never_answers() -> None:
    result = run_script(
        DATABASE_URL="postgresql+psycopg2://nobody@127.0.0.1:1/none", MIGRATIONS_WAIT_S="0"
    )
    assert result.returncode == 1
    assert "gave up waiting for migrations: database unreachable" in result.stderr
