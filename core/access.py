"""Who is asking: API keys, roles and what a caller may see (no I/O).

A key is `cf_<prefix>_<secret>`: the prefix (8 characters) is its visible, unique id,
the secret is 32 random bytes. Only the SHA-256 of the whole key is stored; a key of
256 random bits needs no slow hash (nothing to guess), and the hash is compared in
constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from enum import StrEnum

KEY_PATTERN = re.compile(r"cf_([a-z0-9]{8})_([A-Za-z0-9_-]{43})")
TENANT_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")
"""Tenant ids: lower case, so `Acme` and `acme` cannot be two tenants."""

_PREFIX_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


class Role(StrEnum):
    #: read its tenant's jobs, artifacts and usage
    READ = "read"
    #: read, submit, cancel and invalidate its tenant's cache
    SUBMIT = "submit"
    #: everything, for every tenant; the operator surfaces
    ADMIN = "admin"

    def allows(self, needed: Role) -> bool:
        return _RANK[self] >= _RANK[needed]


_RANK = {Role.READ: 0, Role.SUBMIT: 1, Role.ADMIN: 2}


@dataclass(frozen=True)
class Principal:
    """The caller, as its key says."""

    tenant_id: str
    role: Role
    key_prefix: str

    def sees(self, owner_tenant: str | None) -> bool:
        """May it see a job, entry or artifact of `owner_tenant`? An admin sees all."""
        return self.role is Role.ADMIN or owner_tenant == self.tenant_id

    @property
    def scope(self) -> str | None:
        """The tenant a listing is limited to (None: every tenant, for an admin)."""
        return None if self.role is Role.ADMIN else self.tenant_id


@dataclass(frozen=True)
class NewKey:
    key: str  # shown once, never stored
    prefix: str
    key_hash: str


def new_key() -> NewKey:
    prefix = "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(8))
    key = f"cf_{prefix}_{secrets.token_urlsafe(32)}"
    return NewKey(key, prefix, hash_key(key))


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def key_prefix(key: str) -> str | None:
    """The prefix of a well-formed key; None for anything else."""
    match = KEY_PATTERN.fullmatch(key)
    return match.group(1) if match else None


def key_matches(key: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_key(key), stored_hash)


def valid_tenant(tenant_id: str) -> bool:
    return TENANT_PATTERN.fullmatch(tenant_id) is not None
