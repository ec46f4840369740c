"""FigmaSource.version against the local Figma API and the real cache Redis: one shallow
request, remembered per tenant; answers in L0 under their version."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
import redis
from pydantic import SecretStr

from config.settings import Settings
from core.errors import FigmaError
from core.keys import figma_key, figma_version_key
from devstack.fakes.figma import FigmaState
from tests.conftest import FIGMA_TOKEN
from tests.helpers import figma_document
from workers.storage.figma_client import FigmaSource

pytestmark = pytest.mark.integration


def source(figma: FigmaState, tenant: str) -> FigmaSource:
    # Settings() reads FIGMA_API_URL, which the `figma` fixture set.
    return FigmaSource(
        Settings(), httpx.Client(), tenant=tenant, token=lambda: SecretStr(FIGMA_TOKEN)
    )


def new_file(figma: FigmaState, **changes: Any) -> str:
    key = f"Ver{uuid.uuid4().hex[:10]}"
    figma.files[key] = {**figma_document(), **changes}
    return key


def test_the_version_is_asked_once_and_remembered(figma: FigmaState, redis_db: redis.Redis) -> None:
    key, tenant = new_file(figma), f"t-{uuid.uuid4().hex[:6]}"
    assert source(figma, tenant).version(key) == figma_document()["version"]
    assert source(figma, tenant).version(key) == figma_document()["version"]
    assert figma.requests_for(key) == [f"/v1/files/{key}?depth=1"]
    assert redis_db.ttl(figma_version_key(tenant, key)) > 0


def test_answers_are_kept_under_their_version(figma: FigmaState, redis_db: redis.Redis) -> None:
    # Given a file read once (its answers in L0 under its version)
    key, tenant = new_file(figma), f"t-{uuid.uuid4().hex[:6]}"
    first = source(figma, tenant)
    first.file(key)
    first.styles(key)
    old = first.version(key)
    assert redis_db.exists(*(figma_key(tenant, key, old, e) for e in ("file", "styles"))) == 2
    # When it is edited and its remembered version has lapsed
    new = figma.edit_fill(key, "1:1", "#dc2626")
    redis_db.delete(figma_version_key(tenant, key))
    edited = source(figma, tenant)
    document = edited.file(key)
    # Then the new version's body is fetched and kept under it
    assert edited.version(key) == new != old
    assert document["version"] == new
    assert redis_db.exists(figma_key(tenant, key, new, "file")) == 1
    assert len(figma.body_requests_for(key)) == 3  # file + styles, then the new file


def test_last_modified_stands_in_for_a_missing_version(figma: FigmaState) -> None:
    key = new_file(figma, version=None, lastModified="2026-11-01T09:30:00Z")
    assert source(figma, f"t-{uuid.uuid4().hex[:6]}").version(key) == "2026-11-01T09:30:00Z"


def test_an_answer_without_either_fails_with_a_reason(figma: FigmaState) -> None:
    key = new_file(figma, version=None, lastModified=None)
    with pytest.raises(FigmaError, match=f"file {key} names no version nor lastModified"):
        source(figma, f"t-{uuid.uuid4().hex[:6]}").version(key)
