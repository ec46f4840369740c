"""Limits on one model behind one provider key, shared by every worker.

- Calls in flight: at most LLM_MAX_IN_FLIGHT, counted in Redis as a sorted set of call
  tokens scored by when each lapses (a dead worker's calls stop counting then).
- Tokens per minute: LLM_TOKENS_PER_MINUTE as a bucket refilled continuously; a call
  reserves its prompt's estimate plus its `max_tokens` and gives back what it did not use.
- The provider's own pauses: a 429 holds every caller of that model and key for its
  Retry-After.

A call that must wait holds no slot while it waits: it sleeps until the pause or the
bucket allows it (the script says how long), or polls while every slot is taken. Within
a process, callers queue at a fair gate (core.fair_gate) of the same size, so one
tenant's hundreds of jobs cannot keep another's first call waiting, and only as many
callers as could hold slots ask Redis at all. Redis not answering: the process's gate
alone limits the calls (the limits are a protection, not a reason to fail a job).
"""

from __future__ import annotations

import hashlib
import logging
import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import redis

from config.settings import get_settings
from core.fair_gate import FairGate
from core.keys import llm_limit_keys
from workers.clients import redis_client
from workers.observability import metrics
from workers.resilience.classification import retry_after_s

logger = logging.getLogger(__name__)
T = TypeVar("T")

FULL_POLL_S = (0.02, 0.1)
"""How long a caller sleeps before asking again while every slot is taken elsewhere."""
LONGEST_PAUSE_S = 60.0
"""A 429's Retry-After is held for at most this long (a bad header cannot stall a model)."""
PAUSE_WITHOUT_RETRY_AFTER_S = 1.0

# KEYS: calls, tokens, pause. ARGV: call token, its lease (ms), cap, tokens per minute
# (0: none), tokens to reserve. Returns {1, 0} when granted, else {0, ms to wait} (-1:
# every slot is taken, ask again soon).
_ACQUIRE = """
local now_s = redis.call('time')
local now = now_s[1] * 1000 + math.floor(now_s[2] / 1000)
local paused = redis.call('pttl', KEYS[3])
if paused > 0 then return {0, paused} end
redis.call('zremrangebyscore', KEYS[1], '-inf', now)
if redis.call('zcard', KEYS[1]) >= tonumber(ARGV[3]) then return {0, -1} end
local per_minute = tonumber(ARGV[4])
if per_minute > 0 then
  local want = math.min(tonumber(ARGV[5]), per_minute)
  local bucket = redis.call('hmget', KEYS[2], 'tokens', 'at')
  local tokens = tonumber(bucket[1]) or per_minute
  local at = tonumber(bucket[2]) or now
  tokens = math.min(per_minute, tokens + (now - at) * per_minute / 60000)
  if tokens < want then return {0, math.ceil((want - tokens) * 60000 / per_minute)} end
  redis.call('hset', KEYS[2], 'tokens', tostring(tokens - want), 'at', now)
  redis.call('pexpire', KEYS[2], 120000)
end
redis.call('zadd', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('pexpire', KEYS[1], tonumber(ARGV[2]) * 2)
return {1, 0}
"""

# KEYS: calls, tokens. ARGV: call token, tokens per minute, tokens to give back (may be
# negative: the call used more than it reserved).
_RELEASE = """
redis.call('zrem', KEYS[1], ARGV[1])
local per_minute = tonumber(ARGV[2])
local back = tonumber(ARGV[3])
if per_minute > 0 and back ~= 0 and redis.call('exists', KEYS[2]) == 1 then
  local tokens = tonumber(redis.call('hget', KEYS[2], 'tokens')) or per_minute
  redis.call('hset', KEYS[2], 'tokens', tostring(math.min(per_minute, tokens + back)))
end
return 1
"""

# KEYS: pause. ARGV: ms. Lengthens the pause, never shortens it.
_PAUSE = """
if redis.call('pttl', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('set', KEYS[1], '1', 'PX', ARGV[1])
end
return 1
"""


