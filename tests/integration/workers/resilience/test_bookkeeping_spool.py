"""Postgres down: jobs still succeed, their rows wait on disk and appear once, in order,
when a worker can reach Postgres again."""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from tests.helpers import generation_rows, make_job, wait_for_end

pytestmark = pytest.mark.integration
UNREACHABLE_DB = "postgresql+psycopg2://postgres@127.0.0.1:9/componentforge"


def test_rows_are_spooled_then_replayed_once(
    start_worker: Callable[..., Any],
    start_api: Callable[..., httpx.Client],
    engine: Engine,
    tmp_path: Path,
) -> None:
    # Given a worker that cannot reach Postgres
    queue = f"spool-{uuid.uuid4().hex[:8]}"
    spool_dir = tmp_path / "spool"
    settings = {"SPOOL_DIR": str(spool_dir), "SPOOL_REPLAY_INTERVAL_S": "0.5"}
    cut_off = start_worker(queue=queue, env={**settings, "DATABASE_URL": UNREACHABLE_DB})
    # When jobs submitted through the API run there (a job published straight onto the
    # queue waits for Postgres: its tenant and id are checked there first)
    api = start_api(env={"GENERATION_QUEUE": queue})
    bodies = [make_job(component_name=f"Spooled{n}Badge", component_type="badge") for n in range(3)]
    sent = [api.post("/v1/generations", json=body).json()["id"] for body in bodies]
    statuses = [wait_for_end(api, s) for s in sent]
    # Then they succeed, say their bookkeeping is spooled, and no row exists yet
    assert [s["status"] for s in statuses] == ["succeeded"] * 3
    assert {s["result"]["bookkeeping"] for s in statuses} == {"spooled"}
    assert [generation_rows(engine, s) for s in sent] == [0, 0, 0]
    spooled = sorted((spool_dir / "bookkeeping").glob("*.json"))
    assert len(spooled) == 3
    kept = tmp_path / "replayed-again.json"
    shutil.copy(spooled[0], kept)
    cut_off.stop()

    # When a worker that reaches Postgres starts on that machine
    start_worker(queue=queue, env=settings)
    # Then every row appears, exactly once, and the spool empties
    deadline = time.monotonic() + 20
    while any(generation_rows(engine, s) == 0 for s in sent) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert [generation_rows(engine, s) for s in sent] == [1, 1, 1]
    assert list((spool_dir / "bookkeeping").glob("*.json")) == []
    # And replaying an item again (a crash between write and delete) adds nothing
    shutil.copy(kept, spool_dir / "bookkeeping" / kept.name.replace("replayed-again", "0" * 20))
    deadline = time.monotonic() + 10
    while list((spool_dir / "bookkeeping").glob("*.json")) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert [generation_rows(engine, s) for s in sent] == [1, 1, 1]
