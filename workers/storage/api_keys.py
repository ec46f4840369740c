"""API keys and their tenants in Postgres: create (the key is returned once), list,
revoke, and the look-up the API makes for a presented key."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from core.access import Principal, Role, key_matches, key_prefix, new_key, valid_tenant
from workers.storage.models import ApiKey, Tenant

logger = logging.getLogger(__name__)

LAST_USED_EVERY = timedelta(minutes=1)
"""`last_used_at` is written at most this often per key: a look-up is not a write."""


@dataclass(frozen=True)
class KeyInfo:
    """What `keys list` shows: never the key or its hash."""

    prefix: str
    tenant_id: str
    name: str
    role: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def ensure_tenant(session: Session, tenant_id: str) -> None:
    """Create the tenant (with the deployment's default limits) unless it exists."""
    if not valid_tenant(tenant_id):
        raise ValueError(
            f"tenant {tenant_id!r}: use 1 to 63 lower-case letters, digits, '-' or '_', "
            "starting with a letter or digit"
        )
    session.execute(
        insert(Tenant)
        .values(id=tenant_id, created_at=datetime.now(UTC))
        .on_conflict_do_nothing(index_elements=["id"])
    )


def create_key(engine: Engine, *, tenant_id: str, name: str, role: Role) -> tuple[str, KeyInfo]:
    """A new key for `tenant_id` (created if new): (the key, shown once; what is kept)."""
    if not 1 <= len(name) <= 128 or not name.isprintable():
        raise ValueError("name: use 1 to 128 printable characters")
    made = new_key()
    row = ApiKey(
        prefix=made.prefix,
        key_hash=made.key_hash,
        tenant_id=tenant_id,
        name=name,
        role=role.value,
        created_at=datetime.now(UTC),
    )
    with Session(engine) as session, session.begin():
        ensure_tenant(session, tenant_id)
        session.add(row)
        session.flush()
        info = _info(row)
    # The prefix only: the key itself is never logged.
    logger.info("api key created: %s tenant=%s name=%r role=%s",
                info.prefix, tenant_id, name, role.value)  # fmt: skip
    return made.key, info


def list_keys(engine: Engine, *, tenant_id: str | None = None) -> list[KeyInfo]:
    query = select(ApiKey).order_by(ApiKey.tenant_id, ApiKey.created_at)
    if tenant_id is not None:
        query = query.where(ApiKey.tenant_id == tenant_id)
    with Session(engine) as session:
        return [_info(row) for row in session.scalars(query)]


def revoke_key(engine: Engine, prefix: str) -> KeyInfo | None:
    """Revoke the key with that prefix (`cf_<prefix>` or the bare prefix); None if no such
    key. Revoking twice keeps the first time."""
    prefix = prefix.removeprefix("cf_").split("_")[0]
    with Session(engine) as session, session.begin():
        row = session.get(ApiKey, prefix, with_for_update=True)
        if row is None:
            return None
        if row.revoked_at is None:
            row.revoked_at = datetime.now(UTC)
            logger.info("api key revoked: cf_%s tenant=%s", prefix, row.tenant_id)
        return _info(row)


def look_up(engine: Engine, key: str) -> Principal | str:
    """The key's principal, or why not: "malformed", "unknown" or "revoked"."""
    prefix = key_prefix(key)
    if prefix is None:
        return "malformed"
    now = datetime.now(UTC)
    with Session(engine) as session, session.begin():
        row = session.get(ApiKey, prefix)
        if row is None or not key_matches(key, row.key_hash):
            return "unknown"
        if row.revoked_at is not None:
            return "revoked"
        if row.last_used_at is None or now - row.last_used_at >= LAST_USED_EVERY:
            session.execute(update(ApiKey).where(ApiKey.prefix == prefix).values(last_used_at=now))
        return Principal(tenant_id=row.tenant_id, role=Role(row.role), key_prefix=prefix)


def _info(row: ApiKey) -> KeyInfo:
    return KeyInfo(
        prefix=f"cf_{row.prefix}",
        tenant_id=row.tenant_id,
        name=row.name,
        role=row.role,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )
