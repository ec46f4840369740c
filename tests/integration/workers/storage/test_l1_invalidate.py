"""l1_cache.invalidate (its Lua compare-and-delete) on a real Redis: only the owner or an
admin drops a tenant's entry; a global entry (L1_SCOPE=global: tenant_id null, or a
record from before tenants, without the field) is everyone's to drop."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator

import pytest
import redis

from core.result import JobCost
from workers.clients import cache_redis_client
from workers.storage import l1_cache
from workers.storage.l1_cache import L1Record

pytestmark = pytest.mark.integration


def record(tenant_id: str | None) -> L1Record:
    return L1Record(
        component_id="c1", source_job_id="j1", provider="template", model=None,
        pattern_id=None, artifact_keys={}, quality={}, cost=JobCost(0.0, 0, 0),
        tenant_id=tenant_id,
    )  # fmt: skip


@pytest.fixture
def entry() -> Iterator[tuple[redis.Redis, str]]:
    client = cache_redis_client()
    key = "exact:" + secrets.token_hex(32)
    yield client, key
    client.delete(key)


@pytest.mark.parametrize(
    ("owner", "caller", "deleted"),
    [
        ("tenant-a", "tenant-a", True),
        ("tenant-a", "tenant-b", False),
        ("tenant-a", None, True),  # an admin
        (None, "tenant-b", True),  # global: shared, so anyone may refresh it
        (None, None, True),
    ],
)
def test_only_the_owner_or_an_admin_drops_a_tenants_entry(
    entry: tuple[redis.Redis, str], owner: str | None, caller: str | None, deleted: bool
) -> None:
    # Given: an entry of `owner` (None: global, tenant_id stored as JSON null)
    client, key = entry
    l1_cache.store(client, key, record(owner), ttl_s=600)
    assert '"tenant_id":null' in client.get(key) or owner is not None

    # When: `caller` invalidates it
    answer = l1_cache.invalidate(client, key, tenant=caller)

    # Then: dropped only when it may be
    assert answer is deleted
    assert client.exists(key) == (0 if deleted else 1)


def test_a_record_without_a_tenant_field_is_global(entry: tuple[redis.Redis, str]) -> None:
    # Given: a record written before entries had owners
    client, key = entry
    legacy = json.loads(record(None).to_json())
    del legacy["tenant_id"]
    client.set(key, json.dumps(legacy))

    # When/Then: any tenant may drop it, as a global one
    assert l1_cache.invalidate(client, key, tenant="tenant-b") is True


@pytest.mark.parametrize("caller", ["tenant-a", None])
def test_no_entry_is_not_found(entry: tuple[redis.Redis, str], caller: str | None) -> None:
    client, key = entry
    assert l1_cache.invalidate(client, key, tenant=caller) is False


def test_an_entry_that_is_not_a_record_is_left_alone(entry: tuple[redis.Redis, str]) -> None:
    # Given: something under an L1 key that is not a record with an owner
    client, key = entry
    for raw in ('"tenant-b"', '{"tenant_id": 5}', "not json"):
        client.set(key, raw)

        # When: a tenant invalidates it
        answer = l1_cache.invalidate(client, key, tenant="tenant-b")

        # Then: no error, and it is not dropped (no tenant owns it); an admin may
        assert answer is False
        assert client.exists(key) == 1
        assert l1_cache.invalidate(client, key, tenant=None) is True
