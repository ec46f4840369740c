"""Calling a dependency under its retry policy and circuit breaker.

`call("generate_code", "llm", fn)` runs fn up to the policy's attempts, sleeping a fully
jittered backoff (or the server's Retry-After) between tries of a retryable kind. What
still fails is raised to the caller, which spools, falls back or lets the task retry.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from config.settings import get_settings
from core.errors import CircuitOpen
from workers.resilience.circuit_breaker import breaker
from workers.resilience.classification import error_kind, retry_after_s

logger = logging.getLogger(__name__)
T = TypeVar("T")


def call(policy_name: str, service: str, fn: Callable[[], T]) -> T:
    policy = get_settings().retry_policy(policy_name)
    circuit = breaker(service)
    for attempt in range(1, policy.attempts + 1):
        circuit.before_call()  # raises CircuitOpen: no call while the dependency is known down
        try:
            result = fn()
        except CircuitOpen:
            raise
        except Exception as exc:
            kind = error_kind(exc)
            if kind is None:
                circuit.record_success()  # it answered; the request itself was refused
                raise
            circuit.record_failure()
            asked_s = retry_after_s(exc)
            if (
                kind not in policy.retry_on
                or attempt == policy.attempts
                or (asked_s is not None and asked_s > policy.max_retry_after_s)
            ):
                raise
            delay = policy.delay_s(attempt - 1, asked_s)
            logger.info(
                "%s: %s (%s), try %d of %d in %.2f s",
                policy_name, service, kind, attempt + 1, policy.attempts, delay,
            )  # fmt: skip
            time.sleep(delay)
        else:
            circuit.record_success()
            return result
    raise AssertionError("unreachable")  # the loop returns or raises
