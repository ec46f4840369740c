"""Memory that cannot be filled: an ended job's hash drops its body (Postgres keeps the
record), and an inline Figma file is capped (MAX_INLINE_FIGMA_BYTES)."""

from __future__ import annotations

import json
import logging
import os
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from core.keys import job_key
from devstack.keys import mint_key
from tests.conftest import bearer
from tests.helpers import figma_document, make_job, wait_for_end

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]
logger = logging.getLogger(__name__)

CAP_BYTES = 512 * 1024  # MAX_INLINE_FIGMA_BYTES' default
JOBS = 40
ENDED_HASH_MAX_BYTES = 8192
"""An ended job's hash: its status fields and result record (~2.6 KB, mostly the quality
summary), against the ~500 KB body it held while live."""


def inline_figma_job(size_bytes: int) -> dict[str, Any]:
    """A job whose inline Figma file is about `size_bytes` as compact JSON."""
    document = figma_document()
    base = len(json.dumps(document, separators=(",", ":")).encode())
    document["padding"] = "x" * max(size_bytes - base - 20, 0)
    source = {"figma_file": document}
    return make_job(component_name="InlineFigmaButton", source=source, tokens=None)


def used_memory(redis_db: Any) -> int:
    return int(redis_db.info("memory")["used_memory"])


def test_an_inline_figma_file_over_the_cap_is_refused(in_process_api: TestClient) -> None:
    # When a job carries an inline Figma file over MAX_INLINE_FIGMA_BYTES
    response = in_process_api.post("/v1/generations", json=inline_figma_job(CAP_BYTES + 4096))
    # Then it is refused, naming the field and what to do instead
    assert response.status_code == 422, response.text
    fields = {f["field"]: f["reason"] for f in response.json()["error"]["fields"]}
    assert "MAX_INLINE_FIGMA_BYTES" in fields["source.figma_file"]


def test_ended_jobs_hold_no_body_in_redis(
    start_api: Callable[..., httpx.Client],
    start_worker: Callable[..., Any],
    redis_db: Any,
) -> None:
    # Given an API whose jobs wait on a queue no worker reads yet, for a tenant without quotas
    queue = f"memory-{uuid.uuid4().hex[:8]}"
    api = start_api(env={"GENERATION_QUEUE": queue})
    tenant = f"memory-{uuid.uuid4().hex[:8]}"
    api.headers.update(
        bearer(mint_key(os.environ["DATABASE_URL"], name="memory", tenant=tenant, unlimited=True))
    )
    body = inline_figma_job(CAP_BYTES - 16 * 1024)  # near the cap
    before = used_memory(redis_db)
    # When 40 such jobs are accepted
    ids = []
    for _ in range(JOBS):
        response = api.post("/v1/generations", json=body)
        assert response.status_code == 202, response.text
        ids.append(response.json()["id"])
    accepted = used_memory(redis_db)
    # And end once a worker takes them
    start_worker(queue=queue, concurrency=2)
    statuses = [wait_for_end(api, job_id, timeout_s=120) for job_id in ids]
    ended = used_memory(redis_db)
    # Then they succeeded, and each ended job's hash holds no body and stays small
    assert {s["status"] for s in statuses} == {"succeeded"}, statuses[0]
    # SAMPLES 0: every field counted (the default samples 5 and extrapolates).
    sizes = [int(redis_db.memory_usage(job_key(job_id), samples=0) or 0) for job_id in ids]
    logger.warning(
        "Redis used_memory: before %d, after %d accepted %d (+%d), after they ended %d "
        "(+%d); MEMORY USAGE of an ended job's hash %d..%d bytes",
        before, JOBS, accepted, accepted - before, ended, ended - before, min(sizes), max(sizes),
    )  # fmt: skip
    assert not [job_id for job_id in ids if redis_db.hexists(job_key(job_id), "spec")]
    assert max(sizes) < ENDED_HASH_MAX_BYTES, sizes
    # And what the bodies took while the jobs were live is given back
    assert ended - before < (accepted - before) / 4
