"""A local server speaking Figma's REST API (the endpoints this project calls), for tests.

Serves GET /v1/files/:key (`?depth=1`: only the top of the document, with `version` and
`lastModified`, as Figma's shallow answer) and /v1/files/:key/styles from files it is
given, checks X-Figma-Token (and, for a private file, that it is its owner's), records
every request, and can be told to answer the next requests with a given status and
headers (429 with Retry-After, 500, ...). `edit_fill` edits a file as a designer would:
a new fill colour and a new version.
"""

from __future__ import annotations

import copy
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

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
            return [path for path in self.requests if _file_key(path) == key]

    def shallow_requests_for(self, key: str) -> list[str]:
        """The version look-ups (`?depth=1`) of a file."""
        return [path for path in self.requests_for(key) if _shallow(path)]

    def body_requests_for(self, key: str) -> list[str]:
        """The requests for a file's body or styles (not its version)."""
        return [path for path in self.requests_for(key) if not _shallow(path)]

    def edit_fill(self, key: str, node_id: str, hex_colour: str) -> str:
        """Give node `node_id` of file `key` a new SOLID fill colour (`#rrggbb`), as an
        edit in Figma does: a new version and lastModified. Returns the new version. The
        file is copied first (tests share one parsed document)."""
        red, green, blue = (int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
        with self.lock:
            figma_file = copy.deepcopy(self.files[key])
            node = _find_node(figma_file["document"], node_id)
            if node is None:
                raise KeyError(f"no node {node_id} in file {key}")
            node["fills"] = [{"blendMode": "NORMAL", "type": "SOLID",
                              "color": {"r": red, "g": green, "b": blue, "a": 1}}]  # fmt: skip
            figma_file["version"] = str(int(figma_file.get("version") or 0) + 1)
            figma_file["lastModified"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            self.files[key] = figma_file
            return str(figma_file["version"])


def _file_key(path: str) -> str | None:
    match = _PATH.match(urlsplit(path).path)
    return match.group("key") if match else None


def _shallow(path: str) -> bool:
    return parse_qs(urlsplit(path).query).get("depth") == ["1"]


def _find_node(node: dict[str, Any], node_id: str) -> dict[str, Any] | None:
    if node.get("id") == node_id:
        return node
    for child in node.get("children") or []:
        if (found := _find_node(child, node_id)) is not None:
            return found
    return None


def _shallow_answer(figma_file: dict[str, Any]) -> dict[str, Any]:
    """Figma's depth=1 answer: the file's metadata and its document's pages, no deeper."""
    answer = {k: v for k, v in figma_file.items() if k != "document"}
    document = figma_file.get("document") or {}
    pages = [{k: v for k, v in page.items() if k != "children"}
             for page in document.get("children") or []]  # fmt: skip
    answer["document"] = {**{k: v for k, v in document.items() if k != "children"},
                          "children": pages}  # fmt: skip
    return answer


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
            url = urlsplit(self.path)
            match = _PATH.match(url.path)
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
            elif _shallow(self.path):
                self.send_json(200, _shallow_answer(figma_file))
            else:
                self.send_json(200, figma_file)

    return Handler


@contextmanager
def figma_server(token: str) -> Iterator[tuple[str, FigmaState]]:
    state = FigmaState(token=token)
    with serving(_handler(state)) as url:
        yield url, state
