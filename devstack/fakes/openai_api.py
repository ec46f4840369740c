"""A local server speaking OpenAI's chat-completions API, for tests.

POST /v1/chat/completions answers from a script of contents when one is queued, else
from a responder function; every request body is recorded, and each answer reports the
usage it was told to (so tests can check costs against it). An `outage` makes it fail
every request the way a real provider does when it is down, rate-limiting or stuck.
`scripted` holds whole answers (any text, e.g. a component a steered model would write);
`request_step` and `request_data` read what ComponentForge asked (the step named in the
system message, the JSON between the data block's marker lines).

POST /v1/embeddings answers with the local embedder's vectors of each input (so
similarities mean what they mean offline), prompt_tokens being the inputs' word count;
its bodies are recorded apart (`embedding_requests`). Key check and outages as above.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any, Literal

from devstack.fakes.base import JsonHandler, serving
from workers.storage.embeddings import LocalHashEmbedder

Responder = Callable[[dict[str, Any]], str]
Outage = Literal["500", "429", "hang"]
# What OpenAI answers when a request names no `dimensions`.
DEFAULT_DIMENSIONS = {"text-embedding-3-large": 3072}


@dataclass
class LLMState:
    api_key: str
    responder: Responder
    usage: tuple[int, int] = (120, 80)  # prompt, completion tokens per answer
    scripted: list[str] = field(default_factory=list)
    failures: list[int] = field(default_factory=list)  # statuses to answer before any content
    failing_models: dict[str, int] = field(default_factory=dict)
    """Models answered with this status on every request (a model broken on its own)."""
    failing_steps: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    """(component name, step) -> statuses to answer, in turn, to that step's requests
    about that component (one step of one job failing while the others are paid)."""
    hanging_about: set[str] = field(default_factory=set)
    """Component names whose chat completions hang for hang_s (one tenant's huge prompt
    the model never answers in time), while every other request is answered."""
    outage: Outage | None = None
    """While set, every request gets it: "500", "429" (with Retry-After) or "hang"."""
    retry_after_s: float = 2.0
    hang_s: float = 30.0
    latency_s: float = 0.0
    """How long each chat completion takes to answer (a real model's seconds)."""
    in_flight: int = 0  # chat completions being answered now
    peak_in_flight: int = 0  # the most at once since the last `reset_peak`
    outage_answers: int = 0  # requests failed because of an outage
    requests: list[dict[str, Any]] = field(default_factory=list)
    embedding_requests: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset_peak(self) -> None:
        with self.lock:
            self.peak_in_flight = self.in_flight

    def requests_about(self, component_name: str) -> list[dict[str, Any]]:
        with self.lock:
            return [r for r in self.requests if component_name in json.dumps(r)]


def request_step(body: dict[str, Any]) -> str:
    """The step a request is for: the system message's `Step: <name>` line."""
    system = next(m["content"] for m in body["messages"] if m["role"] == "system")
    return next(line[6:] for line in system.splitlines() if line.startswith("Step: "))


def request_data(body: dict[str, Any]) -> dict[str, Any]:
    """The job's data: the first user message is a marker line, JSON, a marker line."""
    user = next(m["content"] for m in body["messages"] if m["role"] == "user")
    lines = user.split("\n")
    data = json.loads("\n".join(lines[1:-1]))
    assert isinstance(data, dict)
    return data


def _handler(state: LLMState) -> type[BaseHTTPRequestHandler]:
    class Handler(JsonHandler):
        def do_POST(self) -> None:
            body = json.loads(self.read_body())
            if self.path not in ("/v1/chat/completions", "/v1/embeddings"):
                self.send_json(404, {"error": {"message": "no such route", "type": "invalid"}})
                return
            if self.headers.get("Authorization") != f"Bearer {state.api_key}":
                self.send_json(401, {"error": {"message": "bad key", "type": "invalid_api_key"}})
                return
            if self._outage():
                return
            if self.path == "/v1/embeddings":
                self._embeddings(body)
                return
            with state.lock:
                state.in_flight += 1
                state.peak_in_flight = max(state.peak_in_flight, state.in_flight)
            try:
                if state.latency_s:
                    time.sleep(state.latency_s)
                self._chat_completion(body)
            finally:
                with state.lock:
                    state.in_flight -= 1

        def _outage(self) -> bool:
            """Answers the request as the outage says; False when there is none."""
            outage = state.outage
            if outage is not None:
                with state.lock:
                    state.outage_answers += 1
            if outage == "hang":
                time.sleep(state.hang_s)  # longer than the client's timeout, which has gone
                self.close_connection = True
                return True
            if outage is not None:
                status, headers = (429, {"Retry-After": f"{state.retry_after_s:g}"}) if (
                    outage == "429") else (500, {})  # fmt: skip
                self.send_json(status, {"error": {"message": "outage", "type": "server_error"}},
                               headers)  # fmt: skip
                return True
            return False

        def _embeddings(self, body: dict[str, Any]) -> None:
            inputs = body.get("input")
            texts = [inputs] if isinstance(inputs, str) else inputs
            if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
                self.send_json(
                    400,
                    {
                        "error": {
                            "message": "input: a string or a list of strings",
                            "type": "invalid_request_error",
                        }
                    },
                )
                return
            with state.lock:
                state.embedding_requests.append(body)
            model = str(body.get("model", ""))
            embedder = LocalHashEmbedder(
                dimensions=int(body.get("dimensions") or DEFAULT_DIMENSIONS.get(model, 1536))
            )
            tokens = sum(len(text.split()) for text in texts)
            self.send_json(
                200,
                {
                    "object": "list",
                    "data": [
                        {"object": "embedding", "index": i, "embedding": embedder.embed(t).vector}
                        for i, t in enumerate(texts)
                    ],
                    "model": model,
                    "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
                },
            )

        def _chat_completion(self, body: dict[str, Any]) -> None:
            if any(name in json.dumps(body) for name in set(state.hanging_about)):
                with state.lock:
                    state.requests.append(body)
                time.sleep(state.hang_s)  # longer than the client's timeout, which has gone
                self.close_connection = True
                return
            with state.lock:
                state.requests.append(body)
                failure = state.failures.pop(0) if state.failures else None
                failure = state.failing_models.get(body.get("model", ""), failure)
                for (name, step), statuses in state.failing_steps.items():
                    if statuses and step == request_step(body) and name in json.dumps(body):
                        failure = statuses.pop(0)
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
