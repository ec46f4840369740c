"""A job published straight onto the queue, checked as the API checks a request: the
message's arguments (what generation.run takes, of the right types), the body's size
(MAX_BODY_BYTES) and the body itself (core.spec). What fails is raised as an error the
task ends the job with, under the job id, so it leaves a row and a reason.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from config.settings import get_settings
from core.errors import InvalidJob
from core.spec import JobSpec
from core.state import JobState
from workers.clients import db_engine, redis_client
from workers.resilience.dead_letters import UnrunnableMessage, is_job_id
from workers.storage import job_state, records

_FIX = "it was not run. Fix the publisher, then resubmit"
_JSON_TYPES = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}


def job_id_of(task_id: str, job_id: Any) -> str:
    """The job a message is about: the job_id it names when that can name a job, else
    its task id (as for a body published without one)."""
    return job_id if is_job_id(job_id) else task_id


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
    elif job_id and not is_job_id(job_id):
        problems.append(f"job_id {job_id[:80]!r} is not 1..64 letters, digits or -_.:")
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
    check_size(request)
    try:
        spec = JobSpec.model_validate(request)
    except ValidationError as exc:
        raise InvalidJob(_validation_message(exc)) from None
    state, _ = job_state.create_queued(
        redis_client(),
        job_id,
        spec.model_dump(mode="json", exclude_none=True),
        ttl_s=get_settings().job_state_ttl_s,
    )
    return state


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