@dataclass
class ModelLimits:
    scope: str
    """`{key digest}:{model}`: the provider's limits are per key and model."""
    max_in_flight: int
    tokens_per_minute: int
    call_lease_ms: int
    gate: FairGate = field(init=False)

    def __post_init__(self) -> None:
        self.gate = FairGate(self.max_in_flight)
        self._keys = llm_limit_keys(self.scope)

    @property
    def model(self) -> str:
        return self.scope.partition(":")[2]

    def call(self, fn: Callable[[], T], *, reserve: int, used: Callable[[T], int]) -> T:
        """fn's value, called inside the limits; `reserve`: the tokens the call may take
        at most, `used(result)`: what it took."""
        asked = time.monotonic()
        with self.gate.slot():
            token = self._acquire(reserve)
            metrics.LLM_LIMIT_WAIT.labels(model=self.model).observe(time.monotonic() - asked)
            spent = 0
            try:
                with metrics.LLM_CALLS_IN_FLIGHT.labels(model=self.model).track_inprogress():
                    result = fn()
                spent = used(result)
                return result
            except Exception as exc:
                if getattr(exc, "status_code", None) == 429:
                    self.pause(_retry_after_s(exc))
                raise
            finally:
                self._release(token, reserve - spent)

    def pause(self, seconds: float) -> None:
        """Hold every caller of this model and key for `seconds` (a 429's Retry-After)."""
        ms = max(1, round(min(seconds, LONGEST_PAUSE_S) * 1000))
        self._run(_PAUSE, [self._keys[2]], [ms])

    def _acquire(self, reserve: int) -> str | None:
        """A call token once a slot and the tokens are ours; None when Redis did not
        answer (the call goes ahead under the process's gate alone)."""
        token = uuid.uuid4().hex
        waited_on_pause = False
        while True:
            answer = self.try_acquire(token, reserve)
            if answer is None:
                return None
            granted, wait_ms = answer
            if granted:
                return token
            if wait_ms < 0:
                time.sleep(random.uniform(*FULL_POLL_S))
                continue
            if not waited_on_pause:
                logger.info("llm %s: waiting %.1f s (provider pause or token budget)",
                            self.scope, wait_ms / 1000)  # fmt: skip
                waited_on_pause = True
            time.sleep(wait_ms / 1000 * random.uniform(1.0, 1.1))

    def try_acquire(self, token: str, reserve: int) -> tuple[bool, int] | None:
        """One ask: (True, 0) when the slot and the tokens are the call's, else (False,
        ms to wait; -1 while every slot is taken); None when Redis did not answer."""
        answer = self._run(
            _ACQUIRE,
            list(self._keys),
            [token, self.call_lease_ms, self.max_in_flight, self.tokens_per_minute, reserve],
        )
        return None if answer is None else (bool(answer[0]), int(answer[1]))

    def _release(self, token: str | None, back: int) -> None:
        if token is not None:
            self._run(_RELEASE, list(self._keys[:2]), [token, self.tokens_per_minute, back])

    def _run(self, script: str, keys: list[str], args: list[object]) -> list[int] | None:
        try:
            return redis_client().eval(script, len(keys), *keys, *args)  # type: ignore[no-any-return]
        except redis.RedisError as exc:
            logger.warning(
                "llm %s: the call limits could not be read (%s); this process's own gate "
                "alone limits its calls", self.scope, exc.__class__.__name__,
            )  # fmt: skip
            return None


def _retry_after_s(exc: BaseException) -> float:
    asked = retry_after_s(exc)
    return PAUSE_WITHOUT_RETRY_AFTER_S if asked is None else asked


_limits: dict[str, ModelLimits] = {}
_lock = threading.Lock()


def scope(base_url: str, api_key: str, model: str) -> str:
    """Names the key by a digest: the key itself never reaches Redis."""
    digest = hashlib.sha256(f"{base_url}\0{api_key}".encode()).hexdigest()[:16]
    return f"{digest}:{model}"


def limits_for(base_url: str, api_key: str, model: str) -> ModelLimits:
    """This process's limits of `model` on that endpoint and key."""
    name = scope(base_url, api_key, model)
    with _lock:
        if name not in _limits:
            settings = get_settings()
            _limits[name] = ModelLimits(
                name,
                max_in_flight=settings.llm_max_in_flight,
                tokens_per_minute=settings.llm_tokens_per_minute,
                call_lease_ms=round((settings.openai_timeout_s + 5) * 1000),
            )
        return _limits[name]


def prompt_tokens_estimate(messages: list[dict[str, str]]) -> int:
    """A prompt's tokens, over-estimated (about four characters a token in English and
    JSON; three here, so the budget errs on the safe side)."""
    return sum(len(m.get("content", "")) for m in messages) // 3 + 8 * len(messages)
