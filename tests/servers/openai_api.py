"""A local server speaking OpenAI's chat-completions API, for tests.

POST /v1/chat/completions answers from a script of contents when one is queued, else
from a responder function; every request body is recorded, and each answer reports the
usage it was told to (so tests can check costs against it).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Responder = Callable[[dict[str, Any]], str]


@dataclass
class LLMState:
    api_key: str
    responder: Responder
    usage: tuple[int, int] = (120, 80)  # prompt, completion tokens per answer
    scripted: list[str] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def requests_about(self, component_name: str) -> list[dict[str, Any]]:
        with self.lock:
            return [r for r in self.requests if component_name in json.dumps(r)]


def _handler(state: LLMState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_: Any) -> None:
            pass

        def _send(self, status: int, body: dict[str, Any]) -> None:
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if self.path != "/v1/chat/completions":
                self._send(404, {"error": {"message": "no such route", "type": "invalid"}})
                return
            if self.headers.get("Authorization") != f"Bearer {state.api_key}":
                self._send(401, {"error": {"message": "bad key", "type": "invalid_api_key"}})
                return
            with state.lock:
                state.requests.append(body)
                content = state.scripted.pop(0) if state.scripted else None
            if content is None:
                content = state.responder(body)
            prompt, completion = state.usage
            self._send(
                200,
                {
                    "id": f"chatcmpl-{len(state.requests)}",
                    "object": "chat.completion",
                    "created": 0,
                    "model": body["model"],
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": content},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {
                        "prompt_tokens": prompt,
                        "completion_tokens": completion,
                        "total_tokens": prompt + completion,
                    },
                },
            )

    return Handler


@contextmanager
def openai_server(api_key: str, responder: Responder) -> Iterator[tuple[str, LLMState]]:
    state = LLMState(api_key=api_key, responder=responder)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", state
    finally:
        server.shutdown()
        server.server_close()
