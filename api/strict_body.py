"""The route class of JSON routes: the body is parsed once, strictly (core.strict_json),
before FastAPI validates it.

FastAPI would parse it with `json.loads` (duplicate keys, NaN, lone surrogates and all);
the strictly parsed value is handed on as the request's JSON, so FastAPI validates the
same value and never parses the body again. The body's schema stays in OpenAPI.
"""

from __future__ import annotations

import email.message
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from core import strict_json
from core.errors import UnsupportedMediaType


def is_json(content_type: str | None) -> bool:
    """application/json or application/*+json, parameters (charset) allowed."""
    if not content_type:
        return False
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


class StrictJsonRoute(APIRoute):
    """A route whose body, if it takes one, must be strict JSON: 415 for another media
    type, 400 (malformed_json) for what core.strict_json refuses."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if self.body_field is None:
            return handler

        async def strict_handler(request: Request) -> Response:
            content_type = request.headers.get("content-type")
            if not is_json(content_type):
                raise UnsupportedMediaType(
                    "send the body as JSON with the header Content-Type: application/json "
                    f"(got {content_type or 'none'!r})"
                )
            body = await request.body()  # over MAX_BODY_BYTES: api.body_limit raises 413
            if body:
                # Starlette's Request.json() returns this cached value: FastAPI validates
                # what was parsed here.
                request._json = strict_json.loads(body)
            return await handler(request)

        return strict_handler


async def refuse_non_json_body(request: Request) -> None:
    """The dependency of a state-changing route that takes no body (cancel, delete): a
    Content-Type other than JSON is refused (415). A cross-site HTML form can send only
    form-encoded, multipart or text/plain bodies, so such a request is never a client of
    this API's."""
    content_type = request.headers.get("content-type")
    if content_type and not is_json(content_type):
        raise UnsupportedMediaType(
            "this request takes no body; send none, or JSON with the header "
            f"Content-Type: application/json (got {content_type!r})"
        )
