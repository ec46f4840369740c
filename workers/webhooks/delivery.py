"""One webhook delivery attempt: check, sign, POST, record, schedule the next.

Before each attempt the URL is checked again (its form, the tenant's allow-list as it is
now, the addresses its host resolves to); a refusal is recorded (`refused`) and never
retried. The body is `{"type": "generation.<status>", "timestamp", "data"}`, data being
the job's status document as GET /v1/generations/{id} answers it (presigned artifact
URLs included, signed afresh for each attempt; without the `webhook` part, which this
attempt is changing). It is signed per Standard Webhooks with the tenant's secret;
`webhook-id` stays the same across a job's attempts, so a receiver can drop repeats.
A 2xx delivers, 410 Gone stops, anything else (or no whole answer within
WEBHOOK_TIMEOUT_S, however slowly it trickles) is retried on the schedule
(workers.webhooks.schedule) until the last attempt fails.

An attempt runs under time limits of its own (`AttemptLimits`), far below a generation's,
and holds its claim (and its tenant's slot) longer than its hard limit, so a second
attempt with the same webhook-id cannot start while it runs.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import redis
from celery.exceptions import SoftTimeLimitExceeded
from standardwebhooks import Webhook

from api import job_views
from config.settings import Settings, get_settings
from core.webhook_url import HOSTS_HINT, check_url, host_allowed
from workers.clients import db_engine, redis_client, s3_presign_client
from workers.observability import metrics
from workers.storage import job_state
from workers.storage.records import load_generation
from workers.storage.tenants import load_limits, webhook_secret
from workers.webhooks import schedule
from workers.webhooks.address_guard import AddressRefused, IPAddress, vetted_addresses
from workers.webhooks.deliveries import Attempt, Outcome, record
from workers.webhooks.pinned_transport import Answer, Deadline, port_of, post_pinned
from workers.webhooks.schedule import Target

logger = logging.getLogger(__name__)

PREPARE_S = 20.0
"""An attempt's time besides its request: the address check, the status document (Redis,
Postgres, presigning) and its record."""
HARD_AFTER_SOFT_S = 10.0
"""From the soft time limit (the attempt records why it stopped) to the hard one."""
CLAIM_MARGIN_S = 30.0
"""A claim outlasts its attempt's hard time limit by this much: only then, if nothing
settled it (the worker died, the message was lost), is the delivery published again."""


@dataclass(frozen=True)
class AttemptLimits:
    """The time limits one `webhooks.deliver` runs under (seconds)."""

    soft_s: float
    hard_s: float

    @property
    def claim_s(self) -> float:
        return self.hard_s + CLAIM_MARGIN_S


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    status_code: int | None = None
    error: str | None = None


def attempt_limits(settings: Settings) -> AttemptLimits:
    """What the dispatcher publishes each attempt with: WEBHOOK_TIMEOUT_S for the request,
    PREPARE_S for the rest; the generation's TASK_*_TIME_LIMIT_S do not apply."""
    soft_s = settings.webhook_timeout_s + PREPARE_S
    return AttemptLimits(soft_s=soft_s, hard_s=soft_s + HARD_AFTER_SOFT_S)


def no_answer(settings: Settings) -> str:
    return f"the receiver did not answer within {settings.webhook_timeout_s:g} s"


def deliver(job_id: str, queue: str, claim: int, limits: AttemptLimits) -> None:
    """Make one attempt at job `job_id`'s webhook if the due entry still holds `claim`;
    `limits`: those the attempt runs under."""
    settings = get_settings()
    client = redis_client()
    target = schedule.start_attempt(
        client,
        queue,
        job_id,
        claim=claim,
        claim_s=limits.claim_s,
        max_in_flight=settings.webhook_max_in_flight_per_tenant,
        wait_s=settings.webhook_dispatch_interval_s,
    )
    if target is None:
        return  # settled already, a stale duplicate of this message, or its tenant is full
    try:
        _attempt_and_settle(client, queue, target, settings, limits)
    finally:
        schedule.release_slot(client, target.tenant_id, job_id)


def _attempt_and_settle(
    client: redis.Redis, queue: str, target: Target, settings: Settings, limits: AttemptLimits
) -> None:
    job_id = target.job_id
    at = datetime.now(UTC)
    started = time.perf_counter()
    try:
        result = attempt(target, settings)
    except SoftTimeLimitExceeded:
        # Not the receiver: attempt() reports a time limit met while sending as no answer.
        result = Result(
            Outcome.RETRYING,
            error="the server could not prepare the delivery within the attempt's time "
            f"limit ({limits.soft_s:g} s)",
        )
    except Exception:
        logger.exception("job %s: webhook attempt %d could not be made", job_id, target.attempt)
        result = Result(Outcome.RETRYING, error="the server could not prepare the delivery")
    delay_s = None
    if result.outcome is Outcome.RETRYING:
        delay_s = schedule.retry_delay_s(target.attempt, scale=settings.webhook_retry_scale)
        if delay_s is None:
            result = Result(Outcome.FAILED, result.status_code, result.error)
    record(
        db_engine(),
        Attempt(
            generation_id=job_id,
            tenant_id=target.tenant_id,
            url=target.url,
            attempt=target.attempt,
            at=at,
            status_code=result.status_code,
            outcome=result.outcome,
            error=result.error,
            duration_ms=round((time.perf_counter() - started) * 1000, 3),
        ),
    )
    metrics.WEBHOOK_DELIVERIES.labels(outcome=result.outcome).inc()
    if delay_s is not None:
        schedule.retry_in(client, queue, job_id, delay_s)
    else:
        schedule.done(client, queue, job_id)
    logger.info(
        "job %s: webhook attempt %d %s (%s)",
        job_id,
        target.attempt,
        result.outcome,
        result.error or result.status_code,
    )


