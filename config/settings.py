"""The one settings object. Environment variables are its only input.

Every field is listed in the README's settings table; keep the two in step.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, PrivateAttr, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from config import retry_policies


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")
    _policies: dict[str, retry_policies.RetryPolicy] = PrivateAttr(default_factory=dict)

    # --- services -------------------------------------------------------------
    redis_url: str = "redis://127.0.0.1:6379/0"
    """Job state, idempotency keys, leases and circuit breakers."""
    cache_redis_url: str = ""
    """The L1 and Figma (L0) caches; empty means REDIS_URL. A cache of its own can go
    down without stopping jobs: they run uncached and their results say so."""
    broker_url: str = ""
    """Celery broker; empty means REDIS_URL. amqp://... selects RabbitMQ."""
    database_url: str = "postgresql+psycopg2://postgres@127.0.0.1:5432/componentforge"
    s3_endpoint_url: str | None = None
    """None means AWS itself; any S3-compatible endpoint otherwise."""
    s3_public_endpoint_url: str | None = None
    """Endpoint written into presigned URLs when clients reach S3 by another name."""
    s3_bucket: str = "componentforge-artifacts"
    s3_region: str = "us-east-1"
    s3_presign_ttl_s: int = Field(default=3600, ge=60, le=7 * 24 * 3600)
    s3_upload_concurrency: int = Field(default=5, ge=1, le=32)
    s3_connect_timeout_s: float = Field(default=5.0, gt=0)
    s3_read_timeout_s: float = Field(default=30.0, gt=0)
    s3_lifecycle_days: int = Field(default=90, ge=1)
    bucket_check_s: float = Field(default=1.0, gt=0)
    """How often a worker process reads the bucket's epoch: an L1 hit within this long of
    the bucket's loss may still point at lost artifacts (workers.storage.bucket_epoch)."""

    # --- queue ----------------------------------------------------------------
    generation_queue: str = "generation"
    task_soft_time_limit_s: int = Field(default=120, ge=1)
    """Soft limit: the job is failed with a reason the user can read."""
    task_time_limit_s: int = Field(default=150, ge=2)
    """Hard limit: the worker kills the process running the job and fails the job
    (GenerationRequest.on_timeout in tasks/generation.py)."""
    broker_visibility_timeout_s: int = 0
    """Redis broker only: an unacked message returns to the queue after this long.
    0 means hard limit + 30 s, so a job whose whole worker died is picked up again
    soon, but never while it could still be running."""
    rabbitmq_quorum_queues: bool = False
    """RabbitMQ broker only: declare the generation queue as a quorum queue (replicated,
    survives a broker node's loss). Every client that declares the queue must then ask
    for the same type (README: Durability)."""
    retry_policies: dict[str, dict[str, Any]] = Field(default_factory=dict)
    """JSON overrides of config/retry_policies.py's table, by dependency, step or "task"."""
    circuit_failure_threshold: int = Field(default=5, ge=1)
    """Failures of one dependency within CIRCUIT_FAILURE_WINDOW_S that open its circuit."""
    circuit_failure_window_s: float = Field(default=30.0, gt=0)
    circuit_open_s: float = Field(default=15.0, gt=0)
    """How long an open circuit refuses calls before one probe call may test the dependency."""
    job_max_deliveries: int = Field(default=10, ge=2)
    """A job delivered this many times without ending (its worker dying each time, say)
    is failed instead of run again: a poison message must not loop forever."""
    hold_s: float = Field(default=10.0, gt=0)
    """How long a delivery keeps trying to make its outcome durable (publish its retry,
    record its failure) before its message goes back to the broker (workers.resilience.hold)."""
    job_lease_s: int = Field(default=30, ge=5)
    """A running job holds a lease renewed every lease/3 s; a dead holder's lease lapses."""
    reaper_interval_s: float = Field(default=15.0, gt=0)
    """How often one worker (whichever takes the sweep's lock) looks for orphaned jobs."""
    reaper_stale_after_s: int = Field(default=0, ge=0)
    """A live job with no lease, no message in the broker and no progress for this long is
    orphaned (workers.resilience.reaper). 0 means BROKER_VISIBILITY_TIMEOUT_S + JOB_LEASE_S:
    by then a dead holder's lease has lapsed and the broker's own redelivery had its turn."""

    # --- api ------------------------------------------------------------------
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    tenant_requests_per_s: float = Field(default=0.0, ge=0)
    """Authenticated requests a tenant may make per second to one API process (429 past
    it; 0: no limit): reads have no other per-tenant bound (api.tenant_rate). compose,
    Kubernetes and `make up` set 50."""
    tenant_requests_burst_s: float = Field(default=2.0, gt=0)
    """How many seconds of TENANT_REQUESTS_PER_S a tenant may send at once."""
    body_read_timeout_s: float = Field(default=30.0, gt=0)
    """A request body must arrive whole within this long of the request's start (408)."""
    max_wait_s: float = Field(default=60.0, ge=0)
    """Upper bound of GET /v1/generations/{id}?wait=."""
    job_state_ttl_s: int = Field(default=7 * 24 * 3600, ge=60)
    """How long Redis keeps a job's live state; Postgres keeps the record after that."""
    ended_job_state_ttl_s: int = Field(default=3600, ge=60)
    """How long an ended job's hash and events stay (without its body) for fast status
    reads; the row answers after that. An hour at a tenant's default 600 jobs/min is
    36,000 ended states, ~250 MB at ~7 KB each: under the job Redis's default maxmemory."""
    ended_jobs_kept_per_tenant: int = Field(default=5000, ge=100)
    """At most this many of a tenant's ended jobs keep their state in Redis (~35 MB at the
    default); past it the oldest go first (the row answers them), whatever the tenant's
    rate and the TTL. Jobs with a webhook are kept until their TTL (their delivery reads it)."""
    max_inline_figma_bytes: int = Field(default=512 * 1024, ge=1024)
    """Largest source.figma_file (compact JSON) a job may carry inline (422 over it): a
    live job's body sits in Redis. Larger files: name a figma_file_key instead."""
    idempotency_ttl_s: int = Field(default=24 * 3600, ge=60)

    # --- access ---------------------------------------------------------------
    api_key_cache_s: float = Field(default=5.0, ge=0, le=60)
    """How long an API process reuses a key's look-up: a revoked key stops working within
    this many seconds."""
    auth_negative_cache_s: float = Field(default=30.0, ge=0, le=600)
    """How long an API process remembers that a well-formed key is unknown or revoked, so
    a key sent again is not looked up in Postgres again (kept apart from valid keys)."""
    auth_failures_per_minute: int = Field(default=30, ge=0)
    """Refused keys (malformed, unknown, revoked) one client address may send per minute
    before its un-cached keys get 429; 0 turns the throttle off (e.g. every client behind
    one address)."""
    l1_scope: Literal["tenant", "global"] = "tenant"
    """"global" shares L1 entries across tenants (a single-organisation deployment)."""
    single_flight_first_wait_s: float = Field(default=0.2, gt=0)
    """A job waiting for an identical job's generation is re-queued after this long, the
    wait growing by half each time up to SINGLE_FLIGHT_MAX_COUNTDOWN_S
    (workers.storage.single_flight)."""
    single_flight_max_countdown_s: float = Field(default=2.0, gt=0)
    single_flight_max_wait_s: float = Field(default=300.0, ge=0)
    """A job that has waited this long for an identical job generates itself."""
    tenant_secrets_key: SecretStr | None = None
    """A Fernet key (32 url-safe base64 bytes) that encrypts tenants' Figma tokens at rest."""
    metrics_token: SecretStr | None = None
    """A bearer token Prometheus may scrape /metrics with (an admin key works too)."""
    default_requests_per_minute: int = Field(default=600, ge=1)
    """Submissions a tenant may make in any 60 s (a sliding window), unless its tenants
    row says otherwise. Refused ones answer 429."""
    default_max_in_flight: int = Field(default=200, ge=1)
    """Jobs a tenant may have queued or running at once, unless its row says otherwise."""
    default_monthly_budget_usd: float = Field(default=100.0, ge=0)
    """A tenant's spend on paid providers per calendar month (UTC); once reached, its new
    paid-provider jobs are refused (429) and template jobs still run."""
    budget_hold_ttl_s: int = Field(default=24 * 3600, ge=60)
    """A paid job's budget reservation lapses this long after admission if its ending
    never settled it (a lost worker and Redis reply at once): a hold cannot leak forever."""
    llm_max_prompt_tokens: int = Field(default=32_000, ge=256)
    """Prompt tokens (estimated) a model call may send: the bound a job's budget
    reservation assumes per call; a step whose prompt is larger fails rather than call."""
    tenant_limits_cache_s: float = Field(default=5.0, ge=0, le=60)
    """How long an API process reuses a tenant's limits: a change is in force within this."""
    readyz_cache_s: float = Field(default=1.0, ge=0, le=60)
    """GET /readyz answers from its last checks for this long, so calling it cannot load
    the dependencies it checks."""

    # --- figma ----------------------------------------------------------------
    figma_api_url: str = "https://api.figma.com"
    figma_token: SecretStr | None = None
    """Sent as X-Figma-Token, for tenants without a token of their own, only when
    FIGMA_TOKEN_SHARED is true. Only jobs that name a figma_file_key need a token."""
    figma_token_shared: bool = False
    """A single-organisation deployment: FIGMA_TOKEN reads files for every tenant without
    its own token (`componentforge tenants set T --figma-token-stdin`). Off: such a job
    fails, so no tenant reads files with another's (or the server's) access."""
    figma_timeout_s: float = Field(default=10.0, gt=0)
    figma_cache_ttl_s: int = Field(default=300, ge=1)
    """L0 cache: how long a fetched file (and its styles) is reused."""
    figma_version_ttl_s: int = Field(default=5, ge=0, le=60)
    """How long a file's version (a shallow request on each job) is reused: an edit
    reaches new jobs (a new L1 key) within this. 0: asked on every job."""

    # --- pattern cache (L3) ---------------------------------------------------
    pattern_cache: Literal["on", "off"] = "on"
    """"off": jobs neither look up nor store L3 entries (L1 and L2 still apply)."""
    pattern_cache_ttl_s: int = Field(default=3600, ge=60)
    """How long a pattern styled for a token set (`pattern:{id}:{tokens_hash}`) is reused."""
    pattern_precompute_interval_s: float = Field(default=300.0, gt=0)
    """How often one worker (whichever takes the sweep's lock) re-styles the most-used
    pattern x token combinations whose L3 entry is gone or near expiry."""
    pattern_precompute_top: int = Field(default=50, ge=0)
    """How many of the most-used combinations each sweep keeps warm; 0 turns it off."""

    # --- llm (provider "openai": any OpenAI-compatible chat-completions API) ----
    openai_base_url: str = "https://api.openai.com/v1"
    openai_api_key: SecretStr | None = None
    """Only jobs with options.provider "openai" need it."""
    openai_model: str = "gpt-4o-mini"
    """Model when a job names none (options.model)."""
    openai_timeout_s: float = Field(default=60.0, gt=0)
    openai_answer_attempts: int = Field(default=3, ge=1)
    """Tries per step to get JSON that validates before falling back to the template."""
    openai_max_tokens: int = Field(default=4096, ge=16)
    """Completion tokens a call may take (its `max_tokens`): a bound on each call's cost
    and what the tokens-per-minute budget reserves for it."""
    llm_max_in_flight: int = Field(default=200, ge=1)
    """Calls in flight to one model on one provider key, across every worker."""
    llm_tokens_per_minute: int = Field(default=0, ge=0)
    """Tokens (prompt and completion) one model on one provider key may take per minute,
    across every worker, as a bucket refilled continuously; 0: no budget of ours."""
    llm_fallback_to_template: bool = False
    """When the LLM endpoint is down (after the SDK's retries), do that step with the
    template provider instead of retrying the job; the report says so."""
    llm_prices_json: str = ""
    """Extra or overriding prices, USD per million tokens: {"model": [input, output]}."""

    # --- semantic cache (L2: the nearest earlier design of the tenant, adapted) ----
    semantic_cache: Literal["on", "off"] = "on"
    """"off": jobs neither look up nor store L2 entries (L1 and L3 still apply)."""
    semantic_cache_min_similarity: float = Field(default=0.92, ge=0, le=1)
    """Cosine similarity a neighbour's design needs to be adapted instead of generating."""
    semantic_cache_ttl_s: int = Field(default=86400, ge=60)
    """How long an L2 entry may answer other jobs."""
    embedding_provider: Literal["local", "openai"] = "local"
    """"local": feature hashing, offline and free (workers.storage.embeddings); "openai":
    EMBEDDING_MODEL at OPENAI_BASE_URL with OPENAI_API_KEY, each design billed."""
    embedding_model: str = "text-embedding-3-small"
    """The "openai" embedder's model; it must accept `dimensions` (text-embedding-3-*)."""
    embedding_dimensions: int = Field(default=256, ge=256, le=256)
    """Fixed at 256 for now: the semantic_cache column is vector(256)."""

    # --- spools ---------------------------------------------------------------
    spool_dir: Path = Path.home() / ".local" / "state" / "componentforge" / "spool"
    """Local disk for writes a dependency could not take: generations rows while Postgres
    is down, artifacts while S3 is. Give workers a persistent volume here."""
    spool_replay_interval_s: float = Field(default=10.0, gt=0)

    # --- generation -----------------------------------------------------------
    tsc_deps_dir: Path = Path.home() / ".cache" / "componentforge" / "tsc"
    """Where `make install` puts typescript, @types/react and @storybook/react for the
    quality step's strict type-check. Missing (or no Node.js): TSX is parse-checked only."""
    typecheck: bool = True
    """Type-check generated code with tsc (when available). Off: parse-check only."""
    typecheck_timeout_s: float = Field(default=30.0, gt=0)
    checker_processes: int = Field(default=0, ge=0, le=64)
    """Node checker processes (tsc, render) per worker process. 0: one per core on the
    gevent pool, whose one process serves every job; one per prefork child."""
    check_batch: int = Field(default=16, ge=1, le=64)
    """Jobs whose TypeScript checks one Node program runs together when they wait at
    the same time (the checker's set-up, ~0.1 s, is then paid once)."""
    render_timeout_s: float = Field(default=2.0, gt=0)
    """Limit of one story's sandboxed render (its effects and timers included); its DOM
    inspection and axe-core run get as long again."""
    code_allowed_packages: str = "clsx,class-variance-authority,@radix-ui/*,lucide-react"
    """Packages generated code may import besides react and its own files (comma-separated;
    `@scope/*` allows a scope). They must be installed where the render runs (TSC_DEPS_DIR)."""
    code_url_hosts: str = ""
    """Hosts an https: URL in generated code may point at (comma-separated, `*.example.com`
    for subdomains). Empty: only relative, mailto: and tel: URLs, and props passed through."""
    render_check: bool = True
    """Render every generated component with its stories in the Node sandbox (traps,
    axe-core, what each story shows). Off: the policy alone judges code."""
    render_required: bool = True
    """Refuse a model's code that could not be rendered (no Node.js, render off): what
    the sandbox has not seen is not shipped. Template code is ours and ships regardless."""
    code_fallback: Literal["template", "fail"] = "template"
    """What a job does when the model's code breaks the policy or the sandboxed render and the
    job did not choose (options.refused_code): ship the template's code, or fail."""
    template_delay_ms: int = Field(default=0, ge=0)
    """Pause per agent step of the offline provider, to mimic LLM latency in demos
    and fault drills. 0 in production."""

    worker_metrics_port: int = Field(default=9101, ge=0, le=65535)
    """Each worker machine serves /metrics here (all its pool processes summed; needs
    PROMETHEUS_MULTIPROC_DIR). 0 turns it off."""
    worker_metrics_host: str = "127.0.0.1"
    """The address the worker's /metrics listens on: this machine only, unless a
    deployment opens it to Prometheus (0.0.0.0, behind a NetworkPolicy)."""

    langsmith_tracing: bool = False
    langsmith_endpoint: str = "https://api.smith.langchain.com"
    langsmith_api_key: SecretStr | None = None
    langsmith_project: str = "componentforge"
    trace_sample_rate: float = Field(default=1.0, ge=0, le=1)
    """Share of jobs traced (decided when the job is accepted)."""
    langsmith_trace_url_template: str = "https://smith.langchain.com/r/{run_id}"
    """trace_url in job results; {run_id}, {trace_id} and {project} are filled in."""

    task_events: bool = True
    """Celery's task events (sent, received, started, succeeded, ...), which Flower and
    celery-exporter read. Off blinds both; batched (below), they cost an L1-hit burst
    little (make bench prints both)."""
    task_events_flush_s: float = Field(default=0.1, gt=0, le=10)
    """How long a worker's task event may wait to be published with others: one broker
    message per batch instead of three per job (workers/observability/task_events.py)."""

    flower_basic_auth: SecretStr | None = None
    """user:password for Flower; deploy/bin/flower.sh refuses to start without it."""

    log_level: str = "INFO"

    # Job events (GET /v1/generations/{id}/events and the long-poll's wake-ups)
    events_keepalive_s: float = Field(default=15.0, gt=0)
    """An event stream sends a `: keep-alive` comment after this long without an event."""
    events_reread_s: float = Field(default=5.0, gt=0)
    """A waiting stream or long-poll re-reads the job at least this often, in case a
    notification was lost (the API's subscriber reconnecting)."""
    streams_per_tenant: int = Field(default=50, ge=1)
    """Event streams and long-polls (wait > 0) one tenant may hold open at once, across
    API processes; one more is refused with 429."""
    stream_slot_lease_s: float = Field(default=30.0, ge=5)
    """A held stream slot lapses this long after its last renewal, so a crashed API
    process does not keep its tenant's slots."""
    stream_idle_s: float = Field(default=300.0, gt=0)
    """An event stream with no new event for this long ends with a `reconnect` event."""
    stream_max_s: float = Field(default=1800.0, gt=0)
    """An event stream ends with a `reconnect` event after this long, whatever happens."""

    # --- webhooks (options.webhook_url; README: Webhooks) --------------------------
    webhook_allow_http: bool = False
    """Local development only: accept http:// webhook URLs (https otherwise)."""
    webhook_allow_private: bool = False
    """Local development only: deliver to private, loopback and link-local addresses
    (refused otherwise, after DNS resolution: workers.webhooks.address_guard)."""
    webhook_timeout_s: float = Field(default=10.0, gt=0)
    """One delivery attempt's total limit: connect, TLS, send, read the whole answer."""
    webhook_retry_scale: float = Field(default=1.0, gt=0)
    """Multiplies the retry schedule (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h): tests
    shrink it (0.01 makes the first retry 50 ms)."""
    webhook_dispatch_interval_s: float = Field(default=1.0, gt=0)
    """How often each worker sends the deliveries that are due to the queue."""
    webhook_queue: str = ""
    """The Celery queue webhook deliveries run from, consumed by every worker beside the
    generation queue; empty means `{GENERATION_QUEUE}.webhooks`."""
    webhook_max_in_flight_per_tenant: int = Field(default=4, ge=1)
    """Webhook deliveries of one tenant published or running at once, across every
    worker; the tenant's others wait their turn (workers.webhooks.schedule)."""

    @field_validator("llm_prices_json")
    @classmethod
    def _prices_parse(cls, value: str) -> str:
        if not value:
            return value
        try:
            table = json.loads(value)
            assert isinstance(table, dict)
            for prices in table.values():
                assert len(prices) == 2 and all(float(p) >= 0 for p in prices)
        except (ValueError, TypeError, AssertionError) as exc:
            raise ValueError(
                'LLM_PRICES_JSON must look like {"model": [input_usd_per_1m, output_usd_per_1m]}'
            ) from exc
        return value

    @field_validator("flower_basic_auth")
    @classmethod
    def _user_and_password(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            user, _, password = value.get_secret_value().partition(":")
            if not user or not password:
                raise ValueError("FLOWER_BASIC_AUTH must be user:password, both non-empty")
        return value

    @model_validator(mode="after")
    def _derive(self) -> Settings:
        if not self.broker_url:
            self.broker_url = self.redis_url
        if not self.cache_redis_url:
            self.cache_redis_url = self.redis_url
        if self.task_soft_time_limit_s >= self.task_time_limit_s:
            raise ValueError(
                "TASK_SOFT_TIME_LIMIT_S must be below TASK_TIME_LIMIT_S so a job can fail "
                "cleanly before the hard kill"
            )
        self._policies = retry_policies.resolve(self.retry_policies)
        if self.job_max_deliveries <= self._policies["task"].attempts:
            raise ValueError(
                "JOB_MAX_DELIVERIES must exceed the task's retry attempts (RETRY_POLICIES "
                '"task"), or retries would be cut off'
            )
        if not self.webhook_queue:
            self.webhook_queue = f"{self.generation_queue}.webhooks"  # core.keys.webhook_queue
        if self.broker_visibility_timeout_s == 0:
            self.broker_visibility_timeout_s = self.task_time_limit_s + 30
        if self.reaper_stale_after_s == 0:
            self.reaper_stale_after_s = self.broker_visibility_timeout_s + self.job_lease_s
        return self

    def retry_policy(self, name: str) -> retry_policies.RetryPolicy:
        """The policy of a dependency, a step or "task" (config/retry_policies.py)."""
        return self._policies[name]

    @property
    def broker_is_redis(self) -> bool:
        return self.broker_url.startswith(("redis://", "rediss://", "unix://"))

    @property
    def broker_is_job_redis(self) -> bool:
        """The broker is REDIS_URL's Redis itself: a job's message can be queued in the
        same round trip (the same script) as its state."""
        return self.broker_is_redis and self.broker_url == self.redis_url


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
