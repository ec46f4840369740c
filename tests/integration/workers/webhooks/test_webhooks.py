"""Webhooks end to end: a real API and worker, Redis and Postgres, and a local receiver
that verifies each delivery with the Standard Webhooks library, as a customer would."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from core.access import Role
from devstack import processes
from devstack.processes import ManagedProcess
from tests.conftest import Keys, bearer
from tests.helpers import make_job, queue_job, wait_for_end
from workers.storage.api_keys import create_key

pytestmark = pytest.mark.integration

SCRIPT = Path(sys.executable).parent / "componentforge"
# Retries 100x sooner: 50 ms, 3 s, 18 s, ...
FAST = {"WEBHOOK_RETRY_SCALE": "0.01", "WEBHOOK_DISPATCH_INTERVAL_S": "0.1"}


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A local HTTP server: each path answers from its script (the last answer repeats)."""

    port: int
    scripts: dict[str, list[tuple[int, dict[str, str]]]] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)

    def url(self, path: str, host: str = "localhost") -> str:
        return f"http://{host}:{self.port}{path}"

    def answer(self, path: str, *answers: int | tuple[int, dict[str, str]]) -> str:
        self.scripts[path] = [a if isinstance(a, tuple) else (a, {}) for a in answers]
        return path

    def on(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]

    def wait_for(self, path: str, count: int, *, timeout_s: float = 30) -> list[Received]:
        deadline = time.monotonic() + timeout_s
        while len(self.on(path)) < count:
            assert time.monotonic() < deadline, f"{path}: {len(self.on(path))} of {count}"
            time.sleep(0.05)
        return self.on(path)


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    state = Receiver(port=0)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            state.received.append(Received(self.path, dict(self.headers.items()), body))
            script = state.scripts.get(self.path) or [(200, {})]
            status, headers = script.pop(0) if len(script) > 1 else script[0]
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield state
    server.shutdown()
    server.server_close()


@dataclass(frozen=True)
class Tenant:
    name: str
    key: str
    secret: str


