"""Webhook deliveries hold nothing the tenants share (issue 25): they run from a queue of
their own, each attempt ends at WEBHOOK_TIMEOUT_S however slowly its receiver trickles,
no second attempt starts while one runs, and one tenant's slow receiver holds at most
WEBHOOK_MAX_IN_FLIGHT_PER_TENANT workers' slots. Run with the deployments' time limits
(deploy/k8s/configmap.yaml), not the local stack's shorter ones."""

from __future__ import annotations

import base64
import json
import os
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
import yaml
from sqlalchemy import Engine

from config.settings import Settings
from core.access import Role
from core.keys import webhook_slots_key, webhooks_due_key
from devstack import processes
from tests.conftest import bearer
from tests.helpers import wait_for_end
from tests.integration.workers.webhooks.test_webhooks import (
    FAST,
    Tenant,
    stack,
    submit,
    tenants_set,
    wait_webhook,
)
from workers.storage.api_keys import create_key
from workers.webhooks.delivery import attempt_limits

pytestmark = pytest.mark.integration

CONFIGMAP = Path(__file__).parents[4] / "deploy" / "k8s" / "configmap.yaml"
LIMITS = ("TASK_SOFT_TIME_LIMIT_S", "TASK_TIME_LIMIT_S")
DEPLOYED_LIMITS = {name: yaml.safe_load(CONFIGMAP.read_text())["data"][name] for name in LIMITS}
DEV = {"WEBHOOK_ALLOW_HTTP": "true", "WEBHOOK_ALLOW_PRIVATE": "true", **FAST}
TIMEOUT_S = 2
DRIP_EVERY_S = 0.2
HOLD_S = 6.0
"""How long /slow paths take to answer (2xx), well within WEBHOOK_TIMEOUT_S."""


@dataclass
class Visit:
    path: str
    webhook_id: str
    started: float
    ended: float | None = None


@dataclass
class Receiver:
    """Paths starting /drip answer 200 and trickle their body a byte at a time until cut;
    /slow answer after HOLD_S; any other at once. Every request is a Visit."""

    port: int = 0
    visits: list[Visit] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"http://localhost:{self.port}{path}"

    def on(self, path: str) -> list[Visit]:
        return [v for v in list(self.visits) if v.path == path]

    def wait_for(self, path: str, count: int, *, timeout_s: float = 30) -> list[Visit]:
        deadline = time.monotonic() + timeout_s
        while len(self.on(path)) < count:
            assert time.monotonic() < deadline, f"{path}: {len(self.on(path))} of {count}"
            time.sleep(0.02)
        return self.on(path)

    def most_at_once(self, path: str) -> int:
        visits = self.on(path)
        return max(
            (sum(1 for o in visits if o.started <= v.started < (o.ended or 1e18)) for v in visits),
            default=0,
        )


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length") or 0))
            visit = Visit(self.path, self.headers.get("webhook-id", ""), time.time())
            state.visits.append(visit)
            try:
                if self.path.startswith("/drip"):
                    self._drip()
                else:
                    if self.path.startswith("/slow"):
                        time.sleep(HOLD_S)
                    self.send_response(200)
                    self.send_header("content-length", "0")
                    self.end_headers()
            finally:
                visit.ended = time.time()

        def _drip(self) -> None:
            self.send_response(200)
            self.send_header("content-length", "100000")
            self.end_headers()
            try:
                for _ in range(100000):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(DRIP_EVERY_S)
            except OSError:
                self.close_connection = True  # the attempt hung up: what we wait for

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield state
    server.shutdown()
    server.server_close()


