"""A local collector speaking LangSmith's ingest API, for tests.

GET /info, POST /runs/batch ({"post": [...], "patch": [...]}), POST /runs/multipart
(parts named `post.<id>`, `patch.<id>` and `<op>.<id>.<field>`), and the single-run
POST /runs and PATCH /runs/<id>. Runs are merged by id so tests can check the tree.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler
from typing import Any

from devstack.fakes.base import JsonHandler, serving

INFO = {
    "version": "0.10.0",
    "license_expiration_time": None,
    "batch_ingest_config": {
        "use_multipart_endpoint": True,
        "scale_up_qsize_trigger": 1000,
        "scale_up_nthreads_limit": 16,
        "scale_down_nempty_trigger": 4,
        "size_limit": 100,
        "size_limit_bytes": 20_971_520,
    },
    "instance_flags": {},
}


@dataclass
class Collector:
    api_key: str
    runs: dict[str, dict[str, Any]] = field(default_factory=dict)
    endpoints: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def apply(self, operation: str, run: dict[str, Any]) -> None:
        with self.lock:
            merged = self.runs.setdefault(str(run["id"]), {})
            if operation == "post":
                merged.update({k: v for k, v in run.items() if v is not None or k not in merged})
            else:
                merged.update({k: v for k, v in run.items() if v is not None})

    def tree(self, trace_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(r) for r in self.runs.values() if str(r.get("trace_id")) == trace_id]


def _multipart(content_type: str, body: bytes) -> list[tuple[str, bytes]]:
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    return [
        (part.get_param("name", header="content-disposition"), part.get_payload(decode=True))
        for part in message.iter_parts()
    ]


def _handler(collector: Collector) -> type[BaseHTTPRequestHandler]:
    class Handler(JsonHandler):
        def _authorised(self) -> bool:
            if self.headers.get("x-api-key") == collector.api_key:
                return True
            self.send_json(401, {"detail": "bad api key"})
            return False

        def do_GET(self) -> None:
            collector.endpoints.append(f"GET {self.path}")
            if self.path.startswith("/info"):
                self.send_json(200, INFO)
            else:
                self.send_json(404, {"detail": "not found"})

        def do_POST(self) -> None:
            body = self.read_body()
            collector.endpoints.append(f"POST {self.path}")
            if not self._authorised():
                return
            if self.path == "/runs/batch":
                batch = json.loads(body)
                for operation in ("post", "patch"):
                    for run in batch.get(operation) or []:
                        collector.apply(operation, run)
            elif self.path == "/runs/multipart":
                runs: dict[tuple[str, str], dict[str, Any]] = {}
                for name, payload in _multipart(self.headers["Content-Type"], body):
                    operation, run_id, *rest = name.split(".")
                    if operation not in ("post", "patch"):
                        continue  # attachments, feedback
                    run = runs.setdefault((operation, run_id), {"id": run_id})
                    value = json.loads(payload)
                    if rest:
                        run[rest[0]] = value
                    else:
                        run.update(value)
                for (operation, _), run in runs.items():
                    collector.apply(operation, run)
            elif self.path == "/runs":
                collector.apply("post", json.loads(body))
            else:
                self.send_json(404, {"detail": "not found"})
                return
            self.send_json(202, {})

        def do_PATCH(self) -> None:
            body = self.read_body()
            collector.endpoints.append(f"PATCH {self.path}")
            if not self._authorised():
                return
            run = json.loads(body)
            run["id"] = self.path.rsplit("/", 1)[-1]
            collector.apply("patch", run)
            self.send_json(200, {})

    return Handler


@contextmanager
def langsmith_collector(api_key: str) -> Iterator[tuple[str, Collector]]:
    collector = Collector(api_key=api_key)
    with serving(_handler(collector)) as url:
        yield url, collector
