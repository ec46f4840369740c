"""A job published straight onto the queue, checked as the API checks a request: the
message's arguments (what generation.run takes, of the right types), the body's size
(MAX_BODY_BYTES), strict JSON (core.strict_json), the body itself (core.spec) and its
tenant (an existing one), and the money checks: the tenant's allowed providers and
models, a priced model, and the budget hold a paid job takes (as the admission script
takes it for the API's jobs). What fails is raised as an error the task ends the job with,
under the job id, so it leaves a row and a reason.

The queue is a trust boundary: a message may not touch what is not its own. One whose
job id the API could not have made, or that reuses the id of a job that has a row or
another tenant's live state, raises RefusedMessage: the task logs it and keeps it as a
dead letter, writing no state, row or artifact.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from api import tenant_limits
from config.settings import get_settings
from core import strict_json
from core.errors import (
    BadRequest,
    BudgetExhausted,
    ComponentForgeError,
    DependencyUnavailable,
    InvalidJob,
    MalformedJson,
    UnknownTenant,
)
from core.keys import spend_key
from core.spec import JobSpec
from core.state import JobState, is_job_id
from core.webhook_url import HOSTS_HINT, check_url, host_allowed
from workers.clients import db_engine, redis_client
from workers.resilience.dead_letters import UnrunnableMessage
from workers.storage import budget_holds, job_state, records, spend, tenant_lookups, tenants

_FIX = "it was not run. Fix the publisher, then resubmit"
_JSON_TYPES = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}


class RefusedMessage(ComponentForgeError):
    """A queued message refused without touching any job (see the module's docstring)."""

    error_type = "refused_message"


def job_id_of(task_id: str, job_id: Any) -> str:
    """The job a message is about: the job_id it names (a string), else its task id (as
    for a body published without one). Raises RefusedMessage when that id is not one
    the API could have made: it may not name a row, a Redis key or an S3 key."""
    named = job_id if isinstance(job_id, str) and job_id else task_id
    if not is_job_id(named):
        raise RefusedMessage(
            f"job id {str(named)[:80]!r} is not 1..64 letters, digits, - or _ (as the API's "
            f"ids are); nothing was written under it. {_FIX}"
        )
    return named


def refuse_if_not_its_own(job_id: str, state: JobState | None, request: Any) -> None:
    """A message carrying a body makes a new job: raise RefusedMessage when the id is
    taken by another tenant's live job, or by an ended job (its row; its live state may
    have expired). A redelivery of the message finds its own tenant's state and runs."""
    if request is None:
        return  # names a job to run (as the API's messages do); creates nothing
    tenant = request.get("tenant_id") if isinstance(request, dict) else None
    if state is not None:
        if state.tenant_id != tenant:
            raise RefusedMessage(
                f"job id {job_id} belongs to another tenant's job; pick a new id. {_FIX}"
            )
        return
    if records.load_generation(db_engine(), job_id) is not None:
        raise RefusedMessage(
            f"job id {job_id} is an ended job's (it has a row); ids are not reused, pick a "
            f"new one. {_FIX}"
        )


def refuse_if_taken(job_id: str, error: ComponentForgeError) -> None:
    """Before an unrunnable message fails the job it names: raise RefusedMessage when
    that job already exists (state or row), which a bad message must not end."""
    if job_state.load(redis_client(), job_id) is None and (
        records.load_generation(db_engine(), job_id) is None
    ):
        return
    raise RefusedMessage(f"{error} (job {job_id} exists and was left as it is)")


def check_arguments(
    job_id: Any, request: Any, extra_args: tuple[Any, ...], extra_kwargs: dict[str, Any]
) -> None:
    """Raise UnrunnableMessage (`invalid_message`) when the message carries arguments
    generation.run does not take: anything but `job_id` (a string) and `request` (the
    body, a JSON object). Celery would otherwise fail the call before any of our code
    runs, leaving no state and no row."""
    problems = []
    if extra_kwargs:
        names = ", ".join(repr(name[:64]) for name in sorted(extra_kwargs)[:10])
        problems.append(f"unknown keyword arguments {names}")
    if extra_args:
        problems.append(f"{len(extra_args)} positional arguments too many")
    if not isinstance(job_id, str | None):
        problems.append(f"job_id is {_json_type(job_id)}, not a string")
    if request is not None and not isinstance(request, dict):
        problems.append(f"request is {_json_type(request)}, not a JSON object (the job body)")
    if problems:
        raise UnrunnableMessage(
            "invalid_message",
            f"the queued message has arguments generation.run does not take "
            f"({'; '.join(problems)}); it takes job_id and request. {_FIX}",
        )


def accept_queued_job(job_id: str, request: dict[str, Any] | None) -> JobState | None:
    """Create the state of a job published straight onto the queue; None when the job
    has already ended (its state expired, its row remains). Raises InvalidJob for a body
    the API would refuse, UnrunnableMessage for a message that names no job to run."""
    if request is None:
        if records.load_generation(db_engine(), job_id) is not None:
            return None
        raise UnrunnableMessage(
            "invalid_message",
            f"the queued message names job {job_id}, which has no state and no record, "
            f"and carries no request (the job body) to run; {_FIX}",
        )
    check_strict_json(request)
    check_size(request)
    try:
        spec = JobSpec.model_validate(request)
    except ValidationError as exc:
        raise InvalidJob(_validation_message(exc)) from None
    check_tenant(spec.tenant_id)
    check_webhook_host(spec)
    check_money(job_id, spec)
    state, _ = job_state.create_queued(
        redis_client(),
        job_id,
        spec.model_dump(mode="json", exclude_none=True),
        ttl_s=get_settings().job_state_ttl_s,
    )
    return state


def check_tenant(tenant_id: str | None) -> None:
    """Raise UnknownTenant unless the body names an existing tenant: the API takes the
    tenant from the key; a queued body must carry it (broker credentials grant
    submission rights, not a tenant of their own)."""
    if tenant_id is None:
        raise UnknownTenant(
            "tenant_id: a job published onto the queue must name its tenant (an existing "
            f"tenant's id); {_FIX}"
        )
    if not tenant_lookups.tenant_exists(db_engine(), tenant_id):
        raise UnknownTenant(f"tenant_id: no tenant {tenant_id!r}; {_FIX}")


def check_money(job_id: str, spec: JobSpec) -> None:
    """The API's money checks (api.tenant_limits, workers.storage.budget_holds): the
    tenant's allowed providers and models, a priced model, and the job's budget hold,
    taken now (released or settled when the job ends). Raises InvalidJob or
    BudgetExhausted, so the job fails with the reason the API would answer."""
    assert spec.tenant_id is not None  # check_tenant came first
    settings = get_settings()
    limits = tenant_limits.limits_of(spec.tenant_id)
    try:
        tenant_limits.check_provider_and_model(spec, limits, settings)
    except BadRequest as exc:
        raise InvalidJob(f"{exc} (the API answers 422); {_FIX}") from None
    if spec.options.provider not in tenant_limits.PAID_PROVIDERS:
        return
    model = tenant_limits.model_of(spec, settings)
    reserve_usd = budget_holds.max_job_usd(model, settings) if model else None
    assert reserve_usd is not None  # check_provider_and_model refuses an unpriced model
    _hold_budget(job_id, spec.tenant_id, limits.monthly_budget_usd, reserve_usd)


def _hold_budget(job_id: str, tenant: str, budget_usd: float, reserve_usd: float) -> None:
    """Take the job's budget hold, as the admission script does for the API's jobs;
    raise BudgetExhausted when the budget has no room for it."""
    client, month = redis_client(), spend.month_of()
    for _ in range(2):
        answer = budget_holds.reserve(
            client,
            tenant=tenant,
            job_id=job_id,
            spend_key=spend_key(tenant, month),
            budget_usd=budget_usd,
            reserve_usd=reserve_usd,
            hold_ttl_s=get_settings().budget_hold_ttl_s,
        )
        if answer[0] != "spend_unknown":
            break
        spend.rebuild(client, db_engine(), tenant, month)  # Redis lost it; ask again
    if answer[0] == "admitted":
        return
    if answer[0] != "budget_exhausted":  # the counter vanished again: never run unheld
        raise DependencyUnavailable(
            f"tenant {tenant}'s spend counter could not be read from Redis", kind="server_error"
        )
    spent, held = float(answer[1]), float(answer[2])
    raise BudgetExhausted(
        f"tenant {tenant} spent {spent:.4f} USD on paid providers in {month} and its "
        f"jobs in flight hold {held:.4f} USD; this job may cost up to {reserve_usd:.4f} "
        f"USD, over its monthly budget of {budget_usd:.4f} USD (the API answers 429 "
        f"budget_exhausted); it was not run. Resubmit when jobs in flight end, as a "
        f"template job, or with a larger budget",
        limit=budget_usd,
        remaining=0,
        reset_s=0,
    )


def check_webhook_host(spec: JobSpec) -> None:
    """Raise InvalidJob when options.webhook_url's host is not on the tenant's allow-list
    (as the API answers 422); the delivery checks it again."""
    url = spec.options.webhook_url
    if url is None or spec.tenant_id is None:
        return
    host = check_url(url, allow_http=True)  # its form was checked with the spec
    limits = tenants.load_limits(db_engine(), spec.tenant_id)
    if not host_allowed(host, limits.webhook_hosts if limits else None):
        raise InvalidJob(
            f"options.webhook_url: host {host!r} is not on tenant {spec.tenant_id}'s webhook "
            f"allow-list; allow it with: "
            f"{HOSTS_HINT.format(tenant=spec.tenant_id, host=host)}, then resubmit"
        )


def check_strict_json(request: dict[str, Any]) -> None:
    """What the API refuses as malformed JSON (400), in the decoded body: a lone
    surrogate (not text: it cannot even be stored), a non-finite number, an integer over
    20 digits, nesting over 32 levels (core.strict_json)."""
    try:
        strict_json.check(request)
    except MalformedJson as exc:
        raise InvalidJob(
            f"{exc.field}: {exc.reason} (the API answers 400 malformed_json); {_FIX}"
        ) from None


def check_size(request: dict[str, Any]) -> None:
    """The API's limit (MAX_BODY_BYTES, 413 over it), on the body as compact UTF-8 JSON:
    the smallest a client could have sent it, so only what the API must refuse fails."""
    limit = get_settings().max_body_bytes
    size = len(json.dumps(request, separators=(",", ":"), ensure_ascii=False).encode())
    if size > limit:
        raise InvalidJob(
            f"body: {size} bytes as JSON, over the {limit}-byte limit (MAX_BODY_BYTES; the "
            "API answers 413); send a smaller design (e.g. a figma_file_key instead of "
            "the inline file)"
        )


def _validation_message(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors()[:10]:
        field = ".".join(str(p) for p in error["loc"]) or "body"
        parts.append(f"{field}: {error['msg']}")
    return "; ".join(parts)


def _json_type(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "a number"
    return _JSON_TYPES.get(type(value), "null" if value is None else type(value).__name__)
