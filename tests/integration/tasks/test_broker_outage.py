"""The broker and job-state Redis vanish mid-job: the delivery is never dropped (issue 10
item 1). Celery's retry() rejects a message without requeue when it cannot publish the
retry; the task holds it, trying again, then gives it back, so the job still ends, once."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import redis
from sqlalchemy import Engine

from core.keys import job_key
from devstack.chaos.fault_proxy import FaultProxy
from devstack.processes import ManagedProcess
from tests.helpers import generation_rows, make_job, queue_job, wait_for_end

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

HOLD_S = 3.0
OUTAGE_S = 12.0  # well past the worker's HOLD_S however late the job notices: it must go back
REQUEUED = "its message goes back to the broker"


@pytest.fixture
def proxies() -> Iterator[tuple[FaultProxy, FaultProxy]]:
    """Two ways to the test Redis: one for job state (and cache), one for the broker."""
    url = urlsplit(os.environ["REDIS_URL"])
    upstream = (url.hostname or "127.0.0.1", url.port or 6379)
    state, broker = FaultProxy(upstream), FaultProxy(upstream)
    yield state, broker
    state.close()
    broker.close()


def _through(proxy: FaultProxy) -> str:
    return urlsplit(os.environ["REDIS_URL"])._replace(netloc=proxy.address).geturl()


def _start(
    start_worker: Callable[..., Any], state: FaultProxy, broker: FaultProxy, pool: str | None = None
) -> Any:
    queue = f"outage-{uuid.uuid4().hex[:8]}"
    worker = start_worker(
        queue=queue,
        pool=pool,
        env={
            "REDIS_URL": _through(state),
            "CACHE_REDIS_URL": _through(state),
            "BROKER_URL": _through(broker),
            "TEMPLATE_DELAY_MS": "700",  # each of the five steps: time to cut mid-job
            "BROKER_VISIBILITY_TIMEOUT_S": "12",
            "HOLD_S": str(HOLD_S),
        },
    )
    return queue, worker


def _queue_running_job(queue: str, client: redis.Redis, *, timeout_s: float = 30) -> str:
    job_id = queue_job(queue, make_job(component_name="OutageButton"))
    deadline = time.monotonic() + timeout_s
    while client.hget(job_key(job_id), "status") != "running":
        assert time.monotonic() < deadline, f"job {job_id} never started"
        time.sleep(0.05)
    return job_id


def _assert_ended_once(
    api: httpx.Client, engine: Engine, job_id: str, worker: ManagedProcess
) -> None:
    status = wait_for_end(api, job_id, timeout_s=90)
    assert status["status"] == "succeeded", status
    assert status["attempts"] >= 2, status
    assert generation_rows(engine, job_id) == 1
    log = worker.log_path.read_text()
    assert REQUEUED in log, log[-3000:]


@pytest.mark.parametrize("broker_fault", ["refuses new connections", "is gone"])
def test_a_job_whose_retry_cannot_be_published_still_ends_once(
    broker_fault: str,
    start_worker: Callable[..., Any],
    proxies: tuple[FaultProxy, FaultProxy],
    api: httpx.Client,
    engine: Engine,
    redis_db: redis.Redis,
) -> None:
    # Given a worker running a job, whose job-state Redis and broker (one Redis, two ways)
    state, broker = proxies
    # A prefork pool process publishes on a connection of its own: refused, it must hold
    # the message (the gevent pool's jobs share the worker's connections, still up).
    pool = "prefork" if broker_fault == "refuses new connections" else None
    queue, worker = _start(start_worker, state, broker, pool)
    job_id = _queue_running_job(queue, redis_db)
    # When the job-state Redis vanishes mid-job and the broker refuses new connections
    # (the pool process's publish needs one, the consumer's stays up) or is gone too,
    # for longer than the task holds its message
    if broker_fault == "refuses new connections":
        broker.refuse()
    else:
        broker.cut()
    with state.down():
        time.sleep(OUTAGE_S)
    broker.start()
    # Then the message was given back (Celery alone drops it when the broker refuses:
    # the job stays `running`), and once Redis is back the job ends, with exactly one row
    _assert_ended_once(api, engine, job_id, worker)
