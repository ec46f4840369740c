"""API keys against a real API process: revocation within API_KEY_CACHE_S, and every
refusal counted by reason."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import Engine

from core.access import Role, new_key
from tests.conftest import Keys, bearer
from tests.helpers import make_job
from workers.storage.api_keys import create_key, revoke_key

pytestmark = pytest.mark.integration
REVOKED_WITHIN_S = 5.0
"""A generous deadline: API_KEY_CACHE_S=1 below, so ~1 s is expected."""


def test_a_revoked_key_stops_working_within_the_cache_time(
    start_api: Callable[..., httpx.Client], engine: Engine
) -> None:
    # Given: an API that caches look-ups for 1 s, and a key it has just accepted (cached)
    api = start_api(env={"API_KEY_CACHE_S": "1"})
    key, info = create_key(engine, tenant_id="tenant-a", name="soon-revoked", role=Role.READ)
    url = f"/v1/generations/{uuid.uuid4().hex}"  # 404 for a valid key, 401 for another
    assert api.get(url, headers=bearer(key)).status_code == 404

    # When: it is revoked
    revoke_key(engine, info.prefix)
    revoked_at = time.monotonic()

    # Then: it is refused soon after, and from then on
    while (status := api.get(url, headers=bearer(key)).status_code) == 404:
        assert time.monotonic() - revoked_at < REVOKED_WITHIN_S, "still accepted"
        time.sleep(0.05)
    refused_after_s = time.monotonic() - revoked_at
    assert status == 401
    assert [api.get(url, headers=bearer(key)).status_code for _ in range(3)] == [401] * 3
    print(f"revoked key refused after {refused_after_s:.2f} s (API_KEY_CACHE_S=1)")


def auth_failures(api: httpx.Client, keys: Keys) -> dict[str, float]:
    """auth_failures_total by reason, read from the API's /metrics with an admin key."""
    text = api.get("/metrics", headers=bearer(keys.admin)).raise_for_status().text
    found = re.findall(r'^auth_failures_total\{reason="(\w+)"\} ([0-9.e+]+)$', text, re.M)
    return {reason: float(value) for reason, value in found}


def test_each_refusal_is_counted_by_its_reason(
    api: httpx.Client, keys: Keys, engine: Engine
) -> None:
    # Given: the counts so far, and a revoked key
    revoked, info = create_key(engine, tenant_id="tenant-a", name="counted", role=Role.SUBMIT)
    revoke_key(engine, info.prefix)
    before = auth_failures(api, keys)
    anonymous = httpx.Client(base_url=api.base_url, timeout=30)
    url = f"/v1/generations/{uuid.uuid4().hex}"

    # When: one request fails for each reason
    with anonymous:
        answers = {
            "missing": anonymous.get(url),
            "malformed": anonymous.get(url, headers={"Authorization": "Token abc"}),
            "unknown": anonymous.get(url, headers=bearer(new_key().key)),
            "revoked": anonymous.get(url, headers=bearer(revoked)),
            "role": anonymous.post("/v1/generations", json=make_job(), headers=bearer(keys.read)),
        }

    # Then: each is refused and counted once, under its reason
    assert {r: a.status_code for r, a in answers.items()} == {
        "missing": 401, "malformed": 401, "unknown": 401, "revoked": 401, "role": 403,
    }  # fmt: skip
    after = auth_failures(api, keys)
    assert {r: after.get(r, 0) - before.get(r, 0) for r in answers} == dict.fromkeys(answers, 1)
