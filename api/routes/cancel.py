"""POST /v1/generations/{id}/cancel: a queued job never runs, a running one stops at its
next step boundary (workers.storage.cancellation decides, atomically)."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Response
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from api import job_views
from api.deps import EngineDep, PresignS3Dep, RedisDep, SettingsDep, Submitter
from api.schemas import GenerationPublic, error_responses
from api.strict_body import refuse_non_json_body
from config.settings import Settings
from core.access import Principal
from core.errors import JobConflict, JobNotFound
from core.state import JobStatus
from workers.pipeline.cancel import end_cancelled
from workers.storage import job_state
from workers.storage.cancellation import CancelOutcome, request_cancel
from workers.storage.generation_row import GenerationRow
from workers.storage.records import load_generation, record_generation

logger = logging.getLogger(__name__)

router = APIRouter(
    prefix="/v1/generations", tags=["generations"], dependencies=[Depends(refuse_non_json_body)]
)

JobId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="job id")]


@router.post(
    "/{job_id}/cancel",
    response_model=GenerationPublic,
    responses={
        202: {
            "model": GenerationPublic,
            "description": "the job is running: asked to stop at its next step "
            "(cancel_requested: true); poll it to see it end cancelled",
        },
        **error_responses(
            401,
            403,
            404,
            409,
            415,
            422,
            503,
            described={
                403: "the key's role cannot cancel (submit needed)",
                404: "no job with that id in your tenant",
                409: "the job already ended (succeeded or failed) or is writing its ending",
            },
        ),
    },
)
def cancel_generation(
    job_id: JobId,
    caller: Submitter,
    response: Response,
    client: RedisDep,
    engine: EngineDep,
    s3: PresignS3Dep,
    settings: SettingsDep,
) -> GenerationPublic:
    """Cancel a job. 200 with the job `cancelled` (now or already: cancelling again
    answers the same), 202 while a running job is asked to stop."""
    state = job_state.load(client, job_id)
    if state is None:
        return _ended(engine, job_id, caller, s3, settings)
    if not caller.sees(state.tenant_id):
        raise JobNotFound(f"no job {job_id}")  # the same answer as an unknown id
    outcome = request_cancel(client, job_id, by=f"key {caller.key_prefix}")
    if outcome is CancelOutcome.MISSING:  # expired since it was read
        return _ended(engine, job_id, caller, s3, settings)
    if outcome is CancelOutcome.CANCELLED_QUEUED:
        end_cancelled(
            client, state, by=f"key {caller.key_prefix}", stage=None,
            record_row=lambda row: _record(engine, row),
        )  # fmt: skip
    now = job_state.load(client, job_id) or state
    if outcome is CancelOutcome.TOO_LATE or now.status in (JobStatus.SUCCEEDED, JobStatus.FAILED):
        raise JobConflict(_too_late(job_id, now.status, now.stage))
    if now.status is not JobStatus.CANCELLED:
        response.status_code = 202
    return job_views.from_state(now, s3, settings)


def _ended(
    engine: Engine, job_id: str, caller: Principal, s3: Any, settings: Settings
) -> GenerationPublic:
    """A job without live state: its row says how it ended (cancelled: 200, else 409)."""
    row = load_generation(engine, job_id)
    if row is None or not caller.sees(row.tenant_id):
        raise JobNotFound(f"no job {job_id}")
    if row.status != JobStatus.CANCELLED:
        raise JobConflict(_too_late(job_id, JobStatus(row.status), None))
    return job_views.from_row(row, s3, settings)


def _too_late(job_id: str, status: JobStatus, stage: str | None) -> str:
    if status is JobStatus.RUNNING:
        return (
            f"job {job_id} has done its work and is recording its result ({stage}); "
            "too late to cancel"
        )
    return f"job {job_id} already {status}; only a queued or running job can be cancelled"


def _record(engine: Engine, row: GenerationRow) -> bool:
    """Insert the cancelled job's row; True also when Postgres is down (the live state
    still says cancelled, and the job never runs; the row is then missing)."""
    try:
        return record_generation(engine, row)
    except SQLAlchemyError as exc:
        logger.warning("job %s: cancelled, but its row could not be written (%s)", row.id, exc)
        return True
