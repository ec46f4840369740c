"""Every Redis name the system uses, in one place (DESIGN.md fixes them): job state, its
end channel, its event stream and change channel, the live-job index, idempotency
claims, tenants' quotas and spend, leases, circuit breakers, the reaper's lock, the L0/L1/L3
caches, the dead-letter queue and webhook deliveries (due, in flight, their queue).
Changing one orphans what is already stored under the old name."""

from __future__ import annotations

L1_PREFIX = "exact:"
"""L1 entries are `exact:{sha256}` (core.cache_key computes the hash)."""
DONE_CHANNEL_PATTERN = "job-done:*"
"""Every job's end channel, for a subscriber that follows many jobs."""
LIVE_JOBS = "jobs:live"
"""Sorted set of the jobs not yet ended, scored by their last progress (unix seconds):
the reaper's index (workers.resilience.reaper), so it never scans every `job:*`."""


CIRCUIT_PARTS = "circuits:parts"
"""Set of the per-part circuits seen (`llm:{model}`), so /readyz and /metrics list them
without scanning the keyspace."""


def quota_rate_key(tenant: str) -> str:
    """Sorted set of a tenant's admitted submissions in the rate window, scored by time
    (unix seconds): a sliding window log (api.quotas)."""
    return f"quota:{tenant}:rate"


def tenant_live_key(tenant: str) -> str:
    """Sorted set of a tenant's jobs in flight (queued or running), scored by acceptance
    time: its in-flight cap counts these; job_state.finish removes a job."""
    return f"tenant:{tenant}:live"


TENANT_LIVE_AROUND = ("tenant:", ":live")
"""tenant_live_key's name around the tenant, for a script that reads the tenant from a
job's hash (job_state.finish)."""


def tenant_ended_key(tenant: str) -> str:
    """Sorted set of a tenant's ended jobs whose state Redis still keeps, scored by end
    time: past ENDED_JOBS_KEPT_PER_TENANT, job_state.finish drops the oldest ones' hash
    and events (the row answers their status), so one tenant's ended jobs cannot fill
    the job Redis whatever its rate."""
    return f"tenant:{tenant}:ended"


TENANT_ENDED_SUFFIX = ":ended"
"""tenant_ended_key's name after the tenant (before it: TENANT_LIVE_AROUND[0])."""


def spend_key(tenant: str, month: str) -> str:
    """A tenant's paid spend (USD, a float) in month `YYYY-MM`: a running counter of its
    costs rows, rebuilt from Postgres when missing (workers.storage.spend)."""
    return f"spend:{tenant}:{month}"


def budget_holds_key(tenant: str) -> str:
    """A tenant's budget reservations: a hash, job id -> "<USD>|<expires at, unix s>", one
    per paid job admitted and not yet settled (workers.storage.budget_holds)."""
    return f"budget-holds:{tenant}"


def reaper_lock_key(queue: str) -> str:
    """Held (SET NX PX) by the one worker sweeping `queue`'s orphaned jobs this interval."""
    return f"reaper:lock:{queue}"


def job_key(job_id: str) -> str:
    """The live state hash of a job (core.state)."""
    return f"job:{job_id}"


def done_channel(job_id: str) -> str:
    """Pub/sub channel that hears the job's end status, for clients that would rather
    be told than poll."""
    return f"job-done:{job_id}"


def events_key(job_id: str) -> str:
    """Stream of the job's state changes (status, stage, cache_layer, attempts, at), the
    last ~JOB_EVENTS_MAXLEN, expiring with the job's hash: what
    GET /v1/generations/{id}/events sends and resumes from (workers.storage.job_events)."""
    return f"job-events:{job_id}"


def paid_calls_key(job_id: str) -> str:
    """Hash of the job's paid calls so far, of every attempt (workers.storage.paid_calls):
    what a job that failed, retried or was redelivered is billed for."""
    return f"paid-calls:{job_id}"


def changed_channel(job_id: str) -> str:
    """Pub/sub channel told (the new stream entry's id) each time the job's state changes,
    so API processes wake its waiters instead of polling (api.job_notifications)."""
    return f"job-changed:{job_id}"


CHANGED_CHANNEL_PATTERN = "job-changed:*"
"""Every job's change channel: the one PSUBSCRIBE of each API process."""
JOB_EVENTS_MAXLEN = 100
"""About how many events a job's stream keeps (XADD MAXLEN ~): far more than one job
makes, so a resume never misses one."""


def webhooks_due_key(queue: str) -> str:
    """Sorted set of the jobs whose webhook delivery is due on `queue`, scored by when
    (unix milliseconds): job_state.finish adds a job in its end transaction, each
    worker sends the due ones to the queue (workers.webhooks.schedule)."""
    return f"webhooks:due:{queue}"


def webhook_slots_key(tenant: str) -> str:
    """Sorted set of a tenant's webhook deliveries in flight (job id -> when its slot
    lapses, unix ms), at most WEBHOOK_MAX_IN_FLIGHT_PER_TENANT: taken when a delivery is
    published, given back when its attempt ends; a crashed worker's slot lapses
    (workers.webhooks.schedule)."""
    return f"webhooks:in-flight:{tenant}"


