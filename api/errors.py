"""Every error the API answers with, mapped in one place, in one JSON shape:
{"error": {"type", "message", "fields": [{"field", "reason"}]}}."""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence
from typing import Any

import redis
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.body_limit import BodyTooLarge, BodyTooSlow, too_large_body, too_slow_body
from core.errors import (
    BadRequest,
    ComponentForgeError,
    DependencyUnavailable,
    Forbidden,
    IdempotencyConflict,
    JobConflict,
    JobNotFound,
    MalformedJson,
    QuotaExceeded,
    Unauthorized,
    UnsupportedMediaType,
)
from core.redaction import public_message
from workers.resilience.classification import REDIS_FULL, describe, is_redis_full, is_transient

logger = logging.getLogger(__name__)

_NAMED_FIELD = re.compile(r"([a-z_][a-z_.]*): (.+)", re.DOTALL)

STATUS_BY_ERROR: dict[type[ComponentForgeError], int] = {
    MalformedJson: 400,
    UnsupportedMediaType: 415,
    BadRequest: 422,
    Unauthorized: 401,
    Forbidden: 403,
    JobNotFound: 404,
    IdempotencyConflict: 409,
    JobConflict: 409,
    QuotaExceeded: 429,
    DependencyUnavailable: 503,
}


def error_response(
    status: int, error_type: str, message: str, fields: list[dict[str, str]] | None = None
) -> JSONResponse:
    body = {"error": {"type": error_type, "message": message, "fields": fields or []}}
    return JSONResponse(body, status_code=status)


def rate_limit_headers(limit: float, admitted: Any) -> dict[str, str]:
    """The IETF draft's RateLimit-* headers of an admitted submission (what is left of
    the tenant's rate window)."""
    return {
        "RateLimit-Limit": f"{limit:.0f}",
        "RateLimit-Remaining": str(max(int(admitted.remaining), 0)),
        "RateLimit-Reset": str(math.ceil(admitted.reset_s)),
    }


def quota_headers(exc: QuotaExceeded) -> dict[str, str]:
    """A refusal's Retry-After and RateLimit-* headers (of the limit that refused)."""
    reset = str(max(math.ceil(exc.reset_s), 1))
    return {
        "Retry-After": reset,
        "RateLimit-Limit": f"{exc.limit:g}",
        "RateLimit-Remaining": f"{max(exc.remaining, 0):g}",
        "RateLimit-Reset": reset,
    }


def _field_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    # Pydantic names union/validator branches (e.g. "function-after[...]"); users do not.
    parts = [p for p in parts if "[" not in p]
    return ".".join(parts) or "body"


def _validation_problem(exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        first = next(e for e in errors if e.get("type") == "json_invalid")
        position = first.get("loc", ("body", "?"))[-1]
        detail = first.get("ctx", {}).get("error", "invalid JSON")
        return error_response(
            400,
            "malformed_json",
            f"the body is not valid JSON ({detail} at character {position})",
            [{"field": "body", "reason": str(detail)}],
        )
    fields = validation_fields(errors)
    return error_response(422, "validation_error", validation_summary(fields), fields)


def validation_fields(errors: Sequence[Any]) -> list[dict[str, str]]:
    """Pydantic's errors as {field, reason}: the fields of a 422 (and of a batch's
    refused item, validated on its own)."""
    fields = []
    for error in errors:
        field = _field_path(tuple(error.get("loc", ())))
        reason = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        # Whole-object checks name their field at the start of the message ("tokens: ...").
        if field == "body" and (named := _NAMED_FIELD.fullmatch(reason)):
            field, reason = named.group(1), named.group(2)
        fields.append({"field": field, "reason": reason})
    return fields


def validation_summary(fields: list[dict[str, str]]) -> str:
    return "invalid request: " + "; ".join(f"{f['field']}: {f['reason']}" for f in fields[:5])


def _dependency_down(exc: Exception) -> JSONResponse:
    """A 503 naming the dependency, never its address (that is in the log)."""
    logger.warning("dependency down: %r", exc)
    return error_response(
        503, "dependency_unavailable", f"{describe(exc)}; nothing was changed, retry shortly"
    )


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _on_validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        # A body that is not JSON (415) or not strict JSON (400) never gets here:
        # api.strict_body refuses it first.
        return _validation_problem(exc)

    @app.exception_handler(ComponentForgeError)
    async def _on_domain(_: Request, exc: ComponentForgeError) -> JSONResponse:
        status = next((s for t, s in STATUS_BY_ERROR.items() if isinstance(exc, t)), 500)
        message = public_message(exc)
        reason = exc.reason if isinstance(exc, MalformedJson) else message
        fields = [{"field": exc.field, "reason": reason}] if exc.field else None
        response = error_response(status, exc.error_type, message, fields)
        if isinstance(exc, Unauthorized):
            response.headers["WWW-Authenticate"] = exc.challenge
        if isinstance(exc, QuotaExceeded):
            response.headers.update(quota_headers(exc))
        return response

    @app.exception_handler(BodyTooLarge)
    async def _on_too_large(_: Request, exc: BodyTooLarge) -> JSONResponse:
        # Raised while the body streams in (a chunked body has no Content-Length).
        return JSONResponse(too_large_body(exc.max_bytes), status_code=413)

    @app.exception_handler(BodyTooSlow)
    async def _on_too_slow(_: Request, exc: BodyTooSlow) -> JSONResponse:
        # The connection goes: what is left of the body would be read as the next request.
        return JSONResponse(
            too_slow_body(exc.timeout_s), status_code=408, headers={"Connection": "close"}
        )

    @app.exception_handler(StarletteHTTPException)
    async def _on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 405:
            allowed = (exc.headers or {}).get("Allow", "")
            response = error_response(
                405,
                "method_not_allowed",
                f"{request.method} is not allowed on {request.url.path}; use {allowed}",
                [{"field": "method", "reason": f"{request.method} is not one of {allowed}"}],
            )
        else:
            response = error_response(exc.status_code, "http_error", str(exc.detail))
        # Starlette's 405 carries Allow (RFC 9110 requires it).
        response.headers.update(exc.headers or {})
        return response

    # Redis's errors get a handler of their own: Starlette re-raises what the catch-all
    # `Exception` handler answered (so the server logs it and drops the connection).
    @app.exception_handler(redis.RedisError)
    async def _on_redis(request: Request, exc: redis.RedisError) -> JSONResponse:
        if is_redis_full(exc):
            # Redis refuses writes at maxmemory (noeviction) rather than evict a job.
            logger.error("Redis is full; %s %s refused: %r", request.method, request.url.path, exc)
            response = error_response(503, "dependency_unavailable", REDIS_FULL)
            response.headers["Retry-After"] = "30"
            return response
        if is_transient(exc):
            return _dependency_down(exc)
        raise exc

    @app.exception_handler(Exception)
    async def _on_unexpected(_: Request, exc: Exception) -> JSONResponse:
        if is_transient(exc):
            return _dependency_down(exc)
        logger.exception("unhandled error")
        return error_response(500, "internal_error", "internal error; see the API logs")
