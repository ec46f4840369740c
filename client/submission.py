"""Sending the collected jobs: one job as POST /v1/generations, more in batches of at most
BATCH_SIZE (POST /v1/generations/batch), each item accepted or refused on its own. A batch
the server finds too large (413) is split in two; a server without the batch route (404
or 405) gets the jobs one by one. With an idempotency key prefix, each request's key is
derived from the positions it holds, so running the same command again makes no new jobs."""

from __future__ import annotations

from dataclasses import dataclass, field

from client.http_api import ApiError, ComponentForgeApi
from client.job_files import JobInput

BATCH_SIZE = 100  # the API's limit per batch


@dataclass
class Submitted:
    accepted: list[tuple[JobInput, str]] = field(default_factory=list)  # (input, job id)
    refused: list[tuple[JobInput, ApiError]] = field(default_factory=list)
    batch_ids: list[str] = field(default_factory=list)


def submit_jobs(
    api: ComponentForgeApi, jobs: list[JobInput], *, idempotency_key_prefix: str | None = None
) -> Submitted:
    """Submit `jobs`; a refusal of one job (4xx about it) is recorded, not raised. A 401,
    or an API that cannot be reached, is raised: no job would fare better."""
    done = Submitted()
    if len(jobs) == 1:
        _submit_one(api, jobs[0], 0, idempotency_key_prefix, done)
        return done
    for start in range(0, len(jobs), BATCH_SIZE):
        if not _submit_batch(api, jobs, start, min(start + BATCH_SIZE, len(jobs)),
                             idempotency_key_prefix, done):  # fmt: skip
            # No batch route: everything not yet sent goes one by one.
            for index in range(start, len(jobs)):
                _submit_one(api, jobs[index], index, idempotency_key_prefix, done)
            break
    return done


def _submit_one(
    api: ComponentForgeApi, job: JobInput, index: int, prefix: str | None, done: Submitted
) -> None:
    try:
        answer = api.submit(job.body, idempotency_key=prefix and f"{prefix}-{index}")
    except ApiError as exc:
        if exc.status == 401:
            raise
        done.refused.append((job, exc))
        return
    done.accepted.append((job, answer["id"]))


def _submit_batch(
    api: ComponentForgeApi,
    jobs: list[JobInput],
    start: int,
    end: int,
    prefix: str | None,
    done: Submitted,
) -> bool:
    """jobs[start:end] as one batch (halved on 413); False when the API has no batches."""
    chunk = jobs[start:end]
    try:
        answer = api.submit_batch(
            [job.body for job in chunk],
            idempotency_key=prefix and f"{prefix}-{start}-{end}",
        )
    except ApiError as exc:
        if exc.status in (404, 405) and not done.batch_ids:
            return False
        if exc.status == 413 and len(chunk) > 1:
            middle = start + len(chunk) // 2
            return _submit_batch(api, jobs, start, middle, prefix, done) and _submit_batch(
                api, jobs, middle, end, prefix, done
            )
        if exc.status == 401:
            raise
        done.refused.extend((job, exc) for job in chunk)  # the whole request was refused
        return True
    done.batch_ids.append(answer["id"])
    for item in answer["items"]:
        job = chunk[item["index"]]
        if "id" in item:
            done.accepted.append((job, item["id"]))
        else:
            error = item.get("error") or {}
            kind = str(error.get("type", "refused"))
            status = 429 if kind == "quota_exceeded" else 422  # as a single submit answers
            message = str(error.get("message", "refused"))
            fields = list(error.get("fields") or [])
            done.refused.append((job, ApiError(status, kind, message, fields)))
    return True
