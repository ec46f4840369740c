"""The HTTP floor the API's figures are compared with: a bare ASGI app that answers every
request with one fixed JSON body, served by the same uvicorn settings as the API. What is
left between it and the API is the app's own work (routing, auth, validation, Redis)."""

from __future__ import annotations

from starlette.types import Receive, Scope, Send

_BODY = b'{"status":"ok"}'
_START = {
    "type": "http.response.start",
    "status": 200,
    "headers": [(b"content-type", b"application/json"), (b"content-length", b"15")],
}


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    await send(_START)
    await send({"type": "http.response.body", "body": _BODY})
