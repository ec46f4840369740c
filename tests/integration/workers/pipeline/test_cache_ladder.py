"""L2 and L3 through a real worker: a near-duplicate design is answered by adapting its
neighbour's code (carrying its own tokens and name), a different design is not, a
tenant never gets another's, and known tokens with new requirements skip to L3."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from devstack.fakes.openai_api import LLMState
from tests.conftest import LLM_KEY, Keys, bearer
from tests.helpers import make_job, queue_job, wait_for_end
from workers.chain.quality.typecheck import TypeCheckUnavailable, checker
from workers.storage import semantic_cache

pytestmark = pytest.mark.integration
LADDER_ON = {"SEMANTIC_CACHE": "on", "PATTERN_CACHE": "on", "OPENAI_API_KEY": LLM_KEY}


@pytest.fixture
def run_job(
    start_worker: Callable[..., Any], api: httpx.Client, engine: Engine, keys: Keys
) -> Iterator[Callable[..., dict[str, Any]]]:
    """Run a job on a worker with L2 and L3 on (as tenant-a, or tenant-b); returns its
    end status."""
    if not semantic_cache.available(engine):
        pytest.skip("this Postgres has no pgvector: L2 is off (CI and make test use one with it)")
    queue = f"ladder-{uuid.uuid4().hex[:8]}"
    start_worker(queue=queue, env=LADDER_ON)

    other = httpx.Client(base_url=api.base_url, timeout=30, headers=bearer(keys.other))

    def run(body: dict[str, Any], *, tenant: str = "tenant-a") -> dict[str, Any]:
        job_id = queue_job(queue, {**body, "tenant_id": tenant})
        return wait_for_end(api if tenant == "tenant-a" else other, job_id)

    yield run
    other.close()


def design(**overrides: Any) -> dict[str, Any]:
    """A job with a token set of its own (a token name no other test uses), so only this
    test's entries can be its neighbours."""
    body = make_job(component_name=f"Ladder{uuid.uuid4().hex[:6].upper()}Button", **overrides)
    body["tokens"]["colors"][f"accent{uuid.uuid4().hex[:8]}"] = "#7c3aed"
    return body


def artifact(status: dict[str, Any], name: str) -> str:
    return httpx.get(status["result"]["artifacts"][name]["url"]).text


def test_a_near_duplicate_is_adapted_from_its_neighbour(
    run_job: Callable[..., dict[str, Any]],
) -> None:
    # Given a design generated once
    first = run_job(design())
    assert (first["status"], first["cache_layer"]) == ("succeeded", "L4"), first
    # When a near-duplicate arrives: another name, its primary colour nudged
    near = copy.deepcopy(first_body := _body_of(first))
    near["component_name"] = f"Near{uuid.uuid4().hex[:6].upper()}Button"
    near["tokens"]["colors"]["primary"] = "#0055fe"
    near["source"] = {"screenshot_sha256": uuid.uuid4().hex * 2}
    second = run_job(near)
    # Then it is an L2 hit naming its source and how similar it was
    assert (second["status"], second["cache_layer"]) == ("succeeded", "L2"), second
    reuse = second["result"]["quality"]["reuse"]
    assert reuse["source_job_id"] == first["id"]
    assert 0.92 <= reuse["similarity"] <= 1.0
    assert second["result"]["cost"]["usd"] == 0
    # ... whose artifacts carry its own tokens and name, not its neighbour's
    component = artifact(second, "component.tsx")
    assert "#0055fe" in component and "#0055ff" not in component
    assert f"export function {near['component_name']}" in component
    assert first_body["component_name"] not in component
    assert near["component_name"] in artifact(second, "stories.tsx")
    assert '"#0055fe"' in artifact(second, "tokens.json")
    report = artifact(second, "quality-report.html")
    assert first["id"] in report and "similarity" in report
    # ... and which type-checks under tsc --strict
    files = {name: artifact(second, name) for name in ("component.tsx", "stories.tsx")}
    try:
        diagnostics = checker().check(files)
    except TypeCheckUnavailable as exc:
        pytest.skip(f"no TypeScript checker here: {exc}")
    assert diagnostics == {"component.tsx": [], "stories.tsx": []}


def test_a_different_design_is_not_a_hit(run_job: Callable[..., dict[str, Any]]) -> None:
    # Given a design generated once
    first = run_job(design())
    assert first["cache_layer"] == "L4", first
    # When a design of the same type with other tokens and requirements arrives
    other = design(
        requirements={
            "props": [{"name": "icon", "type": "node"}, {"name": "size", "values": ["s", "l"]}],
            "events": [{"name": "onFocus"}],
        }
    )
    other["tokens"] = {"colors": {"surface": "#f8fafc", f"ink{uuid.uuid4().hex[:8]}": "#0f172a"},
                       "spacing": {"lg": "24px"}}  # fmt: skip
    # Then it is generated (its tokens are new to L3 too)
    assert run_job(other)["cache_layer"] == "L4"


def test_another_tenants_near_duplicate_is_not_a_hit(
    run_job: Callable[..., dict[str, Any]],
) -> None:
    # Given tenant-a's design in L2
    body = design()
    assert run_job(body)["cache_layer"] == "L4"
    # When tenant-b submits the same design under another name
    twin = {**copy.deepcopy(body), "component_name": "TwinButton",
            "source": {"screenshot_sha256": uuid.uuid4().hex * 2}}  # fmt: skip
    # Then it is generated for tenant-b; tenant-a's second submission is an L2 hit
    assert run_job(twin, tenant="tenant-b")["cache_layer"] == "L4"
    mine = {**twin, "source": {"screenshot_sha256": uuid.uuid4().hex * 2}}
    assert run_job(mine)["cache_layer"] == "L2"


def test_known_tokens_with_new_requirements_are_rendered_from_l3(
    run_job: Callable[..., dict[str, Any]], llm: LLMState
) -> None:
    # Given a design generated once by the paid provider
    body = design(options={"provider": "openai"})
    first = run_job(body)
    assert first["cache_layer"] == "L4", first
    # When the same tokens come with a prop added
    grown = copy.deepcopy(body)
    grown["component_name"] = f"Grown{uuid.uuid4().hex[:6].upper()}Button"
    grown["requirements"]["props"].append({"name": "tooltip", "type": "string"})
    grown["source"] = {"screenshot_sha256": uuid.uuid4().hex * 2}
    second = run_job(grown)
    # Then the styled pattern is reused: no model call, every requirement implemented
    assert (second["status"], second["cache_layer"]) == ("succeeded", "L3"), second
    quality = second["result"]["quality"]
    assert quality["reuse"]["pattern_id"] == first["result"]["pattern_id"]
    assert quality["requirements"]["missing"] == []
    assert quality["passed"] is True
    assert llm.requests_about(grown["component_name"]) == []
    assert "tooltip" in artifact(second, "component.tsx")


def _body_of(status: dict[str, Any]) -> dict[str, Any]:
    """The job body a status document was submitted with (its spec)."""
    spec = httpx.get(status["result"]["artifacts"]["requirements.json"]["url"]).json()
    tokens = httpx.get(status["result"]["artifacts"]["tokens.json"]["url"]).json()
    return {
        "component_name": status["component_name"],
        "component_type": status["component_type"],
        "source": {"screenshot_sha256": uuid.uuid4().hex * 2},
        "tokens": tokens["tokens"],
        "requirements": spec["requirements"],
    }
