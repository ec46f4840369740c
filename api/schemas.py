"""Request and response schemas of the HTTP API."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from core.spec import JobSpec
from core.state import JobStatus

# The body of POST /v1/generations is the job contract itself.
GenerationCreate = JobSpec


class GenerationAccepted(BaseModel):
    id: str
    status: JobStatus
    status_url: str


class ErrorDetail(BaseModel):
    type: str
    message: str


class Artifact(BaseModel):
    key: str
    url: str


class Cost(BaseModel):
    usd: float
    prompt_tokens: int
    completion_tokens: int
    saved_usd: float = 0.0


class GenerationResult(BaseModel):
    component_id: str
    artifacts: dict[str, Artifact]
    quality: dict[str, Any]
    pattern_id: str | None
    cost: Cost
    cache_key: str | None
    trace_url: str | None = None
    bookkeeping: Literal["written", "spooled"] = "written"
    """spooled: Postgres was unreachable; the row is written when it answers again."""
    uploads: Literal["done", "pending"] = "done"
    """pending: S3 was unreachable; the artifacts appear (at these keys) when it answers."""
    cache: Literal["used", "unavailable"] = "used"
    """unavailable: the cache Redis was down; the job ran (and stored) without it."""
    coalesced_with: str | None = None
    """Set when identical jobs ran at once: the job whose generation this one waited for
    and reuses (cache_layer L1, cost 0, saved_usd that job's cost)."""


class WebhookAttemptPublic(BaseModel):
    at: str
    status_code: int | None
    """The receiver's HTTP status; null when none answered (or the call was refused)."""
    outcome: Literal["delivered", "failed", "refused", "retrying"]
    error: str | None


class WebhookPublic(BaseModel):
    url: str
    state: Literal["pending", "delivered", "failed"]
    attempts: list[WebhookAttemptPublic]


class GenerationPublic(BaseModel):
    id: str
    status: JobStatus
    stage: str | None
    component_type: str
    component_name: str
    cache_layer: str | None
    cache_key: str | None
    attempts: int
    timings_ms: dict[str, float]
    created_at: str | None
    started_at: str | None
    finished_at: str | None
    error: ErrorDetail | None
    result: GenerationResult | None
    cancel_requested: bool = False
    """A cancel was asked for (POST .../cancel): a running job stops at its next step."""
    webhook: WebhookPublic | None = None
    """options.webhook_url's deliveries; null when the job has none (README: Webhooks)."""


class FieldProblem(BaseModel):
    field: str
    reason: str


class ErrorBody(BaseModel):
    type: str
    message: str
    fields: list[FieldProblem] = []


class ErrorResponse(BaseModel):
    error: ErrorBody


ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "malformed JSON: not JSON, or not strict JSON (a duplicate key, NaN or Infinity, "
    "a number that overflows, an integer over 20 digits, a lone surrogate, nesting over "
    "32 levels, invalid UTF-8); error.fields names where",
    401: "no API key, or not a valid one",
    403: "the key's role does not allow this",
    404: "nothing by that name in your tenant",
    409: "Idempotency-Key reused with another body",
    413: "body over MAX_BODY_BYTES",
    415: "the body is not sent as Content-Type: application/json",
    422: "invalid field (named in error.fields)",
    429: "a tenant limit (rate, jobs in flight, monthly budget); see Retry-After",
    503: "a dependency (Redis, the queue, Postgres) is unavailable; nothing was changed, "
    "retry shortly",
}


def error_responses(
    *statuses: int, described: dict[int, str] | None = None
) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for the errors a route answers, each in the one error shape;
    `described` words a status for the route."""
    words = {**ERROR_DESCRIPTIONS, **(described or {})}
    return {status: {"model": ErrorResponse, "description": words[status]} for status in statuses}


class UsageJobs(BaseModel):
    succeeded: int
    failed: int
    in_flight: int
    """Queued or running now."""
    cache_hits: int
    """Ended jobs served from a cache (L1, L2, L3)."""


class UsageLimits(BaseModel):
    requests_per_minute: int
    max_in_flight: int
    monthly_budget_usd: float
    allowed_providers: list[str] | None
    """None: every provider."""
    allowed_models: list[str] | None
    """None: every priced model."""


class UsagePublic(BaseModel):
    """A tenant's month to date (UTC calendar month)."""

    tenant: str
    month: str
    jobs: UsageJobs
    spend_usd: float
    """Paid providers' costs this month (what the budget counts)."""
    saved_usd: float
    """What cache hits saved: the cost of generating those jobs anew."""
    budget_usd: float
    remaining_usd: float
    in_flight: int
    limits: UsageLimits


class BatchCreate(BaseModel):
    """POST /v1/generations/batch: jobs submitted together, each validated on its own."""

    model_config = ConfigDict(extra="forbid")

    # Any object: each is validated as a JobSpec by the route, item by item, so one
    # invalid item is refused in its own `items` entry, not the whole batch.
    jobs: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=100,
        description="1 to 100 jobs, each the body of POST /v1/generations (JobSpec); "
        "an item that is not a valid job is refused alone, in items[].error",
    )


class BatchItem(BaseModel):
    """One job of a batch, by its index in `jobs`: accepted (id, status) or refused
    (error, with its fields as a single submit's 422 names them)."""

    index: int
    id: str | None = None
    status: JobStatus | None = None
    error: ErrorBody | None = None


class BatchAccepted(BaseModel):
    id: str
    status_url: str
    accepted: int
    refused: int
    items: list[BatchItem]


class BatchCounts(BaseModel):
    queued: int = 0
    running: int = 0
    succeeded: int = 0
    failed: int = 0
    cancelled: int = 0


class BatchJob(BaseModel):
    id: str
    status: str
    """A job status, or `unknown` when neither its live state nor its row is found."""
    stage: str | None
    component_name: str | None
    component_type: str | None
    cache_layer: str | None


class BatchPublic(BaseModel):
    id: str
    created_at: str
    total: int
    """Jobs accepted into the batch (refused items are not members)."""
    counts: BatchCounts
    jobs: list[BatchJob]