def tenants_set(*args: str) -> str:
    done = subprocess.run(
        [str(SCRIPT), "tenants", "set", *args],
        env=dict(os.environ), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def tenant(engine: Engine) -> Tenant:
    """A tenant of its own that allows `localhost` and 10.0.0.1, with its secret (the
    operator's command prints it once, last)."""
    name = f"hooks-{uuid.uuid4().hex[:6]}"
    key = create_key(engine, tenant_id=name, name="webhooks", role=Role.SUBMIT)[0]
    out = tenants_set(
        name, "--webhook-host", "localhost", "--webhook-host", "10.0.0.1",
        "--rotate-webhook-secret",
    )  # fmt: skip
    assert "localhost,10.0.0.1" in out
    secret = out.strip().splitlines()[-1]
    assert secret.startswith("whsec_")
    return Tenant(name, key, secret)


@dataclass(frozen=True)
class Stack:
    api: httpx.Client
    worker: ManagedProcess
    queue: str


@contextmanager
def stack(
    workdir: Path,
    tenant: Tenant,
    env: dict[str, str],
    *,
    concurrency: int = 2,
    webhooks: bool = True,
) -> Iterator[Stack]:
    """An API and a worker of their own (own queue and settings), called as `tenant`; the
    worker consumes the webhook queue too unless not `webhooks`."""
    queue = f"webhooks-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "GENERATION_QUEUE": queue, **env}
    worker = processes.start_worker(
        env=env, workdir=workdir, queue=queue, concurrency=concurrency, webhooks=webhooks
    )
    api_process, base_url = processes.start_api(env=env, workdir=workdir)
    try:
        with httpx.Client(base_url=base_url, timeout=30, headers=bearer(tenant.key)) as api:
            yield Stack(api, worker, queue)
    finally:
        api_process.stop()
        worker.stop()


@pytest.fixture(scope="module")
def dev_stack(workdir: Path, tenant: Tenant) -> Iterator[Stack]:
    """http and private addresses allowed (local development), retries 100x sooner."""
    env = {"WEBHOOK_ALLOW_HTTP": "true", "WEBHOOK_ALLOW_PRIVATE": "true", **FAST}
    with stack(workdir, tenant, env) as started:
        yield started


def submit(api: httpx.Client, url: str) -> str:
    response = api.post("/v1/generations", json=make_job(options={"webhook_url": url}))
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


def wait_webhook(
    api: httpx.Client, job_id: str, state: str, *, attempts: int = 1, timeout_s: float = 30
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        status = wait_for_end(api, job_id)
        # A job failed on arrival is read from its row until its state is written just
        # after it: the row alone knows no webhook until its first attempt is recorded.
        webhook = status["webhook"] or {"state": None, "attempts": []}
        if webhook["state"] == state and len(webhook["attempts"]) >= attempts:
            return status
        assert time.monotonic() < deadline, f"webhook still {webhook}"
        time.sleep(0.1)


def verified(tenant: Tenant, delivery: Received) -> dict[str, Any]:
    """The delivery's payload, once its signature verifies (raises otherwise)."""
    payload: dict[str, Any] = Webhook(tenant.secret).verify(delivery.body, delivery.headers)
    return payload


def test_a_delivery_arrives_signed_with_the_status_document(
    dev_stack: Stack, receiver: Receiver, tenant: Tenant, keys: Keys
) -> None:
    # Given a job with a webhook on an allowed host
    path = receiver.answer("/ok", 204)
    job_id = submit(dev_stack.api, receiver.url(path))
    # When it ends
    status = wait_webhook(dev_stack.api, job_id, "delivered")
    # Then one POST arrived, and it verifies with the tenant's secret
    (delivery,) = receiver.wait_for(path, 1)
    payload = verified(tenant, delivery)
    assert delivery.headers["webhook-id"] == f"msg_{job_id}"
    assert delivery.headers["webhook-signature"].startswith("v1,")
    # And it carries the status document, as GET answers it, with download URLs
    assert payload["type"] == "generation.succeeded"
    data = payload["data"]
    assert data["id"] == job_id and data["status"] == "succeeded"
    assert payload["timestamp"] == status["finished_at"]
    assert data["result"]["component_id"] == status["result"]["component_id"]
    assert httpx.get(data["result"]["artifacts"]["component.tsx"]["url"]).status_code == 200
    # And a forged body does not verify
    with pytest.raises(WebhookVerificationError):
        Webhook(tenant.secret).verify(delivery.body + b" ", delivery.headers)
    # And the status shows the one attempt
    webhook = status["webhook"]
    assert webhook["url"] == receiver.url(path)
    assert [(a["status_code"], a["outcome"]) for a in webhook["attempts"]] == [(204, "delivered")]
    # And another tenant sees neither the job nor its deliveries
    other = dev_stack.api.get(f"/v1/generations/{job_id}", headers=bearer(keys.other))
    assert other.status_code == 404
    assert "webhook" not in other.text and "attempts" not in other.text


def test_a_failed_answer_is_retried_until_it_is_delivered(
    dev_stack: Stack, receiver: Receiver, tenant: Tenant
) -> None:
    # Given a receiver that answers 500, then 200
    path = receiver.answer("/flaky", 500, 200)
    job_id = submit(dev_stack.api, receiver.url(path))
    # When the job ends
    status = wait_webhook(dev_stack.api, job_id, "delivered", attempts=2)
    # Then the second attempt delivered it, the same message signed afresh
    first, second = receiver.wait_for(path, 2)
    assert verified(tenant, first)["data"]["id"] == verified(tenant, second)["data"]["id"]
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    # And both attempts are recorded and shown, in order
    attempts = status["webhook"]["attempts"]
    assert [(a["status_code"], a["outcome"]) for a in attempts] == [
        (500, "retrying"),
        (200, "delivered"),
    ]
    assert attempts[0]["error"] == "HTTP 500"
    assert attempts[0]["at"] <= attempts[1]["at"]
    # And no third request came
    time.sleep(0.5)
    assert len(receiver.on(path)) == 2


def test_a_redirect_is_not_followed(dev_stack: Stack, receiver: Receiver) -> None:
    # Given a receiver that redirects elsewhere, then says Gone
    target = receiver.answer("/elsewhere", 200)
    path = receiver.answer("/moved", (302, {"Location": receiver.url(target)}), 410)
    job_id = submit(dev_stack.api, receiver.url(path))
    # When the job ends
    status = wait_webhook(dev_stack.api, job_id, "failed", attempts=2)
    # Then the redirect's target was never called
    assert receiver.on(target) == []
    attempts = status["webhook"]["attempts"]
    assert [(a["status_code"], a["outcome"]) for a in attempts] == [
        (302, "retrying"),
        (410, "failed"),
    ]
    assert "not followed" in attempts[0]["error"]


def test_hosts_off_the_allow_list_are_refused_at_submission(dev_stack: Stack) -> None:
    for url in ("http://127.0.0.1:9/hook", "https://evil.example.net/hook"):
        response = dev_stack.api.post(
            "/v1/generations", json=make_job(options={"webhook_url": url})
        )
        assert response.status_code == 422, url
        error = response.json()["error"]
        assert error["fields"][0]["field"] == "options.webhook_url"
        assert "componentforge tenants set" in error["message"]
        assert "--webhook-host" in error["message"]


def test_http_is_refused_without_the_development_setting(start_api: Any, tenant: Tenant) -> None:
    api = start_api(env={})
    api.headers.update(bearer(tenant.key))
    response = api.post(
        "/v1/generations", json=make_job(options={"webhook_url": "http://localhost:9/x"})
    )
    assert response.status_code == 422
    assert "WEBHOOK_ALLOW_HTTP" in response.text


def test_private_addresses_are_refused_at_delivery(
    workdir: Path, tenant: Tenant, receiver: Receiver
) -> None:
    # Given a worker without WEBHOOK_ALLOW_PRIVATE, and hosts the tenant allowed
    with stack(workdir, tenant, {"WEBHOOK_ALLOW_HTTP": "true", **FAST}) as started:
        _refused_at_delivery(started, receiver)


def _refused_at_delivery(stack: Stack, receiver: Receiver) -> None:
    path = receiver.answer("/private", 200)
    jobs = {
        "127.0.0.1": submit(stack.api, receiver.url(path)),  # localhost
        "10.0.0.1": submit(stack.api, "http://10.0.0.1/hook"),
    }
    for address, job_id in jobs.items():
        # When each job ends, then its delivery is refused, once, and never sent
        status = wait_webhook(stack.api, job_id, "failed")
        (attempt,) = status["webhook"]["attempts"]
        assert attempt["outcome"] == "refused"
        assert attempt["status_code"] is None
        assert address in attempt["error"] and "public addresses" in attempt["error"]
    time.sleep(0.5)  # past the first retry's time (50 ms): none is made
    for job_id in jobs.values():
        status = stack.api.get(f"/v1/generations/{job_id}").json()
        assert len(status["webhook"]["attempts"]) == 1
    assert receiver.on(path) == []


def test_a_job_without_a_webhook_shows_none(dev_stack: Stack) -> None:
    response = dev_stack.api.post("/v1/generations", json=make_job())
    status = wait_for_end(dev_stack.api, response.json()["id"])
    assert status["webhook"] is None


def test_a_queued_body_with_a_host_off_the_allow_list_fails_and_is_not_sent(
    dev_stack: Stack, tenant: Tenant, receiver: Receiver
) -> None:
    # Given a body published straight onto the queue, naming a host its tenant did not allow
    url = receiver.url("/queued", host="127.0.0.1")
    body = make_job(tenant_id=tenant.name, options={"webhook_url": url})
    job_id = queue_job(dev_stack.queue, body)
    # When a worker takes it, then the job fails saying how to allow the host
    status = wait_webhook(dev_stack.api, job_id, "failed")
    assert status["status"] == "failed"
    assert "--webhook-host 127.0.0.1" in status["error"]["message"]
    # And its webhook is refused for the same reason, never sent
    (attempt,) = status["webhook"]["attempts"]
    assert attempt["outcome"] == "refused" and "allow-list" in attempt["error"]
    assert receiver.on("/queued") == []
