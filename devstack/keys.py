"""API keys for the local stacks: `make up`, `make demo`, `make bench` and `make chaos`
mint their own (every /v1 route needs one) in the database they just migrated."""

from __future__ import annotations

from sqlalchemy import create_engine

from core.access import Role
from workers.storage.api_keys import create_key
from workers.storage.tenants import update_limits

LOCAL_TENANT = "local"
UNLIMITED = 1_000_000_000
"""Requests a minute and jobs in flight for a load generator's tenant: the bench and
the drills measure the system, not the quotas in front of it."""


def mint_key(
    database_url: str,
    *,
    name: str,
    role: Role = Role.SUBMIT,
    tenant: str = LOCAL_TENANT,
    unlimited: bool = False,
) -> str:
    """A new key of `tenant` (created if new) with `role`; the key itself."""
    engine = create_engine(database_url)
    try:
        key, _ = create_key(engine, tenant_id=tenant, name=name, role=role)
        if unlimited:
            update_limits(engine, tenant, requests_per_minute=UNLIMITED, max_in_flight=UNLIMITED)
        return key
    finally:
        engine.dispose()


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
