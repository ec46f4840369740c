"""Every /v1 route names the role it needs: `Annotated[Principal, Depends(require(Role.X))]`.

A key comes as `Authorization: Bearer <key>`; on /dashboard (and only there) also as the
password of HTTP Basic, so a browser can open the page. A browser sends Basic
credentials with any request to the site, a cross-site form's too, so /v1 never takes
them.

Look-ups are cached in the process: a valid key for API_KEY_CACHE_S (a busy key costs one
dictionary read per request, and a revoked key stops working within that time), an
unknown or revoked one for AUTH_NEGATIVE_CACHE_S in a cache of its own, so a flood of
random keys neither reaches Postgres twice for one key nor evicts the valid keys. Refused
keys are counted per client address in Redis: past AUTH_FAILURES_PER_MINUTE its keys that
are not cached as valid get 429 without a look-up. Failures are counted and logged by
reason; the 401 is the same for every reason, so it tells an attacker nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import redis
from fastapi import Request
from fastapi.concurrency import run_in_threadpool

from api import tenant_rate
from config.settings import Settings, get_settings
from core import keys
from core.access import Principal, Role, key_prefix
from core.errors import Forbidden, QuotaExceeded, Unauthorized
from workers.clients import db_engine, redis_client
from workers.observability import metrics
from workers.storage import api_keys

logger = logging.getLogger(__name__)

VALID_CACHE_MAX = 10_000
REFUSED_CACHE_MAX = 10_000
FAILURE_WINDOW_S = 60
DASHBOARD_PATH = "/dashboard"
THROTTLED_REASONS = frozenset({"malformed", "unknown", "revoked"})
"""Failures that count against a client address: a key was sent, and it was bad. A
missing key, or Basic credentials a browser sent to /v1 on its own, cost nothing and
say nothing about the sender (a cross-site page could make a victim's browser send them)."""


class _BoundedCache:
    """Digest -> (expiry, value), at most `max_size` entries: the least recently stored
    goes first, so filling it evicts only its own kind."""

    def __init__(self, max_size: int) -> None:
        self._max_size = max_size
        self._entries: OrderedDict[str, tuple[float, Principal | str]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, digest: str) -> Principal | str | None:
        hit = self._entries.get(digest)
        return hit[1] if hit is not None and hit[0] > time.monotonic() else None

    def put(self, digest: str, value: Principal | str, ttl_s: float) -> None:
        with self._lock:
            self._entries.pop(digest, None)
            while len(self._entries) >= self._max_size:
                self._entries.popitem(last=False)
            self._entries[digest] = (time.monotonic() + ttl_s, value)

    def drop(self, digest: str) -> None:
        with self._lock:
            self._entries.pop(digest, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


_valid = _BoundedCache(VALID_CACHE_MAX)
_refused = _BoundedCache(REFUSED_CACHE_MAX)


class AuthThrottled(QuotaExceeded):
    """Too many refused keys from one client address (429)."""

    error_type = kind = "auth_throttled"


def presented_key(request: Request) -> str | None:
    """The key in the Authorization header (Bearer; Basic's password on /dashboard only);
    None if none, "" if unusable."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    scheme, value = scheme.lower(), value.strip()
    if scheme == "bearer" and value:
        return value
    if scheme == "basic" and value and on_dashboard(request):
        try:
            decoded = base64.b64decode(value, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return ""
        return decoded.partition(":")[2]
    return None if not header else ""


def on_dashboard(request: Request) -> bool:
    path = request.url.path
    return path == DASHBOARD_PATH or path.startswith(DASHBOARD_PATH + "/")


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()  # the caches never hold a key


def _store(digest: str, found: Principal | str, settings: Settings) -> None:
    if isinstance(found, Principal):
        _refused.drop(digest)
        _valid.put(digest, found, settings.api_key_cache_s)
    else:
        _valid.drop(digest)
        _refused.put(digest, found, settings.auth_negative_cache_s)


def _look_up(key: str, digest: str, settings: Settings) -> Principal | str:
    found = api_keys.look_up(db_engine(), key)
    _store(digest, found, settings)
    return found


def remember(key: str, found: Principal | str, *, ttl_s: float = 3600.0) -> None:
    """Put a look-up in the cache as if Postgres had answered it (the unit tier's keys)."""
    digest = _digest(key)
    cache = _valid if isinstance(found, Principal) else _refused
    cache.put(digest, found, ttl_s)


def forget_all() -> None:
    """Empty both caches (tests that need a look-up to reach Postgres)."""
    _valid.clear()
    _refused.clear()


UNAUTHORIZED = (
    "send a valid API key as 'Authorization: Bearer <key>' (none was sent, or it is "
    "malformed, unknown or revoked; create one with: componentforge keys create "
    "--tenant T --name N)"
)
"""The one 401 message: a missing key and a bad one read alike, so the answer tells an
attacker nothing (the reason is in the log and the metric)."""


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "-"


def _settings_of(request: Request) -> Settings:
    getter = request.app.dependency_overrides.get(get_settings, get_settings)
    return getter()  # type: ignore[no-any-return]


def _redis_of(request: Request) -> redis.Redis:
    getter = request.app.dependency_overrides.get(redis_client, redis_client)
    return getter()  # type: ignore[no-any-return]


# INCR, and start the window with the first failure (atomic: no count without expiry).
_COUNT_FAILURE = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('TTL', KEYS[1])}
"""


async def _in_redis(request: Request, call: Callable[[Any], Any]) -> Any:
    """`call(client)` on the app's asyncio client, or on the pool's client in a thread
    (an app run without its lifespan); None when Redis fails: the throttle fails open,
    so a Redis outage never refuses valid keys."""
    aclient = getattr(request.app.state, "async_redis", None)
    try:
        if aclient is not None:
            return await call(aclient)
        client = _redis_of(request)
        return await run_in_threadpool(call, client)
    except redis.RedisError as exc:
        logger.warning("auth: failure throttle unavailable: %r", exc)
        return None


async def _check_throttle(request: Request, settings: Settings) -> None:
    """Raise AuthThrottled when this address's refused keys reached the limit."""
    limit = settings.auth_failures_per_minute
    if limit <= 0:
        return
    name = keys.auth_failures_key(_client_address(request))
    counted = await _in_redis(request, lambda client: client.get(name))
    if counted is not None and int(counted) >= limit:
        ttl = await _in_redis(request, lambda client: client.ttl(name))
        raise _throttled(request, limit, float(ttl) if ttl and ttl > 0 else FAILURE_WINDOW_S)


async def _count_failure(request: Request, settings: Settings) -> None:
    """Count a refused key against its address; raise AuthThrottled past the limit."""
    limit = settings.auth_failures_per_minute
    if limit <= 0:
        return
    name = keys.auth_failures_key(_client_address(request))
    counted = await _in_redis(
        request, lambda client: client.eval(_COUNT_FAILURE, 1, name, FAILURE_WINDOW_S)
    )
    if counted is not None and int(counted[0]) > limit:
        raise _throttled(request, limit, float(max(int(counted[1]), 1)))


def _throttled(request: Request, limit: int, reset_s: float) -> AuthThrottled:
    metrics.AUTH_FAILURES.labels(reason="throttled").inc()
    logger.warning(
        "auth: throttled %s %s from %s", request.method, request.url.path, _client_address(request)
    )
    return AuthThrottled(
        f"too many refused API keys from your address (limit {limit} a minute); retry in "
        f"{reset_s:.0f} s (Retry-After) with a valid key",
        limit=limit,
        remaining=0,
        reset_s=reset_s,
    )


def _refuse(request: Request, reason: str) -> Unauthorized:
    metrics.AUTH_FAILURES.labels(reason=reason).inc()
    logger.warning(
        "auth: refused %s %s from %s (%s)",
        request.method,
        request.url.path,
        _client_address(request),
        reason,
    )
    return Unauthorized(UNAUTHORIZED)


async def _found(request: Request, key: str, settings: Settings) -> Principal | str:
    """The key's principal or why not, from the caches, else (unless the address is
    throttled) from Postgres, read off the event loop."""
    # A malformed key is refused here: it never reaches Postgres or the caches.
    if key_prefix(key) is None:
        return "malformed"
    digest = _digest(key)
    if (valid := _valid.get(digest)) is not None:
        return valid
    await _check_throttle(request, settings)
    return _refused.get(digest) or await run_in_threadpool(_look_up, key, digest, settings)


async def authenticate(request: Request) -> Principal:
    """The caller's principal; raises Unauthorized (401), or AuthThrottled (429)."""
    key = presented_key(request)
    if key is None:
        raise _refuse(request, "missing")
    basic = request.headers.get("authorization", "").lower().startswith("basic")
    if key == "" and basic and not on_dashboard(request):
        raise _refuse(request, "basic_outside_dashboard")
    settings = _settings_of(request)
    found = await _found(request, key, settings)
    if isinstance(found, Principal):
        request.state.principal = found
        return found
    if found in THROTTLED_REASONS:
        await _count_failure(request, settings)
    raise _refuse(request, found)


def require(role: Role) -> Callable[[Request], object]:
    """The dependency of a route that needs at least `role`."""

    async def dependency(request: Request) -> Principal:
        principal = await authenticate(request)
        if not principal.role.allows(role):
            metrics.AUTH_FAILURES.labels(reason="role").inc()
            logger.warning(
                "auth: key cf_%s (role %s) refused %s %s: needs %s",
                principal.key_prefix,
                principal.role,
                request.method,
                request.url.path,
                role,
            )
            raise Forbidden(
                f"this key's role is {principal.role}; this request needs {role}. "
                "Ask an admin for a key with that role"
            )
        tenant_rate.take(principal.tenant_id, _settings_of(request))
        return principal

    return dependency
