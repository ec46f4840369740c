"""A figma_file_key job's L1 key names the file's version: an edit misses, an unchanged
file hits. A worker of the test's own asks the version on every job
(FIGMA_VERSION_TTL_S=0), so no test waits for a remembered version to lapse."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from devstack.fakes.figma import FigmaState
from tests.helpers import figma_document, make_job, queue_job, wait_for_end

pytestmark = pytest.mark.integration
PRIMARY_NODE = "1:1"  # the fake file's "Brand/Primary" swatch (#2563eb)


@pytest.fixture
def run_job(
    start_worker: Callable[..., Any], api: httpx.Client, figma: FigmaState
) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Run a tenant-a job (its own Figma token) on a worker that revalidates versions
    on every job; returns its end status."""
    queue = f"figver-{uuid.uuid4().hex[:8]}"
    start_worker(queue=queue, env={"FIGMA_VERSION_TTL_S": "0"})
    return lambda body: wait_for_end(api, queue_job(queue, {**body, "tenant_id": "tenant-a"}))


def new_file(figma: FigmaState) -> str:
    key = f"Versioned{uuid.uuid4().hex[:10]}"
    figma.files[key] = figma_document()
    return key


def figma_body(file_key: str) -> dict[str, Any]:
    return make_job(
        component_name=f"Versioned{uuid.uuid4().hex[:6].upper()}Button",
        source={"figma_file_key": file_key},
        tokens=None,
    )


def artifact(status: dict[str, Any], name: str) -> str:
    return httpx.get(status["result"]["artifacts"][name]["url"]).text


def primary_colour(status: dict[str, Any]) -> str:
    tokens: dict[str, Any] = httpx.get(status["result"]["artifacts"]["tokens.json"]["url"]).json()
    return str(tokens["tokens"]["colors"]["brand-primary"])


def test_an_edited_file_misses_l1_and_carries_its_new_colour(
    run_job: Callable[[dict[str, Any]], dict[str, Any]], figma: FigmaState
) -> None:
    # Given a job on a Figma file, generated once (L4) and resubmitted unchanged (L1)
    key = new_file(figma)
    body = figma_body(key)
    first = run_job(body)
    assert (first["status"], first["cache_layer"]) == ("succeeded", "L4"), first
    assert primary_colour(first) == "#2563eb"
    unchanged = run_job(body)
    assert (unchanged["status"], unchanged["cache_layer"]) == ("succeeded", "L1"), unchanged
    assert unchanged["result"]["cache_key"] == first["result"]["cache_key"]
    # ... the resubmission asked only the file's version, not its body again
    assert len(figma.shallow_requests_for(key)) == 2
    assert len(figma.body_requests_for(key)) == 2  # file + styles, once

    # When a designer changes the primary colour, and the job is submitted again
    figma.edit_fill(key, PRIMARY_NODE, "#dc2626")
    edited = run_job(body)

    # Then it is generated afresh (not L1) with the new colour, in tokens and component
    assert (edited["status"], edited["cache_layer"]) == ("succeeded", "L4"), edited
    assert edited["result"]["cache_key"] != first["result"]["cache_key"]
    assert primary_colour(edited) == "#dc2626"
    assert "#dc2626" in artifact(edited, "component.tsx").lower()
    assert "#2563eb" not in artifact(edited, "component.tsx").lower()
    assert len(figma.body_requests_for(key)) == 4  # the new version's file + styles
    # And a resubmission of the edited file hits the new entry
    again = run_job(body)
    assert (again["status"], again["cache_layer"]) == ("succeeded", "L1"), again
    assert again["result"]["cache_key"] == edited["result"]["cache_key"]
    assert primary_colour(again) == "#dc2626"


def test_a_version_figma_refuses_fails_the_job_not_an_old_entry(
    run_job: Callable[[dict[str, Any]], dict[str, Any]], figma: FigmaState
) -> None:
    # Given a job on a file, in L1
    key = new_file(figma)
    body = figma_body(key)
    assert run_job(body)["cache_layer"] == "L4"
    # When the file is no longer shared with the tenant's token, and the job resubmitted
    figma.owners[key] = "someone-else"
    refused = run_job(body)
    # Then it fails saying why: its old L1 entry is not served without a version
    assert refused["status"] == "failed", refused
    assert refused["error"]["type"] == "figma_error"
    assert "refused tenant tenant-a's token" in refused["error"]["message"]
