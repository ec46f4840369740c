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
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.servers.base import JsonHandler, serving

Responder = Callable[[dict[str, Any]], str]


@dataclass
class LLMState:
    api_key: str
    responder: Responder
    usage: tuple[int, int] = (120, 80)  # prompt, completion tokens per answer
    scripted: list[str] = field(default_factory=list)
    failures: list[int] = field(default_factory=list)  # statuses to answer before any content
    requests: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def requests_about(self, component_name: str) -> list[dict[str, Any]]:
        with self.lock:
            return [r for r in self.requests if component_name in json.dumps(r)]


def _handler(state: LLMState) -> type[BaseHTTPRequestHandler]:
    class Handler(JsonHandler):
        def do_POST(self) -> None:
            body = json.loads(self.read_body())
            if self.path != "/v1/chat/completions":
                self.send_json(404, {"error": {"message": "no such route", "type": "invalid"}})
                return
            if self.headers.get("Authorization") != f"Bearer {state.api_key}":
                self.send_json(401, {"error": {"message": "bad key", "type": "invalid_api_key"}})
                return
            with state.lock:
                state.requests.append(body)
                failure = state.failures.pop(0) if state.failures else None
                content = state.scripted.pop(0) if state.scripted and failure is None else None
            if failure is not None:
                self.send_json(failure, {"error": {"message": "scripted", "type": "server_error"}})
                return
            if content is None:
                content = state.responder(body)
            prompt, completion = state.usage
            self.send_json(
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
    with serving(_handler(state)) as url:
        yield f"{url}/v1", state
