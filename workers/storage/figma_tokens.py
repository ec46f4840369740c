"""Which Figma token reads a tenant's files: its own (stored encrypted, see
workers.storage.tenants), else the deployment's FIGMA_TOKEN only when FIGMA_TOKEN_SHARED
says the deployment serves one organisation. A token is never put in a message, a log,
job state, a row or a trace: errors name the tenant, not the token."""

from __future__ import annotations

from pydantic import SecretStr
from sqlalchemy import Engine

from config.settings import Settings
from core.errors import FigmaError
from workers.storage import tenant_lookups


def token_for(settings: Settings, engine: Engine, tenant: str) -> SecretStr:
    """The token to read `tenant`'s files with; raises FigmaError (never retried) with
    what to do when there is none."""
    try:
        own = tenant_lookups.figma_token(engine, tenant)
    except ValueError as exc:  # it does not decrypt, or TENANT_SECRETS_KEY is unset
        raise FigmaError(str(exc)) from None
    if own is not None:
        return own
    if not settings.figma_token_shared:
        raise FigmaError(
            f"tenant {tenant} has no Figma token: componentforge tenants set {tenant} "
            "--figma-token-stdin (or send the file inline as source.figma_file)"
        )
    if settings.figma_token is None:
        raise FigmaError(
            f"tenant {tenant} has no Figma token and FIGMA_TOKEN (shared, "
            "FIGMA_TOKEN_SHARED=true) is not set on the workers; set one of them, or send "
            "the file inline as source.figma_file"
        )
    return settings.figma_token
