"""A local server speaking Figma's REST API (the endpoints this project calls), for tests.

Serves GET /v1/files/:key and /v1/files/:key/styles from files it is given, checks
X-Figma-Token (and, for a private file, that it is its owner's), records every request,
and can be told to answer the next requests with a given status and headers (429 with
Retry-After, 500, ...).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from devstack.fakes.base import JsonHandler, serving

_PATH = re.compile(r"^/v1/files/(?P<key>[A-Za-z0-9_-]+)(?P<styles>/styles)?$")


@dataclass
class FigmaState:
    token: str
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    other_tokens: set[str] = field(default_factory=set)  # also valid (other accounts)
    owners: dict[str, str] = field(default_factory=dict)  # private file key -> its token
    requests: list[str] = field(default_factory=list)
    scripted: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def requests_for(self, key: str) -> list[str]:
        with self.lock:
            return [path for path in self.requests if f"/v1/files/{key}" in path]


def _styles_answer(key: str, figma_file: dict[str, Any]) -> dict[str, Any]:
    styles = [
        {"key": s.get("key"), "file_key": key, "node_id": node_id, "style_type": s["styleType"],
         "name": s["name"], "description": s.get("description", "")}
        for node_id, s in (figma_file.get("styles") or {}).items()
    ]  # fmt: skip
    return {"status": 200, "error": False, "meta": {"styles": styles}}


def _handler(state: FigmaState) -> type[BaseHTTPRequestHandler]:
    class Handler(JsonHandler):
        def do_GET(self) -> None:
            with state.lock:
                state.requests.append(self.path)
                scripted = state.scripted.pop(0) if state.scripted else None
            if scripted is not None:
                status, headers = scripted
                self.send_json(status, {"status": status, "err": "scripted"}, headers)
                return
            token = self.headers.get("X-Figma-Token")
            if token != state.token and token not in state.other_tokens:
                self.send_json(403, {"status": 403, "err": "Invalid token"})
                return
            match = _PATH.match(self.path)
            owner = state.owners.get(match.group("key")) if match else None
            if owner is not None and token != owner:
                self.send_json(403, {"status": 403, "err": "File not shared with this token"})
                return
            figma_file = state.files.get(match.group("key")) if match else None
            if match is None or figma_file is None:
                self.send_json(404, {"status": 404, "err": "Not found"})
                return
            if match.group("styles"):
                self.send_json(200, _styles_answer(match.group("key"), figma_file))
            else:
                self.send_json(200, figma_file)

    return Handler


@contextmanager
def figma_server(token: str) -> Iterator[tuple[str, FigmaState]]:
    state = FigmaState(token=token)
    with serving(_handler(state)) as url:
        yield url, state
