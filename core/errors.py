"""One exception tree. The API maps these to HTTP answers in one place; the task maps
them to retry-or-fail."""

from __future__ import annotations

from config.retry_policies import ErrorKind


class ComponentForgeError(Exception):
    """Root of every error this project raises on purpose."""

    error_type = "internal_error"
    field: str | None = None
    """The request field or header at fault, when there is one."""


class JobNotFound(ComponentForgeError):
    error_type = "not_found"
    field = "job_id"


class BadRequest(ComponentForgeError):
    """A request field the schema cannot judge alone (e.g. a header's format)."""

    error_type = "validation_error"

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field


class MalformedJson(ComponentForgeError):
    """A body that is not strict JSON (core.strict_json): the API answers 400, a queued
    message's job fails with it."""

    error_type = "malformed_json"

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class UnsupportedMediaType(ComponentForgeError):
    """A body sent to a JSON route as something else (415)."""

    error_type = "unsupported_media_type"
    field = "Content-Type"


class IdempotencyConflict(ComponentForgeError):
    """Same Idempotency-Key, different body."""

    error_type = "idempotency_conflict"
    field = "Idempotency-Key"


class JobConflict(ComponentForgeError):
    """The job's state forbids the request (cancelling one that already ended)."""

    error_type = "conflict"
    field = "job_id"


class InvalidJob(ComponentForgeError):
    """A queue-submitted job whose body does not validate. Never retried."""

    error_type = "validation_error"


class UnknownTenant(InvalidJob):
    """A queue-submitted job naming no tenant, or one that does not exist. Never retried."""

    error_type = "unknown_tenant"


class GenerationError(ComponentForgeError):
    """The agent chain could not produce a component from this input. Never retried."""

    error_type = "generation_error"


class CodeRefused(GenerationError):
    """The model's code broke the code policy or the sandboxed render, and the job asked
    for model code only (options.refused_code "fail"). Never retried."""

    error_type = "code_refused"


class FigmaError(ComponentForgeError):
    """Figma refused or could not give the file (token, not found, rate limit). Never
    retried by the task: the message says what to change."""

    error_type = "figma_error"


class DependencyUnavailable(ComponentForgeError):
    """A dependency did not answer, or answered "not now"; may pass on retry."""

    error_type = "dependency_unavailable"

    def __init__(
        self, message: str, *, kind: ErrorKind = "connection", retry_after_s: float | None = None
    ) -> None:
        super().__init__(message)
        self.kind: ErrorKind = kind
        self.retry_after_s = retry_after_s
        """How long the dependency asked us to wait (a 429's Retry-After), if it said."""


class CircuitOpen(DependencyUnavailable):
    """Recent calls to this dependency failed; calls are refused until a probe passes."""

    def __init__(self, service: str, retry_after_s: float) -> None:
        super().__init__(
            f"{service} circuit open after repeated failures; calls resume when a probe "
            f"succeeds (in about {retry_after_s:.0f} s)",
            retry_after_s=retry_after_s,
        )
        self.service = service


class PoisonJob(ComponentForgeError):
    """Delivered too often without ending; failed so it cannot loop forever."""

    error_type = "redelivery_limit"


class JobOrphaned(ComponentForgeError):
    """Found with no lease and no message (both lost) once its deliveries were spent."""

    error_type = "orphaned"


class JobTimedOut(ComponentForgeError):
    error_type = "timeout"


class Unauthorized(ComponentForgeError):
    """No key, or one that is malformed, unknown or revoked (the answer does not say
    which: 401 alike)."""

    error_type = "unauthorized"
    field = "Authorization"

    def __init__(self, message: str, *, challenge: str = 'Bearer realm="componentforge"') -> None:
        super().__init__(message)
        self.challenge = challenge
        """The WWW-Authenticate header: Basic where a browser should ask for the key."""


class Forbidden(ComponentForgeError):
    """A valid key whose role does not allow the request."""

    error_type = "forbidden"
    field = "Authorization"


class QuotaExceeded(ComponentForgeError):
    """A tenant's limit refused a submission (429); nothing was changed. The fields are
    what the RateLimit-* and Retry-After headers say."""

    error_type = "quota_exceeded"
    kind = "quota"
    """quota_refusals_total's `kind` label."""

    def __init__(self, message: str, *, limit: float, remaining: float, reset_s: float) -> None:
        super().__init__(message)
        self.limit = limit
        self.remaining = remaining
        self.reset_s = reset_s
        """Seconds until the limit admits again (a best estimate for in-flight jobs)."""


class RateLimited(QuotaExceeded):
    error_type = kind = "rate_limited"


class TooManyInFlight(QuotaExceeded):
    error_type = kind = "too_many_in_flight"


class BudgetExhausted(QuotaExceeded):
    error_type = kind = "budget_exhausted"
