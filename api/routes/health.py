"""Liveness and readiness: /readyz tells anyone ready or not, and an admin key why."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from kombu import Connection
from sqlalchemy import text

from api.auth import authenticate
from config.settings import get_settings
from core.access import Role
from workers.clients import db_engine, redis_client, s3_client
from workers.resilience.circuit_breaker import CLOSED, read_all

logger = logging.getLogger(__name__)
router = APIRouter(tags=["health"])

CHECK_TIMEOUT_S = 3.0
# Without these the API cannot accept or report jobs; Postgres and S3 only matter to
# workers (and to the status of jobs whose live state expired).
NEEDED_BY_API = ("broker", "redis")


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is alive. Checks nothing else, so a dependency outage never restarts it.
    Async: answered on the event loop, never queued behind the thread pool."""
    return {"status": "ok"}


def _check_broker() -> None:
    settings = get_settings()
    with Connection(settings.broker_url, connect_timeout=CHECK_TIMEOUT_S) as conn:
        conn.ensure_connection(max_retries=1, timeout=CHECK_TIMEOUT_S)


def _check_redis() -> None:
    redis_client().ping()


def _check_postgres() -> None:
    with db_engine().connect() as conn:
        conn.execute(text("SELECT 1"))


def _check_s3() -> None:
    try:
        s3_client().head_bucket(Bucket=get_settings().s3_bucket)
    except ClientError as exc:
        # The endpoint answered; workers create the bucket on their first upload.
        if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket"):
            raise


CHECKS: dict[str, Callable[[], None]] = {
    "broker": _check_broker,
    "redis": _check_redis,
    "postgres": _check_postgres,
    "s3": _check_s3,
}


async def _run_check(name: str, check: Callable[[], None]) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        await asyncio.wait_for(run_in_threadpool(check), timeout=CHECK_TIMEOUT_S)
    except Exception as exc:
        # The detail goes to the log: the route is open, and a driver's message names
        # hosts, ports and users.
        logger.warning("readyz: %s is down: %s: %s", name, type(exc).__name__, exc)
        reason = "timed out" if isinstance(exc, TimeoutError) else type(exc).__name__
        return {"up": False, "error": reason}
    return {"up": True, "latency_ms": round((time.perf_counter() - started) * 1000, 2)}


def _circuits() -> dict[str, Any]:
    """What the workers' circuit breakers last decided, per dependency (shared in Redis)."""
    now = time.time()
    try:
        circuits = read_all(redis_client())
    except Exception as exc:
        logger.warning("readyz: circuits unreadable: %s: %s", type(exc).__name__, exc)
        return {"error": f"unreadable: {type(exc).__name__}"}
    return {
        service: {"state": c.state, "recent_failures": c.failures}
        | ({"retry_in_s": round(max(c.until - now, 0), 1)} if c.state != CLOSED else {})
        for service, c in circuits.items()
    }


_last_checks: tuple[float, dict[str, Any]] = (float("-inf"), {})
"""When the checks last ran (monotonic), and what they said."""
_checks_lock = asyncio.Lock()


async def cached_checks(max_age_s: float) -> dict[str, Any]:
    """The dependency checks, no older than `max_age_s`, run by one caller at a time (the
    others wait for its answer): neither /readyz nor the dashboard can be made to load
    the dependencies they check."""
    global _last_checks
    async with _checks_lock:
        ran_at, checks = _last_checks
        if time.monotonic() - ran_at < max_age_s:
            return checks
        results = await asyncio.gather(*(_run_check(name, c) for name, c in CHECKS.items()))
        checks = dict(zip(CHECKS, results, strict=True))
        _last_checks = (time.monotonic(), checks)
        return checks


async def _is_admin(request: Request) -> bool:
    """Whether the caller sent an admin key (a bad key is refused: 401, as anywhere)."""
    if "authorization" not in request.headers:
        return False
    return (await authenticate(request)).role is Role.ADMIN


@router.get(
    "/readyz",
    responses={
        503: {"description": "a dependency the API needs is down (same body as 200)"},
        401: {"description": "a key was sent, and it is not valid"},
    },
)
async def readyz(request: Request) -> JSONResponse:
    """`{"status": "ready"}`, or `not_ready` with 503 when a dependency the API needs is
    down (an open circuit alone is not: jobs are still accepted). With an admin key, also
    each dependency's check and the circuit breakers' states; the checks are at most
    READYZ_CACHE_S old."""
    checks = await cached_checks(get_settings().readyz_cache_s)
    ready = all(checks[name]["up"] for name in NEEDED_BY_API)
    body: dict[str, Any] = {"status": "ready" if ready else "not_ready"}
    if await _is_admin(request):
        try:
            circuits = await asyncio.wait_for(run_in_threadpool(_circuits), timeout=CHECK_TIMEOUT_S)
        except TimeoutError:
            circuits = {"error": "unreadable: Redis timed out"}
        body |= {"needed": list(NEEDED_BY_API), "checks": checks, "circuits": circuits}
    return JSONResponse(body, status_code=200 if ready else 503)
