"""Which dependency errors may pass on a later attempt, and of what kind they are.

The kinds are the vocabulary of retry policies' `retry_on` (config/retry_policies.py).
"""

from __future__ import annotations

import httpx
import openai
import redis
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from config.retry_policies import ErrorKind
from core.errors import DependencyUnavailable

_S3_CODE_KINDS: dict[str, ErrorKind] = {
    "SlowDown": "rate_limit",
    "InternalError": "server_error",
    "ServiceUnavailable": "server_error",
    "RequestTimeout": "timeout",
    "503": "server_error",
    "500": "server_error",
    # The endpoint lost its bucket (restarted empty, deleted by mistake): the upload
    # creates it again (upload_spool), and while that fails the artifacts are spooled.
    "NoSuchBucket": "server_error",
}
_QUERY_CANCELED = "57014"  # Postgres: statement_timeout reached


def error_kind(exc: BaseException) -> ErrorKind | None:
    """The kind of a transient dependency error; None when retrying cannot help."""
    if isinstance(exc, DependencyUnavailable):
        return exc.kind
    if isinstance(exc, redis.TimeoutError):
        return "timeout"
    if isinstance(exc, redis.ConnectionError | redis.BusyLoadingError):
        return "connection"
    if isinstance(exc, DBAPIError):
        if getattr(exc.orig, "pgcode", None) == _QUERY_CANCELED:
            return "timeout"
        if isinstance(exc, OperationalError | InterfaceError) or exc.connection_invalidated:
            return "connection"
        return None
    if isinstance(exc, ConnectTimeoutError | ReadTimeoutError):
        return "timeout"
    if isinstance(exc, EndpointConnectionError | ConnectionClosedError):
        return "connection"
    if isinstance(exc, ClientError):
        return _S3_CODE_KINDS.get(exc.response.get("Error", {}).get("Code", ""))
    if isinstance(exc, openai.APITimeoutError | httpx.TimeoutException):
        return "timeout"
    if isinstance(exc, openai.APIConnectionError | httpx.TransportError):
        return "connection"
    if isinstance(exc, openai.RateLimitError):
        return "rate_limit"
    if isinstance(exc, openai.APIStatusError) and exc.status_code >= 500:
        return "server_error"
    if isinstance(exc, TimeoutError):
        return "timeout"
    if isinstance(exc, ConnectionError):
        return "connection"
    return None


def is_transient(exc: BaseException) -> bool:
    return error_kind(exc) is not None


def retry_after_s(exc: BaseException) -> float | None:
    """The wait a rate-limited server asked for, when it said."""
    if isinstance(exc, DependencyUnavailable):
        return exc.retry_after_s
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    try:
        return max(float(headers.get("retry-after", "")), 0.0)
    except ValueError:
        return None


def describe(exc: BaseException) -> str:
    """A one-line reason naming the dependency, for job errors and logs."""
    if isinstance(exc, DependencyUnavailable):
        return str(exc)
    if isinstance(exc, redis.RedisError):
        return f"Redis unavailable: {exc}"
    if isinstance(exc, DBAPIError):
        return f"Postgres unavailable: {str(exc.orig).strip().splitlines()[0] if exc.orig else exc}"
    if isinstance(exc, ClientError | EndpointConnectionError | ConnectTimeoutError):
        return f"S3 unavailable: {exc}"
    return f"{type(exc).__name__}: {exc}"
