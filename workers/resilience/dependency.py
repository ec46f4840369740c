"""Each external service as one object: its retry policy, circuit breaker and error
classification together, so "what happens when S3 is down?" has one answer to read.

`S3.call(fn)` runs fn up to its policy's attempts, sleeping a fully jittered backoff (or
the server's Retry-After) between tries of a retryable kind; a step passes its own policy
(`LLM.call(fn, policy="generate_code")`). What still fails is raised to the caller, which
spools, falls back or lets the task retry. The cache Redis is different: a job can do
without it, so `REDIS_CACHE.guarded(op)` never retries and skips the cache when it is down.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

import redis

from config.retry_policies import ErrorKind
from config.settings import get_settings
from core.errors import CircuitOpen
from workers.clients import cache_redis_client
from workers.resilience.circuit_breaker import CircuitBreaker, breaker, tenant_circuit
from workers.resilience.classification import error_kind, is_request_fault, retry_after_s

logger = logging.getLogger(__name__)
T = TypeVar("T")
ANSWER_KINDS: frozenset[ErrorKind] = frozenset({"server_error", "rate_limit"})
"""Failures the service answered with (about what was asked of it), not a silence."""
TENANT_KINDS: frozenset[ErrorKind] = frozenset({"timeout"})
"""Failures a tenant's own requests cause (a huge prompt the model cannot answer in
time), counted against that tenant's circuit when the call names its tenant."""


class Dependency:
    """A service whose failed calls are retried under a policy (config/retry_policies.py)
    and counted by its breaker (`circuit:{name}`, shared by every worker)."""

    def __init__(self, name: str) -> None:
        self.name = name
        """The breaker's service and the default policy's name."""
        self.breaker: CircuitBreaker = breaker(name)

    def kind(self, exc: BaseException) -> ErrorKind | None:
        """Its errors' kind, None when retrying cannot help. Every library's exceptions are
        known in classification.py alone: a call may fail with more than one library's
        (a builtin socket error, our DependencyUnavailable) and tasks classify the same way."""
        return error_kind(exc)

    def is_transient(self, exc: BaseException) -> bool:
        """The call may pass later: worth spooling or retrying the task, not failing the job."""
        return self.kind(exc) is not None

    def call(
        self,
        fn: Callable[[], T],
        *,
        policy: str | None = None,
        part: str | None = None,
        tenant: str | None = None,
    ) -> T:
        """fn's value, retried under `policy` (default: this dependency's own); raises
        CircuitOpen without calling fn while a breaker it passes is open. `part`: what of
        the service the call uses (an LLM's model); the service's answers that fail (5xx,
        429) count against the breaker `{name}:{part}` alone, so one model failing does
        not stop another's calls. `tenant`: whose request it is; what its requests cause
        (timeouts, 4xx refusals) counts against `{name}:tenant:{tenant}` alone, so one
        tenant cannot open every tenant's circuit. The rest (a connection refused or
        reset, or a timeout of a call naming no tenant) counts against the service's own."""
        policy_name = policy or self.name
        rules = get_settings().retry_policy(policy_name)
        part_breaker = breaker(f"{self.name}:{part}") if part else None
        tenant_breaker = breaker(tenant_circuit(self.name, tenant)) if tenant else None
        breakers = [b for b in (self.breaker, part_breaker, tenant_breaker) if b is not None]
        for attempt in range(1, rules.attempts + 1):
            for each in breakers:
                each.before_call()
            try:
                result = fn()
            except CircuitOpen:
                raise
            except Exception as exc:
                kind = self.kind(exc)
                if kind is None:
                    # It answered; the request itself was refused (a 4xx): never the
                    # service's failure, but its tenant's when the request was at fault.
                    self._succeeded(part_breaker)
                    if tenant_breaker is not None and is_request_fault(exc):
                        tenant_breaker.record_failure()
                    raise
                if tenant_breaker is not None and kind in TENANT_KINDS:
                    tenant_breaker.record_failure()
                elif part_breaker is not None and kind in ANSWER_KINDS:
                    self.breaker.record_success()  # the service answered
                    part_breaker.record_failure()
                else:
                    self.breaker.record_failure()
                asked_s = retry_after_s(exc)
                if (
                    kind not in rules.retry_on
                    or attempt == rules.attempts
                    or (asked_s is not None and asked_s > rules.max_retry_after_s)
                ):
                    raise
                delay_s = rules.delay_s(attempt - 1, asked_s)
                logger.info(
                    "%s: %s (%s), try %d of %d in %.2f s",
                    policy_name, self.name, kind, attempt + 1, rules.attempts, delay_s,
                )  # fmt: skip
                time.sleep(delay_s)
            else:
                self._succeeded(part_breaker)
                if tenant_breaker is not None:
                    tenant_breaker.record_success()
                return result
        raise AssertionError("unreachable")  # the loop returns or raises

    def _succeeded(self, part_breaker: CircuitBreaker | None) -> None:
        self.breaker.record_success()
        if part_breaker is not None:
            part_breaker.record_success()


class RedisCache:
    """The cache Redis (CACHE_REDIS_URL): a job goes on without it, so a call is tried
    once and any Redis error, like an open circuit, means "skip the cache"."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.breaker: CircuitBreaker = breaker(name)

    def guarded(self, operation: Callable[[redis.Redis], T]) -> tuple[T | None, bool]:
        """(operation's value, True), or (None, False) when the cache is unavailable."""
        try:
            self.breaker.before_call()
            value = operation(cache_redis_client())
        except CircuitOpen:
            return None, False
        except redis.RedisError as exc:
            self.breaker.record_failure()
            logger.warning("cache unavailable, going on without it: %s", exc)
            return None, False
        self.breaker.record_success()
        return value, True


S3 = Dependency("s3")
POSTGRES = Dependency("postgres")
FIGMA = Dependency("figma")
LLM = Dependency("llm")
REDIS_CACHE = RedisCache("redis_cache")
