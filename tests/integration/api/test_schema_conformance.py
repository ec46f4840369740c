"""The OpenAPI schema tells the truth: schemathesis fuzzes the live API (a real uvicorn on
the run's Redis, Postgres and broker) from /openapi.json and fails on any 5xx, any status,
content type, header or body the schema does not declare, any schema-invalid request the
API accepts, any schema-valid one it refuses, and a wrong method without a 405 + Allow.

Not fuzzed, because they are not in the schema (include_in_schema=False): /dashboard
(an HTML page) and /metrics (Prometheus text); their own tests cover them."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from kombu import Connection
from sqlalchemy import Engine

from core.access import Role
from workers.storage.api_keys import create_key

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

# POST /v1/generations checks more than a JSON Schema can say: whether tenant_id is the
# key's own, the inline Figma file's numbers by node type, strict JSON inside free-form
# objects (integers over 20 digits, nesting over 32), token values safe in CSS. So a
# schema-valid body may still be refused there, with a documented 400 or 422 (still
# never a 5xx, never an undocumented status or shape); everywhere else a schema-valid
# request must be accepted.
CONFIG = """
# No per-project state in the checkout: every run starts from the seed alone.
cache.enabled = false

[[operations]]
include-method = "POST"
include-path = "/v1/generations"
checks.positive_data_acceptance.expected-statuses = [
    "2xx", "400", "401", "403", "404", "409", "422", "429",
]

# A batch's items are free-form objects, each refused or accepted in its own entry (202);
# strict JSON is the whole body's, so a 400 stays possible there, and a batch of which no
# item was accepted is refused whole (422, or 429 when a tenant limit refused one).
[[operations]]
include-method = "POST"
include-path = "/v1/generations/batch"
checks.positive_data_acceptance.expected-statuses = [
    "2xx", "400", "401", "403", "413", "422", "429",
]
"""
# CPython 3.11.7's ast.parse reports a RecursionError deep in its AST conversion as
# "SystemError: AST constructor recursion depth mismatch" (fixed in 3.11.8); Hypothesis
# parses source files to describe lambdas, deep in schemathesis's schema walk. Room to
# recurse keeps that from happening.
RUN_SCHEMATHESIS = """
import sys
from hypothesis.internal import lambda_sources

sys.setrecursionlimit(20_000)
describe = lambda_sources.lambda_description


def lambda_description(f):
    # CPython 3.11.7's AST constructor can raise SystemError ("AST constructor recursion
    # depth mismatch", fixed in 3.11.8) when hypothesis reads a lambda's source to name
    # it in a report; a plain name does as well there.
    try:
        return describe(f)
    except SystemError:
        return "lambda"


lambda_sources.lambda_description = lambda_description
import schemathesis.cli

schemathesis.cli.schemathesis()
"""
EXAMPLES_PER_OPERATION = 50
"""Bounded, so the run stays well under a minute; a fixed seed makes it repeatable."""
SEED = 20261126


@pytest.fixture
def fuzz_key(engine: Engine) -> str:
    """A submit key of a tenant of the test's own: the fuzzer's queued jobs count against
    its in-flight limit, not against the tenants other tests submit as."""
    tenant = f"schema-{uuid.uuid4().hex[:8]}"
    return create_key(engine, tenant_id=tenant, name="schemathesis", role=Role.SUBMIT)[0]


@pytest.fixture
def fuzz_queue() -> Iterator[str]:
    """A queue no worker consumes, deleted afterwards with the jobs left on it."""
    name = f"schema-test-{uuid.uuid4().hex[:8]}"
    yield name
    with Connection(os.environ["BROKER_URL"]) as conn:
        conn.default_channel.queue_delete(name)


def test_the_live_api_conforms_to_its_openapi_schema(
    start_api: Callable[..., httpx.Client], fuzz_key: str, fuzz_queue: str, workdir: Path
) -> None:
    # Given the API, its tenant's rate limit out of the way (429 is documented, but a
    # fuzzer hitting it on every call would test nothing else)
    # and its jobs on a queue of their own
    api = start_api(
        env={
            "DEFAULT_REQUESTS_PER_MINUTE": "100000",
            "DEFAULT_MAX_IN_FLIGHT": "100000",
            "GENERATION_QUEUE": fuzz_queue,
            # No worker ends its jobs: a long-poll on one would wait all of MAX_WAIT_S.
            "MAX_WAIT_S": "0.2",
        }
    )
    config = workdir / "schemathesis.toml"
    config.write_text(CONFIG)
    # When schemathesis runs every check against it, with a submit key
    run = subprocess.run(
        [
            sys.executable, "-c", RUN_SCHEMATHESIS, "--config-file", str(config),
            "run", f"{api.base_url}/openapi.json",
            "--checks", "all",
            # The schema declares no securityScheme (the key is a header every /v1 route
            # reads itself), so there is no auth for these to vary.
            "--exclude-checks", "ignored_auth,object_level_authorization",
            "--header", f"Authorization: Bearer {fuzz_key}",
            "--max-examples", str(EXAMPLES_PER_OPERATION),
            "--seed", str(SEED),
            "--generation-database", "none",
            "--workers", "2",
            "--no-color",
            "--report-dir", str(workdir / "schemathesis"),
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
        cwd=workdir,
    )  # fmt: skip
    # Then it finds nothing
    (workdir / "st-out.txt").write_text(run.stdout + run.stderr)
    assert run.returncode == 0, run.stdout[-8000:] + run.stderr[-2000:]
