"""Jobs naming a figma_file_key, through a real worker, against a local Figma API."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text

from core.access import Role
from devstack.fakes.figma import FigmaState
from tests.conftest import FIGMA_TOKEN, bearer
from tests.helpers import figma_document, submit_and_wait
from workers.storage.api_keys import create_key
from workers.storage.tenants import set_figma_token

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("worker")]
FIGMA_DOCUMENT = figma_document()


def figma_job(file_key: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "component_name": f"Figma{uuid.uuid4().hex[:8].upper()}Button",
        "component_type": "button",
        "source": {"figma_file_key": file_key},
    }
    body.update(overrides)
    return body


def new_file(figma: FigmaState) -> str:
    key = f"File{uuid.uuid4().hex[:10]}"
    figma.files[key] = FIGMA_DOCUMENT
    return key


def tokens_of(status: dict[str, Any]) -> dict[str, Any]:
    url = status["result"]["artifacts"]["tokens.json"]["url"]
    return httpx.get(url).json()


def test_tokens_come_from_the_figma_file(api: httpx.Client, figma: FigmaState) -> None:
    key = new_file(figma)
    status = submit_and_wait(api, figma_job(key))
    assert status["status"] == "succeeded", status
    tokens = tokens_of(status)
    assert tokens["origin"] == f"figma:{key}"
    assert tokens["tokens"]["colors"]["brand-primary"] == "#2563eb"
    assert tokens["tokens"]["typography"]["heading-h1"]["fontSize"] == "32px"
    assert sorted(figma.body_requests_for(key)) == [f"/v1/files/{key}", f"/v1/files/{key}/styles"]
    assert figma.shallow_requests_for(key) == [f"/v1/files/{key}?depth=1"]


def test_second_job_on_a_file_is_served_from_l0(
    api: httpx.Client, figma: FigmaState, engine: Engine
) -> None:
    key = new_file(figma)
    submit_and_wait(api, figma_job(key))
    fetched = len(figma.body_requests_for(key))

    again = submit_and_wait(api, figma_job(key, component_name="OtherFigmaButton"))

    assert again["status"] == "succeeded"
    assert len(figma.body_requests_for(key)) == fetched  # the version is unchanged
    with engine.connect() as conn:
        hits = conn.execute(
            text("SELECT coalesce(sum(hits), 0) FROM cache_stats WHERE layer = 'L0'")
        ).scalar_one()
    assert hits >= 2  # file and styles


def test_invalidating_l0_fetches_again(api: httpx.Client, figma: FigmaState) -> None:
    key = new_file(figma)
    submit_and_wait(api, figma_job(key))
    assert api.delete(f"/v1/cache/figma/{key}").status_code == 204
    assert api.delete(f"/v1/cache/figma/{key}").status_code == 404

    submit_and_wait(api, figma_job(key, component_name="RefetchedButton"))

    assert len(figma.body_requests_for(key)) == 4


def test_429_within_the_cap_is_waited_out(api: httpx.Client, figma: FigmaState) -> None:
    key = new_file(figma)
    figma.scripted.append((429, {"Retry-After": "1"}))
    status = submit_and_wait(api, figma_job(key))
    assert status["status"] == "succeeded", status
    assert len(figma.shallow_requests_for(key)) == 2  # the 429 answered the first
    assert len(figma.body_requests_for(key)) == 2


def test_429_beyond_the_cap_fails_with_a_reason(api: httpx.Client, figma: FigmaState) -> None:
    key = new_file(figma)
    figma.scripted.append((429, {"Retry-After": "120"}))
    status = submit_and_wait(api, figma_job(key))
    assert status["status"] == "failed"
    assert status["error"]["type"] == "figma_error"
    assert "max_retry_after_s=5" in status["error"]["message"]


def test_unknown_file_fails_with_a_reason(api: httpx.Client) -> None:
    status = submit_and_wait(api, figma_job("NoSuchFile"))
    assert status["status"] == "failed"
    assert "not found" in status["error"]["message"]


@pytest.fixture
def tenant_client(api: httpx.Client, engine: Engine) -> Iterator[Callable[..., httpx.Client]]:
    """A client of a new tenant, with a Figma token of its own or none."""
    clients: list[httpx.Client] = []

    def make(*, figma_token: str | None) -> httpx.Client:
        tenant = f"figma-{uuid.uuid4().hex[:8]}"
        key, _ = create_key(engine, tenant_id=tenant, name="figma-test", role=Role.SUBMIT)
        if figma_token is not None:
            set_figma_token(engine, tenant, figma_token)
        client = httpx.Client(base_url=api.base_url, timeout=30, headers=bearer(key))
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.mark.parametrize("own_token", [True, False], ids=["own-token", "no-token"])
def test_another_tenant_cannot_read_a_private_file(
    own_token: bool,
    api: httpx.Client,
    figma: FigmaState,
    engine: Engine,
    tenant_client: Callable[..., httpx.Client],
) -> None:
    # Given tenant-a's private file, read with its token (now in tenant-a's L0 cache)
    key = new_file(figma)
    figma.owners[key] = FIGMA_TOKEN
    assert submit_and_wait(api, figma_job(key))["status"] == "succeeded"
    fetched = len(figma.requests_for(key))
    # When tenant B, with a Figma token of its own (that cannot read the file) or none,
    # names the file
    b_token = f"figma-b-{uuid.uuid4().hex}"
    figma.other_tokens.add(b_token)
    other = tenant_client(figma_token=b_token if own_token else None)
    status = submit_and_wait(other, figma_job(key))
    # Then B's job fails: neither tenant-a's token nor tenant-a's L0 entries served it
    assert status["status"] == "failed", status
    assert status["error"]["type"] == "figma_error"
    if own_token:
        assert "refused tenant" in status["error"]["message"]
        assert len(figma.requests_for(key)) > fetched  # asked Figma, with B's token
    else:
        assert "has no Figma token: componentforge tenants set" in status["error"]["message"]
        assert len(figma.requests_for(key)) == fetched  # failed at once
    # And no token appears in what the job left
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT error_message FROM generations WHERE id = :id"), {"id": status["id"]}
        ).scalar_one()
    for secret in (FIGMA_TOKEN, b_token):
        assert secret not in json.dumps(status) and secret not in row