def attempt(target: Target, settings: Settings) -> Result:
    """Check the target, then POST the signed status document once."""
    try:
        host = check_url(target.url, allow_http=settings.webhook_allow_http)
    except ValueError as exc:
        return Result(Outcome.REFUSED, error=f"options.webhook_url {exc}")
    limits = load_limits(db_engine(), target.tenant_id) if target.tenant_id else None
    if limits is None or not host_allowed(host, limits.webhook_hosts):
        tenant = target.tenant_id or "TENANT"
        return Result(
            Outcome.REFUSED,
            error=f"host {host!r} is not on the tenant's webhook allow-list; an operator "
            f"allows it with: {HOSTS_HINT.format(tenant=tenant, host=host)}",
        )
    try:
        addresses = vetted_addresses(
            host, port_of(target.url), allow_private=settings.webhook_allow_private
        )
    except AddressRefused as exc:
        return Result(Outcome.REFUSED, error=str(exc))
    except (OSError, UnicodeError) as exc:  # socket.gaierror: may resolve later
        return Result(Outcome.RETRYING, error=f"{host} did not resolve ({_why(exc)})")
    body = json.dumps(payload(target), separators=(",", ":"), ensure_ascii=False)
    headers = signed_headers(target, body)
    try:
        with Deadline(settings.webhook_timeout_s) as deadline:
            answer = _post_first_reachable(target.url, addresses, body.encode(), headers, deadline)
    except (httpx.TimeoutException, SoftTimeLimitExceeded):
        return Result(Outcome.RETRYING, error=no_answer(settings))
    except httpx.HTTPError as exc:
        return Result(Outcome.RETRYING, error=f"could not reach {host} ({_why(exc)})")
    return judge(answer.status_code)


def _post_first_reachable(
    url: str, addresses: list[IPAddress], body: bytes, headers: dict[str, str], deadline: Deadline
) -> Answer:
    """POST to the host's vetted addresses in turn until one accepts the connection (a
    name may resolve to ::1 and 127.0.0.1 with a server on only one), all within
    `deadline`."""
    for address in addresses[:-1]:
        try:
            return post_pinned(url, address, content=body, headers=headers, deadline=deadline)
        except httpx.ConnectError:
            continue
    return post_pinned(url, addresses[-1], content=body, headers=headers, deadline=deadline)


def judge(status_code: int) -> Result:
    """What a receiver's answer means."""
    if 200 <= status_code < 300:
        return Result(Outcome.DELIVERED, status_code)
    if status_code == 410:
        return Result(
            Outcome.FAILED, status_code, "410 Gone: the receiver wants no more deliveries"
        )
    if 300 <= status_code < 400:
        return Result(
            Outcome.RETRYING, status_code,
            f"HTTP {status_code}: redirects are not followed; give the final URL",
        )  # fmt: skip
    return Result(Outcome.RETRYING, status_code, f"HTTP {status_code}")


def payload(target: Target) -> dict[str, Any]:
    document = status_document(target.job_id)
    ended = document.get("finished_at") if document else None
    return {
        "type": f"generation.{target.status}",
        "timestamp": ended or datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "data": document or {"id": target.job_id, "status": target.status},
    }


def status_document(job_id: str) -> dict[str, Any] | None:
    """The job's status document as GET answers it (live state, else its row), without
    its `webhook` part; None when neither is left."""
    settings = get_settings()
    s3 = s3_presign_client()
    state = job_state.load(redis_client(), job_id)
    if state is not None:
        view = job_views.from_state(state, s3, settings, with_webhook=False)
    else:
        row = load_generation(db_engine(), job_id)
        if row is None:
            return None
        view = job_views.from_row(row, s3, settings, with_webhook=False)
    return view.model_dump(mode="json", exclude={"webhook"})


def signed_headers(target: Target, body: str) -> dict[str, str]:
    """Standard Webhooks headers: webhook-id (the same for every attempt of the job's
    event), webhook-timestamp (this attempt's), webhook-signature (v1,<HMAC-SHA256>)."""
    assert target.tenant_id is not None  # checked with the allow-list
    secret = webhook_secret(db_engine(), target.tenant_id)
    msg_id = f"msg_{target.job_id}"
    now = datetime.now(UTC)
    return {
        "content-type": "application/json",
        "user-agent": "ComponentForge-Webhooks/1",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, now, body),
    }


def _why(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
