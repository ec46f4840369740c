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
from core.redaction import without_addresses

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
REDIS_FULL = (
    "the job store is full (Redis reached its memory limit and refuses writes); nothing "
    "was queued or changed. Retry later; operators: see the RedisMemoryHigh alert"
)


def error_kind(exc: BaseException) -> ErrorKind | None:
    """The kind of a transient dependency error; None when retrying cannot help."""
    if isinstance(exc, DependencyUnavailable):
        return exc.kind
    if is_redis_full(exc):
        return "server_error"  # memory frees as jobs end and their state expires
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


AUTH_STATUSES = frozenset({401, 403})
"""Refusals of the deployment's key, not of one tenant's request."""


def is_request_fault(exc: BaseException) -> bool:
    """An HTTP service refused this request for what it asked (a 4xx other than a
    refused key or a rate limit): the asker's fault, not the service's or the key's."""
    if not isinstance(exc, openai.APIStatusError):
        return False
    status = exc.status_code
    return 400 <= status < 500 and status not in AUTH_STATUSES and status != 429


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


def is_redis_full(exc: BaseException) -> bool:
    """Redis refused a write at its maxmemory (policy noeviction): "OOM command not
    allowed when used memory > 'maxmemory'", as such or from inside a Lua script."""
    return isinstance(exc, redis.OutOfMemoryError) or (
        isinstance(exc, redis.ResponseError) and "OOM command not allowed" in str(exc)
    )


def describe(exc: BaseException) -> str:
    """A one-line reason naming the dependency, for job errors and API answers. It names
    no host, port or URL (core.redaction): log the exception itself for those."""
    if isinstance(exc, DependencyUnavailable):
        return without_addresses(str(exc))
    if is_redis_full(exc):
        return REDIS_FULL
    if isinstance(exc, redis.RedisError):
        return f"Redis unavailable: {_first_line(exc)}"
    if isinstance(exc, DBAPIError):
        return f"Postgres unavailable: {_first_line(exc.orig or exc)}"
    if isinstance(exc, ClientError | EndpointConnectionError | ConnectTimeoutError):
        return f"S3 unavailable: {_first_line(exc)}"
    if isinstance(exc, openai.APIError):
        return f"LLM provider unavailable: {_first_line(exc)}"
    if isinstance(exc, httpx.HTTPError):
        return f"an HTTP dependency is unavailable: {_first_line(exc)}"
    return f"{type(exc).__name__}: {_first_line(exc)}"


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return without_addresses(lines[0] if lines else type(exc).__name__)
