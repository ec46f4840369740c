"""http_requests_total and http_request_duration_seconds, labelled by route template
(`/v1/generations/{job_id}`, never the raw path, so job ids do not become series)."""

from __future__ import annotations

import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from workers.observability.metrics import HTTP_REQUEST_DURATION, HTTP_REQUESTS

# The labelled children, looked up once per label set: `labels()` validates and locks on
# every call. Routes x methods x statuses; capped all the same (a client picks the method).
_CACHED_MAX = 1_000
_counters: dict[tuple[str, str, str], Any] = {}
_durations: dict[tuple[str, str], Any] = {}


def _counter(method: str, endpoint: str, status: str) -> Any:
    key = (method, endpoint, status)
    child = _counters.get(key)
    if child is None:
        child = HTTP_REQUESTS.labels(method=method, endpoint=endpoint, status=status)
        if len(_counters) < _CACHED_MAX:
            _counters[key] = child
    return child


def _duration(method: str, endpoint: str) -> Any:
    key = (method, endpoint)
    child = _durations.get(key)
    if child is None:
        child = HTTP_REQUEST_DURATION.labels(method=method, endpoint=endpoint)
        if len(_durations) < _CACHED_MAX:
            _durations[key] = child
    return child


class RequestMetricsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            route = scope.get("route")
            endpoint = getattr(route, "path", None) or "unmatched"
            method = scope["method"]
            _counter(method, endpoint, str(status)).inc()
            _duration(method, endpoint).observe(time.perf_counter() - started)
