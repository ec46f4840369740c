"""A tenant's settings in Postgres: its limits (NULL: the deployment's default), the
hosts its webhooks may call, and its own Figma token and webhook secret, encrypted at
rest with TENANT_SECRETS_KEY (Fernet: AES-128-CBC with an HMAC, from the `cryptography`
package) so that a database dump does not leak them."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from decimal import Decimal

from cryptography.fernet import Fernet, InvalidToken
from pydantic import SecretStr
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from config.settings import get_settings
from workers.storage.api_keys import ensure_tenant
from workers.storage.models import Tenant


@dataclass(frozen=True)
class TenantLimits:
    """What a tenant may do; None: the deployment's default (settings)."""

    requests_per_minute: int | None = None
    max_in_flight: int | None = None
    monthly_budget_usd: Decimal | None = None
    allowed_providers: list[str] | None = None  # None: every provider
    allowed_models: list[str] | None = None  # None: every priced model
    webhook_hosts: list[str] | None = None  # None or []: its jobs may call no webhook
    code_packages: list[str] | None = None  # None: CODE_ALLOWED_PACKAGES
    code_url_hosts: list[str] | None = None  # None: CODE_URL_HOSTS


LIMIT_FIELDS = tuple(TenantLimits.__dataclass_fields__)


def load_limits(engine: Engine, tenant_id: str) -> TenantLimits | None:
    """The tenant's limits; None when there is no such tenant."""
    with Session(engine) as session:
        row = session.get(Tenant, tenant_id)
        if row is None:
            return None
        return TenantLimits(**{name: getattr(row, name) for name in LIMIT_FIELDS})


def update_limits(engine: Engine, tenant_id: str, **changes: object) -> TenantLimits:
    """Set some limits of a tenant (created if new); a value of None restores the default."""
    unknown = set(changes) - set(LIMIT_FIELDS)
    if unknown:
        raise ValueError(f"unknown tenant limits {sorted(unknown)}; known: {LIMIT_FIELDS}")
    with Session(engine) as session, session.begin():
        ensure_tenant(session, tenant_id)
        row = session.get(Tenant, tenant_id, with_for_update=True)
        assert row is not None
        for name, value in changes.items():
            setattr(row, name, value)
        return TenantLimits(**{name: getattr(row, name) for name in LIMIT_FIELDS})


def _fernet() -> Fernet:
    key = get_settings().tenant_secrets_key
    if key is None:
        raise ValueError(
            "TENANT_SECRETS_KEY is not set: it encrypts tenants' Figma tokens at rest. "
            "Make one with: python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'"
        )
    return Fernet(key.get_secret_value().encode())


def set_figma_token(engine: Engine, tenant_id: str, token: str | None) -> None:
    """Store the tenant's Figma token encrypted (None removes it)."""
    sealed = _fernet().encrypt(token.encode()).decode() if token else None
    with Session(engine) as session, session.begin():
        ensure_tenant(session, tenant_id)
        row = session.get(Tenant, tenant_id, with_for_update=True)
        assert row is not None
        row.figma_token_encrypted = sealed


def has_figma_token(engine: Engine, tenant_id: str) -> bool:
    """Whether the tenant has a token stored (without decrypting it: `tenants show`)."""
    with Session(engine) as session:
        row = session.get(Tenant, tenant_id)
        return row is not None and row.figma_token_encrypted is not None


def figma_token(engine: Engine, tenant_id: str) -> SecretStr | None:
    """The tenant's own Figma token, decrypted; None when it has none."""
    with Session(engine) as session:
        row = session.get(Tenant, tenant_id)
        sealed = row.figma_token_encrypted if row is not None else None
    if sealed is None:
        return None
    try:
        return SecretStr(_fernet().decrypt(sealed.encode()).decode())
    except InvalidToken:
        raise ValueError(
            f"tenant {tenant_id}'s Figma token does not decrypt with TENANT_SECRETS_KEY "
            "(the key changed?); set the token again: componentforge tenants set"
        ) from None


def new_webhook_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def rotate_webhook_secret(engine: Engine, tenant_id: str) -> str:
    """Give the tenant a new webhook signing secret (created if new); returns it, the
    only time it is shown. Deliveries from now on are signed with it."""
    secret = new_webhook_secret()
    sealed = _fernet().encrypt(secret.encode()).decode()
    with Session(engine) as session, session.begin():
        ensure_tenant(session, tenant_id)
        row = session.get(Tenant, tenant_id, with_for_update=True)
        assert row is not None
        row.webhook_secret_encrypted = sealed
    return secret


def webhook_secret(engine: Engine, tenant_id: str) -> str:
    """The tenant's webhook signing secret, made on first use (under a row lock, so two
    first deliveries agree on one)."""
    with Session(engine) as session, session.begin():
        row = session.get(Tenant, tenant_id, with_for_update=True)
        if row is None:
            raise ValueError(f"no tenant {tenant_id!r}: its webhooks cannot be signed")
        if row.webhook_secret_encrypted is None:
            secret = new_webhook_secret()
            row.webhook_secret_encrypted = _fernet().encrypt(secret.encode()).decode()
            return secret
        sealed = row.webhook_secret_encrypted
    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except InvalidToken:
        raise ValueError(
            f"tenant {tenant_id}'s webhook secret does not decrypt with TENANT_SECRETS_KEY "
            "(the key changed?); make a new one: componentforge tenants set "
            f"{tenant_id} --rotate-webhook-secret"
        ) from None
