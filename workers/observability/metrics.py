"""Prometheus metrics, named as DESIGN.md fixes them (dashboards and alerts use these).

Worker processes and API processes each count into these. With several processes per
machine (prefork pool, uvicorn workers) PROMETHEUS_MULTIPROC_DIR must be set to an empty
directory before start; workers.observability.exposition then serves the sum.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

# Seconds, from a cache hit (ms) to a slow LLM generation (minutes).
LATENCY_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 90, 120, 180)

GENERATION_LATENCY = Histogram(
    "generation_latency_seconds",
    "Job duration from start of work to end state",
    ["component_type", "cache_layer"],
    buckets=LATENCY_BUCKETS_S,
)
GENERATION_COST = Counter(
    "generation_cost_dollars", "Money spent on paid calls", ["component_type", "api"]
)
GENERATION_SUCCESS = Counter("generation_success", "Jobs that succeeded", ["component_type"])
GENERATION_FAILURE = Counter(
    "generation_failure", "Jobs that failed", ["component_type", "error_type"]
)
CACHE_HITS = Counter("cache_hits", "Cache lookups that found an entry", ["layer"])
CACHE_MISSES = Counter("cache_misses", "Cache lookups that found none", ["layer"])
CACHE_SIMILARITY = Histogram(
    "cache_similarity",
    "Cosine similarity of the nearest entry an L2 lookup found",
    ["layer"],
    buckets=(0.5, 0.7, 0.8, 0.85, 0.9, 0.92, 0.94, 0.96, 0.98, 0.99, 1.0),
)
SINGLE_FLIGHT_WAITS = Counter(
    "single_flight_waits", "Re-queues of jobs waiting for an identical job's generation"
)
SINGLE_FLIGHT_COALESCED = Counter(
    "single_flight_coalesced", "Jobs finished from an identical job's generation they waited for"
)
CACHE_SAVED = Counter(
    "cache_saved_dollars", "What the generations a cache hit replaced had cost", ["layer"]
)
AGENT_STEP_DURATION = Histogram(
    "agent_step_duration_seconds", "Duration of one agent step", ["step"],
    buckets=LATENCY_BUCKETS_S,
)  # fmt: skip
LLM_TOKENS = Counter(
    "llm_tokens", "Tokens sent to and received from LLMs", ["provider", "model", "kind"]
)
TRACE_EXPORT_FAILURES = Counter(
    "trace_export_failures", "Job traces that could not be sent to LangSmith"
)
# Set only by the spool replay, a thread of the worker's main process (not a pool process):
# its latest count is the truth.
SPOOL_PENDING = Gauge(
    "spool_pending_items", "Items waiting in a local spool", ["spool"],
    multiprocess_mode="mostrecent",
)  # fmt: skip
# Counted by the reaper, a thread of the worker's main process (workers.resilience.reaper).
JOBS_REAPED = Counter(
    "jobs_reaped", "Orphaned jobs (no lease, no message) the reaper re-queued or failed",
    ["action"],
)  # fmt: skip
# A worker's jobs being run now (waiting on a model or computing): what KEDA scales on.
# livesum: a pool process that dies stops counting.
JOBS_IN_FLIGHT = Gauge(
    "worker_jobs_in_flight", "Jobs a worker runs now", multiprocess_mode="livesum"
)
LLM_CALLS_IN_FLIGHT = Gauge(
    "llm_calls_in_flight", "Calls to a model being answered now", ["model"],
    multiprocess_mode="livesum",
)  # fmt: skip
LLM_LIMIT_WAIT = Histogram(
    "llm_limit_wait_seconds",
    "How long a model call waited for a slot, its tokens or a provider's pause",
    ["model"],
    buckets=(0.001, 0.01, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60),
)
HTTP_REQUESTS = Counter("http_requests", "HTTP requests answered", ["method", "endpoint", "status"])
HTTP_REQUEST_DURATION = Histogram(
    "http_request_duration_seconds", "HTTP request duration", ["method", "endpoint"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)  # fmt: skip
AUTH_FAILURES = Counter(
    "auth_failures", "Requests refused for their credentials (missing, malformed, unknown, "
    "revoked, role)", ["reason"],
)  # fmt: skip
# Counted by generate_code when a provider's code breaks the code policy (the rule is one
# of workers.chain.quality.policy's short names); the template's code replaces it.
CODE_POLICY_VIOLATIONS = Counter(
    "code_policy_violations", "Findings of the code policy in a provider's generated code",
    ["rule"],
)  # fmt: skip
QUOTA_REFUSALS = Counter(
    "quota_refusals", "Submissions refused by a tenant's quota or budget", ["tenant", "kind"]
)
# Counted once per cancelled job, by whoever ends it (the API for a queued job, the
# worker for a running one).
GENERATION_CANCELLED = Counter("generation_cancelled", "Jobs ended cancelled on request")
# Counted once per webhook delivery attempt (workers.webhooks.delivery), by its outcome:
# delivered, failed, refused or retrying.
WEBHOOK_DELIVERIES = Counter(
    "webhook_deliveries", "Webhook delivery attempts, by outcome", ["outcome"]
)
# Counted by each worker's webhook dispatcher (workers.webhooks.dispatcher): due
# deliveries put back because their tenant had WEBHOOK_MAX_IN_FLIGHT_PER_TENANT in flight.
WEBHOOK_DEFERRED = Counter(
    "webhook_deliveries_deferred",
    "Due webhook deliveries put back: their tenant had its most in flight",
)
# Counted on each L3 hit (workers.storage.pattern_cache); pattern ids come from the fixed
# pattern library, so the label set stays small.
PATTERN_CACHE_HITS = Counter(
    "pattern_cache_hits", "L3 pattern cache hits, by pattern", ["pattern_id"]
)
# Counted by the L3 pre-compute, a thread of the worker's main process
# (workers.storage.pattern_precompute).
PATTERN_PRECOMPUTED = Counter(
    "pattern_precomputed", "L3 entries styled ahead of need by the pre-compute sweep"
)
