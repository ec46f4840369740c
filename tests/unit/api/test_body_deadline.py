"""BodyLimitMiddleware's deadline: a body that does not arrive whole within
BODY_READ_TIMEOUT_S is a 408 and the connection is closed; after a whole body, the app's
wait for the client's disconnect (a stream's) is not cut short."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import Message, Receive, Scope, Send

from api.body_limit import BodyLimitMiddleware

SCOPE: Scope = {"type": "http", "method": "POST", "path": "/", "headers": []}


async def _echo_length(scope: Scope, receive: Receive, send: Send) -> None:
    body = await Request(scope, receive).body()
    await JSONResponse({"length": len(body)})(scope, receive, send)


def _run(app: Any, messages: list[Message], *, stall_s: float) -> list[Message]:
    """Serve one request whose body is `messages`, then nothing for `stall_s`."""
    sent: list[Message] = []

    async def receive() -> Message:
        if messages:
            return messages.pop(0)
        await asyncio.sleep(stall_s)
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(app(SCOPE, receive, send))
    return sent


def test_a_body_that_stops_arriving_is_408_and_closes() -> None:
    # Given a deadline of 0.2 s and a client that sends part of its body, then stalls
    app = BodyLimitMiddleware(_echo_length, max_bytes=1024, read_timeout_s=0.2)
    part = {"type": "http.request", "body": b'{"a":', "more_body": True}
    sent = _run(app, [part], stall_s=5)
    # Then the answer is a 408 saying what to do, and the connection is closed
    start, body = sent
    assert start["status"] == 408
    assert (b"connection", b"close") in start["headers"]
    error = json.loads(body["body"])["error"]
    assert error["type"] == "request_timeout" and "0.2 s" in error["message"]


def test_a_whole_body_is_read_and_the_wait_after_it_has_no_deadline() -> None:
    app = BodyLimitMiddleware(_wait_for_disconnect, max_bytes=1024, read_timeout_s=0.2)
    whole = {"type": "http.request", "body": b"{}", "more_body": False}
    sent = _run(app, [whole], stall_s=0.5)  # the disconnect comes after the deadline
    assert sent[0]["status"] == 200
    assert json.loads(sent[1]["body"]) == {"disconnected": True}


async def _wait_for_disconnect(scope: Scope, receive: Receive, send: Send) -> None:
    await Request(scope, receive).body()
    disconnected = (await receive())["type"] == "http.disconnect"
    await JSONResponse({"disconnected": disconnected})(scope, receive, send)