def new_tenant(engine: Engine) -> Tenant:
    """A tenant of its own that allows `localhost`, with its secret."""
    name = f"hooks-{uuid.uuid4().hex[:6]}"
    key = create_key(engine, tenant_id=name, name="webhooks", role=Role.SUBMIT)[0]
    out = tenants_set(name, "--webhook-host", "localhost", "--rotate-webhook-secret")
    return Tenant(name, key, out.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def tenant_a(engine: Engine) -> Tenant:
    return new_tenant(engine)


@pytest.fixture(scope="module")
def tenant_b(engine: Engine) -> Tenant:
    return new_tenant(engine)


def broker() -> redis.Redis:
    return redis.Redis.from_url(os.environ.get("BROKER_URL") or os.environ["REDIS_URL"])


def ended(visit: Visit, *, timeout_s: float = 5) -> float:
    """When the receiver found the request over (waits for it)."""
    deadline = time.monotonic() + timeout_s
    while visit.ended is None:
        assert time.monotonic() < deadline, f"{visit} is still going"
        time.sleep(0.02)
    return visit.ended


def epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def waiting_message(client: redis.Redis, queue: str, *, timeout_s: float = 15) -> dict[str, Any]:
    """The one message waiting in the Redis broker's list for `queue`."""
    deadline = time.monotonic() + timeout_s
    while client.llen(queue) == 0:
        assert time.monotonic() < deadline, f"nothing was published to {queue}"
        time.sleep(0.05)
    (raw,) = client.lrange(queue, 0, -1)
    message: dict[str, Any] = json.loads(raw)
    return message


def test_deliveries_run_from_their_queue_cut_at_the_deadline_one_attempt_at_a_time(
    workdir: Path, engine: Engine, receiver: Receiver, redis_db: redis.Redis
) -> None:
    env = {**DEV, **DEPLOYED_LIMITS, "WEBHOOK_TIMEOUT_S": str(TIMEOUT_S)}
    # Given a worker that consumes only the generation queue (a tenant of this test's
    # own: the retries it leaves claimed hold that tenant's slots for a while)
    with stack(workdir, new_tenant(engine), env, webhooks=False) as started:
        path = f"/drip-{uuid.uuid4().hex[:6]}"
        job_id = submit(started.api, receiver.url(path))
        wait_for_end(started.api, job_id)
        # When its job ends, then the delivery waits in the webhook queue, not its own
        webhook_queue = f"{started.queue}.webhooks"
        message = waiting_message(broker(), webhook_queue)
        assert message["headers"]["task"] == "webhooks.deliver"
        assert json.loads(base64.b64decode(message["body"]))[0][0] == job_id
        assert broker().llen(started.queue) == 0
        time.sleep(0.5)
        assert receiver.on(path) == []  # the generation worker does not run it
        # And it carries the attempt's own time limits, not the generation's
        hard_s, soft_s = message["headers"]["timelimit"]
        limits = attempt_limits(Settings(webhook_timeout_s=TIMEOUT_S))
        assert (hard_s, soft_s) == (limits.hard_s, limits.soft_s)
        assert hard_s < int(DEPLOYED_LIMITS["TASK_SOFT_TIME_LIMIT_S"])

        # When a worker on the webhook queue takes it
        worker_env = {**os.environ, "GENERATION_QUEUE": started.queue, **env}
        webhooks_worker = processes.start_worker(
            env=worker_env, workdir=workdir, queue=webhook_queue, webhooks=False, concurrency=2
        )
        try:
            (first,) = receiver.wait_for(path, 1)
            # Then, while the attempt runs, its claim outlasts its hard time limit: no
            # second attempt can be published before the first is over
            claim_ms = redis_db.zscore(webhooks_due_key(started.queue), job_id)
            assert claim_ms is not None and claim_ms / 1000 >= first.started + hard_s
            # And the trickling receiver is cut at WEBHOOK_TIMEOUT_S, for that reason
            status = wait_webhook(started.api, job_id, "pending", attempts=1)
            (attempt,) = status["webhook"]["attempts"][:1]
            assert attempt["outcome"] == "retrying" and attempt["status_code"] is None
            assert attempt["error"] == f"the receiver did not answer within {TIMEOUT_S} s"
            # (the receiver notices the hang-up at its next write or the one after)
            assert TIMEOUT_S - 0.1 <= ended(first) - first.started < TIMEOUT_S + 1.5
            # And the retry (due 50 ms later) started only after the first ended
            first_again, second = receiver.wait_for(path, 2, timeout_s=20)
            assert second.started >= ended(first_again) - DRIP_EVERY_S * 2
            assert second.webhook_id == first.webhook_id == f"msg_{job_id}"
        finally:
            webhooks_worker.stop()


def test_a_tenants_slow_receiver_does_not_delay_another_tenants_deliveries(
    workdir: Path,
    tenant_a: Tenant,
    tenant_b: Tenant,
    receiver: Receiver,
    redis_db: redis.Redis,
) -> None:
    # Given a worker of 6 slots, each tenant allowed 2 deliveries in flight
    env = {**DEV, **DEPLOYED_LIMITS, "WEBHOOK_MAX_IN_FLIGHT_PER_TENANT": "2"}
    with stack(workdir, tenant_a, env, concurrency=6) as started:
        slow = f"/slow-{uuid.uuid4().hex[:6]}"
        fast = f"/fast-{uuid.uuid4().hex[:6]}"
        # And tenant A's 6 jobs whose receiver takes HOLD_S to answer
        a_jobs = [submit(started.api, receiver.url(slow)) for _ in range(6)]
        receiver.wait_for(slow, 2)
        # When tenant B submits jobs while A's deliveries hold their slots
        with httpx.Client(
            base_url=started.api.base_url, timeout=30, headers=bearer(tenant_b.key)
        ) as b_api:
            b_jobs = [(submit(b_api, receiver.url(fast)), time.time()) for _ in range(2)]
            # Then B's jobs run and are delivered at once, not after A's receiver answers
            for job_id, submitted in b_jobs:
                status = wait_webhook(b_api, job_id, "delivered")
                assert epoch(status["finished_at"]) - submitted < HOLD_S / 2, status
        for visit in receiver.wait_for(fast, 2):
            assert visit.started - min(s for _, s in b_jobs) < HOLD_S / 2
        # And A's deliveries went 2 at a time, each waiting its turn, none failed
        for job_id in a_jobs:
            status = wait_webhook(started.api, job_id, "delivered", timeout_s=60)
            assert [a["outcome"] for a in status["webhook"]["attempts"]] == ["delivered"]
        assert receiver.most_at_once(slow) == 2, [(v.started, v.ended) for v in receiver.on(slow)]
        # And every slot was given back
        assert redis_db.zcard(webhook_slots_key(tenant_a.name)) == 0
        assert redis_db.zcard(webhook_slots_key(tenant_b.name)) == 0
