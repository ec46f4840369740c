"""POST /v1/generations/batch (up to 100 jobs, each accepted or refused on its own) and
GET /v1/batches/{id} (counts by status, and the jobs)."""

from __future__ import annotations

import re
import time
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from api.deps import EngineDep, Reader, RedisDep, SettingsDep, Submitter
from api.errors import quota_headers, validation_fields, validation_summary
from api.schemas import (
    BatchAccepted,
    BatchCounts,
    BatchCreate,
    BatchItem,
    BatchJob,
    BatchPublic,
    ErrorBody,
    error_responses,
)
from api.strict_body import StrictJsonRoute
from api.submissions import submit_as
from core.access import Principal
from core.errors import BadRequest, ComponentForgeError, JobNotFound, QuotaExceeded
from core.redaction import public_message
from core.spec import JobSpec
from core.state import JobStatus
from workers.storage import batches, job_state
from workers.storage.batches import BatchRecord

router = APIRouter(tags=["batches"], route_class=StrictJsonRoute)

_IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,200}")

BatchId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="batch id")]


def status_url(batch_id: str) -> str:
    return f"/v1/batches/{batch_id}"


@router.post(
    "/v1/generations/batch",
    status_code=202,
    response_model=BatchAccepted,
    response_model_exclude_none=True,
    responses=error_responses(
        400, 401, 403, 413, 415, 422, 429, 503,
        described={
            403: "the key's role cannot submit",
            422: "the body is not {\"jobs\": [1 to 100 objects]}, or no item was accepted "
            "(each item's reason in items[].error; an item's own errors refuse only that "
            "item when another is accepted)",
            429: "no item was accepted and a tenant limit refused at least one (each "
            "item's reason in items[].error); nothing was stored",
        },
    ),
)  # fmt: skip
def create_batch(
    body: BatchCreate,
    caller: Submitter,
    client: RedisDep,
    engine: EngineDep,
    settings: SettingsDep,
    idempotency_key: Annotated[
        str | None,
        Header(description="same key + same body returns the same batch and jobs"),
    ] = None,
) -> JSONResponse:
    """Queue each valid job as POST /v1/generations would (its own quota slot); refuse
    the others, each with its reason. Never waits on a worker. When none is accepted
    the batch is refused (429 or 422, each item's reason in `items`) and not stored."""
    if idempotency_key is not None and not _IDEMPOTENCY_KEY.fullmatch(idempotency_key):
        raise BadRequest(
            "Idempotency-Key", "use 1 to 200 visible ASCII characters, no spaces (e.g. a UUID)"
        )
    submitted = [
        _submit_item(index, job, caller, client=client, engine=engine, settings=settings,
                     idempotency_key=f"{idempotency_key}:{index}" if idempotency_key else None)
        for index, job in enumerate(body.jobs)
    ]  # fmt: skip
    items = [item for item, _ in submitted]
    job_ids = [item.id for item in items if item.id is not None]
    if not job_ids:
        # Nothing accepted: nothing is stored, so a flood of refused batches costs no
        # Redis or Postgres space, and a tenant over its limit gets its 429.
        return _nothing_accepted(items, [quota for _, quota in submitted if quota is not None])
    batch = BatchRecord(
        id=_batch_id(caller.tenant_id, idempotency_key),
        tenant_id=caller.tenant_id,
        created_at=time.time(),
        job_ids=job_ids,
    )
    batches.save(client, engine, batch, ttl_s=settings.job_state_ttl_s)
    accepted = BatchAccepted(
        id=batch.id,
        status_url=status_url(batch.id),
        accepted=len(job_ids),
        refused=len(items) - len(job_ids),
        items=items,
    )
    return JSONResponse(accepted.model_dump(mode="json", exclude_none=True), status_code=202)


def _nothing_accepted(items: list[BatchItem], quota_refusals: list[QuotaExceeded]) -> JSONResponse:
    """429 (with the limit's Retry-After) when a limit refused any item, else 422; the
    body is the usual error, with every item's own reason in `items`."""
    if quota_refusals:
        status, error_type = 429, quota_refusals[0].error_type
        message = f"no job of the batch was accepted: {public_message(quota_refusals[0])}"
    else:
        status, error_type = 422, "validation_error"
        message = "no job of the batch was accepted; each item's reason is in items[].error"
    body = {
        "error": {"type": error_type, "message": message, "fields": []},
        "items": [item.model_dump(mode="json", exclude_none=True) for item in items],
    }
    headers = quota_headers(quota_refusals[0]) if quota_refusals else None
    return JSONResponse(body, status_code=status, headers=headers)


def _submit_item(
    index: int,
    job: dict[str, Any],
    caller: Principal,
    *,
    idempotency_key: str | None,
    **deps: Any,
) -> tuple[BatchItem, QuotaExceeded | None]:
    """One item: validated on its own, then submitted as a single job is; with the quota
    refusal, if a limit refused it."""
    try:
        spec = JobSpec.model_validate(job)
    except ValidationError as exc:
        fields = validation_fields(exc.errors())
        return _refused(index, "validation_error", validation_summary(fields), fields), None
    try:
        job_id, created, _, _ = submit_as(caller, spec, idempotency_key=idempotency_key, **deps)
    except QuotaExceeded as exc:
        return _refused(index, "quota_exceeded", public_message(exc)), exc
    except ComponentForgeError as exc:  # a field (tenant, provider), a key reused, the queue
        fields = [{"field": exc.field, "reason": public_message(exc)}] if exc.field else []
        return _refused(index, exc.error_type, public_message(exc), fields), None
    status = JobStatus.QUEUED
    if not created and (state := job_state.load(deps["client"], job_id)) is not None:
        status = state.status  # a replay: the job as it is now
    return BatchItem(index=index, id=job_id, status=status), None


def _refused(
    index: int, error_type: str, message: str, fields: list[dict[str, str]] | None = None
) -> BatchItem:
    return BatchItem(
        index=index,
        error=ErrorBody.model_validate({"type": error_type, "message": message,
                                        "fields": fields or []}),
    )  # fmt: skip


def _batch_id(tenant: str, idempotency_key: str | None) -> str:
    """New, or the same for a tenant's replay under the same Idempotency-Key."""
    if idempotency_key is None:
        return uuid.uuid4().hex
    return uuid.uuid5(uuid.NAMESPACE_URL, f"componentforge:batch:{tenant}:{idempotency_key}").hex


@router.get(
    "/v1/batches/{batch_id}",
    response_model=BatchPublic,
    responses=error_responses(
        401, 404, 422, 503, described={404: "no batch with that id in your tenant"}
    ),
)
def get_batch(
    batch_id: BatchId, caller: Reader, client: RedisDep, engine: EngineDep
) -> BatchPublic:
    """The batch's jobs, each as it is now, and how many are in each status."""
    batch = batches.load(client, engine, batch_id)
    if batch is None or not caller.sees(batch.tenant_id):
        raise JobNotFound(f"no batch {batch_id}")
    jobs = [BatchJob.model_validate(member)
            for member in batches.members(client, engine, batch.job_ids)]  # fmt: skip
    counts = BatchCounts()
    for job in jobs:
        if job.status in BatchCounts.model_fields:
            setattr(counts, job.status, getattr(counts, job.status) + 1)
    created_at = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(batch.created_at))
    return BatchPublic(
        id=batch.id, created_at=f"{created_at}Z", total=len(jobs), counts=counts, jobs=jobs
    )
