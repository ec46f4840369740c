"""Which dependency errors may pass on a later attempt (and so retry the task)."""

from __future__ import annotations

import redis
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from workers.errors import DependencyUnavailable

_RETRYABLE_S3_CODES = frozenset(
    {"SlowDown", "InternalError", "ServiceUnavailable", "RequestTimeout", "503", "500"}
)


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, DependencyUnavailable):
        return True
    if isinstance(exc, redis.ConnectionError | redis.TimeoutError | redis.BusyLoadingError):
        return True
    if isinstance(exc, OperationalError | InterfaceError):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(
        exc,
        EndpointConnectionError | ConnectTimeoutError | ReadTimeoutError | ConnectionClosedError,
    ):
        return True
    if isinstance(exc, ClientError):
        return exc.response.get("Error", {}).get("Code", "") in _RETRYABLE_S3_CODES
    return isinstance(exc, ConnectionError | TimeoutError)


def describe(exc: BaseException) -> str:
    """A one-line reason naming the dependency, for job errors and logs."""
    if isinstance(exc, redis.RedisError):
        return f"Redis unavailable: {exc}"
    if isinstance(exc, DBAPIError):
        return f"Postgres unavailable: {str(exc.orig).strip().splitlines()[0] if exc.orig else exc}"
    if isinstance(exc, ClientError | EndpointConnectionError | ConnectTimeoutError):
        return f"S3 unavailable: {exc}"
    return f"{type(exc).__name__}: {exc}"
