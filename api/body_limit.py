"""Refuse request bodies over MAX_BODY_BYTES before anything parses them (413): by their
Content-Length before the app runs, or, for a body without one (chunked), as soon as
what has arrived is over the limit. And bodies that do not arrive within
BODY_READ_TIMEOUT_S (408): a client sending a byte a second would otherwise hold a
connection, and a slot of the server's, for as long as it likes."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(HTTPException):
    """Raised from the body's stream. An HTTPException, so that FastAPI lets it through
    where it reads the body (it answers 400 for any other exception there); api.errors
    answers it with too_large_body."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(status_code=413)
        self.max_bytes = max_bytes


class BodyTooSlow(HTTPException):
    """Raised from the body's stream when the whole body has not arrived in time."""

    def __init__(self, timeout_s: float) -> None:
        super().__init__(status_code=408)
        self.timeout_s = timeout_s


def too_slow_body(timeout_s: float) -> dict[str, Any]:
    """The 408's body."""
    return {
        "error": {
            "type": "request_timeout",
            "message": f"the request body did not arrive within {timeout_s:g} s; send it "
            "again, all at once",
            "fields": [{"field": "body", "reason": f"not received within {timeout_s:g} s"}],
        }
    }


def too_large_body(max_bytes: int) -> dict[str, Any]:
    """The 413's body: the limit, and what to send instead."""
    return {
        "error": {
            "type": "payload_too_large",
            "message": f"request body is over {max_bytes} bytes; send a smaller "
            "design (e.g. a figma_file_key instead of the inline file)",
            "fields": [{"field": "body", "reason": f"larger than {max_bytes} bytes"}],
        }
    }


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, max_bytes: int, read_timeout_s: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.read_timeout_s = read_timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send, 413, too_large_body(self.max_bytes))
            return
        received = 0
        body_done = False
        started = False
        deadline = time.monotonic() + self.read_timeout_s

        async def counting_receive() -> Message:
            nonlocal received, body_done
            if body_done:  # after the body: a wait for the disconnect, no deadline
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), deadline - time.monotonic())
            except TimeoutError:
                raise BodyTooSlow(self.read_timeout_s) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
                body_done = not message.get("more_body", False)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            # Read outside the app's error handlers (a middleware's own read).
            if not started:
                await self._refuse(send, 413, too_large_body(self.max_bytes))
        except BodyTooSlow:
            if not started:
                await self._refuse(send, 408, too_slow_body(self.read_timeout_s))

    async def _refuse(self, send: Send, status: int, body: dict[str, Any]) -> None:
        payload = json.dumps(body).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"connection", b"close"),
                    (b"content-length", str(len(payload)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})