def webhook_queue(generation_queue: str) -> str:
    """The Celery queue of the webhook deliveries of `generation_queue`'s jobs, so a slow
    receiver never waits in the generation queue (WEBHOOK_QUEUE overrides it)."""
    return f"{generation_queue}.webhooks"


WEBHOOK_QUEUE_SUFFIX = webhook_queue("")


def webhook_key(job_id: str) -> str:
    """A job's pending webhook delivery (url, tenant, event, attempts), kept until its
    last attempt: it outlives the job's hash when retries run for hours."""
    return f"webhook:{job_id}"


def idempotency_key(tenant: str, key: str) -> str:
    """A tenant's Idempotency-Key claim: `{body sha256}:{job id}` (another tenant's key
    of the same text is another claim)."""
    return f"idem:{tenant}:{key}"


def inflight_key(cache_key: str) -> str:
    """Single-flight claim: the job id generating for L1 key `cache_key` while it runs,
    so identical jobs wait for its entry instead of generating too
    (workers.storage.single_flight)."""
    return f"inflight:{cache_key}"


def lease_key(job_id: str) -> str:
    """The lease of the delivery running a job (workers.resilience.lease)."""
    return f"lease:job:{job_id}"


def circuit_key(service: str) -> str:
    """A dependency's circuit breaker hash (workers.resilience.circuit_breaker)."""
    return f"circuit:{service}"


def llm_limit_keys(scope: str) -> tuple[str, str, str]:
    """One model behind one provider key (`scope`: `{key digest}:{model}`): the sorted set
    of its calls in flight (token -> lapse time, ms), its tokens-per-minute bucket (hash:
    tokens, at) and the pause a 429 asked for (a key whose TTL is the Retry-After)
    (workers.chain.providers.model_limits)."""
    return f"llm:{scope}:calls", f"llm:{scope}:tokens", f"llm:{scope}:pause"


def figma_key(tenant: str, file_key: str, version: str, endpoint: str) -> str:
    """L0: one Figma API answer (`file` or `styles`) of one version of a file, as the
    tenant's token read it (another tenant must not be served a private file from the
    cache). Keyed by version, an entry is never stale: an edit makes a new version."""
    return f"figma:{tenant}:{file_key}@{version}:{endpoint}"


def figma_index_key(tenant: str, file_key: str) -> str:
    """Set of a tenant's L0 keys of a file, every version's (expiring with the newest):
    what DELETE /v1/cache/figma/{file_key} drops, without scanning the keyspace."""
    return f"figma-index:{tenant}:{file_key}"


def figma_version_key(tenant: str, file_key: str) -> str:
    """A file's current Figma version as the tenant's token last read it (a shallow
    request), kept FIGMA_VERSION_TTL_S: what its jobs' L1 keys and L0 entries name."""
    return f"figma-version:{tenant}:{file_key}"


def dead_letter_queue(origin: str) -> str:
    """Where messages from queue `origin` that cannot or will no longer run wait."""
    return f"{origin}.dead"


def pattern_key(pattern_id: str, tokens_hash: str) -> str:
    """L3: a library pattern styled for one token set (workers.storage.pattern_cache
    computes `tokens_hash` over tenant, tokens and generator version, so tenants never
    share an entry)."""
    return f"pattern:{pattern_id}:{tokens_hash}"


def pattern_tokens_key(tokens_hash: str) -> str:
    """The token set (and its tenant) behind an L3 `tokens_hash`, kept longer than the
    entries so the pre-compute can style a pattern for it again."""
    return f"pattern-tokens:{tokens_hash}"


PATTERN_USAGE = "pattern-usage"
"""Sorted set of `{pattern_id}:{tokens_hash}` scored by recent use (stores and hits),
decayed each pre-compute sweep: what workers.storage.pattern_precompute keeps warm."""
PATTERN_HITS = "pattern-hits"
"""Hash pattern_id -> L3 hits ever counted (workers.storage.pattern_cache.hit_counts)."""
PATTERN_PRECOMPUTE_LOCK = "pattern-precompute:lock"
"""Held (SET NX PX) by the one worker running the L3 pre-compute sweep this interval."""


def batch_key(batch_id: str) -> str:
    """A batch's Redis copy (workers.storage.batches): its tenant, creation time and
    member job ids, expiring with its jobs' state; the batches row is the lasting one."""
    return f"batch:{batch_id}"


def auth_failures_key(client_address: str) -> str:
    """Count of a client address's refused API keys in the current minute (expires with
    it): api.auth answers 429 past AUTH_FAILURES_PER_MINUTE."""
    return f"auth-failures:{client_address}"


def stream_slots_key(tenant: str) -> str:
    """Sorted set of a tenant's open event streams and long-polls, scored by when each
    slot's lease lapses (unix seconds): api.stream_slots caps them at STREAMS_PER_TENANT."""
    return f"stream-slots:{tenant}"
