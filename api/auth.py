"""Every /v1 route names the role it needs: `Annotated[Principal, Depends(require(Role.X))]`.

A key comes as `Authorization: Bearer <key>`, or as the password of HTTP Basic (so a
browser can open /dashboard). Look-ups are cached in the process for API_KEY_CACHE_S,
so a busy key costs one dictionary read per request and a revoked key stops working
within that time. Failures are counted and logged by reason; the answer is the same 401
for every reason, so it tells an attacker nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import threading
import time
from collections.abc import Callable

from fastapi import Request
from fastapi.concurrency import run_in_threadpool

from config.settings import get_settings
from core.access import Principal, Role, key_prefix
from core.errors import Forbidden, Unauthorized
from workers.clients import db_engine
from workers.observability import metrics
from workers.storage import api_keys

logger = logging.getLogger(__name__)

_CACHE_MAX = 10_000
_cache: dict[str, tuple[float, Principal | str]] = {}
_cache_lock = threading.Lock()


def presented_key(request: Request) -> str | None:
    """The key in the Authorization header (Bearer, or Basic's password); None if none."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    scheme, value = scheme.lower(), value.strip()
    if scheme == "bearer" and value:
        return value
    if scheme == "basic" and value:
        try:
            decoded = base64.b64decode(value, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return ""
        return decoded.partition(":")[2]
    return None if not header else ""


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()  # the cache never holds a key


def _cached(digest: str) -> Principal | str | None:
    hit = _cache.get(digest)
    return hit[1] if hit is not None and hit[0] > time.monotonic() else None


def _look_up(key: str, digest: str) -> Principal | str:
    found = api_keys.look_up(db_engine(), key)
    with _cache_lock:
        if len(_cache) >= _CACHE_MAX:
            _cache.clear()  # crude, but bounded: a flood of bad keys cannot grow it
        _cache[digest] = (time.monotonic() + get_settings().api_key_cache_s, found)
    return found


def remember(key: str, found: Principal | str, *, ttl_s: float = 3600.0) -> None:
    """Put a look-up in the cache as if Postgres had answered it (the unit tier's keys)."""
    with _cache_lock:
        _cache[_digest(key)] = (time.monotonic() + ttl_s, found)


UNAUTHORIZED = (
    "send a valid API key as 'Authorization: Bearer <key>' (none was sent, or it is "
    "malformed, unknown or revoked; create one with: componentforge keys create "
    "--tenant T --name N)"
)
"""The one 401 message: a missing key and a bad one read alike, so the answer tells an
attacker nothing (the reason is in the log and the metric)."""


def _refuse(request: Request, reason: str) -> Unauthorized:
    metrics.AUTH_FAILURES.labels(reason=reason).inc()
    client = request.client.host if request.client else "-"
    logger.warning("auth: refused %s %s from %s (%s)", request.method, request.url.path,
                   client, reason)  # fmt: skip
    return Unauthorized(UNAUTHORIZED)


async def authenticate(request: Request) -> Principal:
    """The caller's principal; raises Unauthorized (401)."""
    key = presented_key(request)
    if key is None:
        raise _refuse(request, "missing")
    found: Principal | str = "malformed"
    # A malformed key is refused here: it never reaches Postgres or the cache, so a flood
    # of garbage cannot evict the valid keys' look-ups.
    if key_prefix(key) is not None:
        digest = _digest(key)
        # Postgres is read off the event loop, and only when the look-up is not cached.
        found = _cached(digest) or await run_in_threadpool(_look_up, key, digest)
    if isinstance(found, Principal):
        request.state.principal = found
        return found
    raise _refuse(request, found)


def require(role: Role) -> Callable[[Request], object]:
    """The dependency of a route that needs at least `role`."""

    async def dependency(request: Request) -> Principal:
        principal = await authenticate(request)
        if not principal.role.allows(role):
            metrics.AUTH_FAILURES.labels(reason="role").inc()
            logger.warning("auth: key cf_%s (role %s) refused %s %s: needs %s",
                           principal.key_prefix, principal.role, request.method,
                           request.url.path, role)  # fmt: skip
            raise Forbidden(
                f"this key's role is {principal.role}; this request needs {role}. "
                "Ask an admin for a key with that role"
            )
        return principal

    return dependency
