"""What a worker asks Postgres about a tenant on the job path, remembered briefly per
process: whether it exists (a queued message's tenant), its limits and its own Figma
token. A
burst of jobs costs one look-up a tenant; a new tenant, a removed one or a rotated token
is seen within LOOKUP_TTL_S."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from pydantic import SecretStr
from sqlalchemy import Engine

from workers.storage import tenants

LOOKUP_TTL_S = 10.0
"""How long a look-up is reused (seconds): short, as a token may be rotated or removed."""

T = TypeVar("T")
_remembered: dict[tuple[str, str], tuple[float, object]] = {}
_lock = threading.Lock()


def _cached(kind: str, tenant_id: str, look_up: Callable[[], T]) -> T:
    now = time.monotonic()
    with _lock:
        found = _remembered.get((kind, tenant_id))
    if found is not None and found[0] > now:
        return found[1]  # type: ignore[return-value]
    value = look_up()
    with _lock:
        _remembered[(kind, tenant_id)] = (now + LOOKUP_TTL_S, value)
    return value


def _limits(engine: Engine, tenant_id: str) -> tenants.TenantLimits | None:
    """The tenant's row as limits (None: no such tenant): one look-up for both uses."""
    return _cached("limits", tenant_id, lambda: tenants.load_limits(engine, tenant_id))


def tenant_exists(engine: Engine, tenant_id: str) -> bool:
    return _limits(engine, tenant_id) is not None


def code_limits(engine: Engine, tenant_id: str) -> tenants.TenantLimits:
    """The tenant's limits (what its generated code may import and link to); the
    defaults for a tenant with no row."""
    return _limits(engine, tenant_id) or tenants.TenantLimits()


def figma_token(engine: Engine, tenant_id: str) -> SecretStr | None:
    """The tenant's own Figma token (decrypted with TENANT_SECRETS_KEY); None: it has none."""
    return _cached("figma_token", tenant_id, lambda: tenants.figma_token(engine, tenant_id))
