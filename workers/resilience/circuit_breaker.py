"""Circuit breakers for the LLM provider, Figma, the Redis cache, S3 and Postgres.

A dependency that failed CIRCUIT_FAILURE_THRESHOLD times within CIRCUIT_FAILURE_WINDOW_S
is "open": calls are refused at once (the caller retries later, spools or skips) for
CIRCUIT_OPEN_S; then one call is let through as a probe ("half-open"), whose success
closes the circuit and whose failure opens it again.

State is one Redis hash per service, `circuit:{service}`, so every worker process and
machine sees the same circuit. When Redis itself does not answer, each process keeps
its own state until it does. A closed circuit costs no round trip: each process reuses
what it last read for up to SNAPSHOT_TTL_S.

The LLM has a circuit per model too (`llm:{model}`, Dependency.call's `part`): a model
answering 500 opens its own, not every model's; a 4xx never counts as the model's
failure. And one per tenant (`llm:tenant:{tenant}`, Dependency.call's `tenant`): what a
tenant's own requests cause (timeouts, 4xx refusals) opens that tenant's circuit alone,
so one tenant's huge prompts cannot stop every tenant's jobs.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import redis

from config.settings import get_settings
from core.errors import CircuitOpen
from core.keys import CIRCUIT_PARTS, circuit_key
from workers.clients import circuit_redis_client

logger = logging.getLogger(__name__)

SERVICES = ("llm", "figma", "redis_cache", "s3", "postgres")
PARTED = frozenset({"llm"})
"""Services with a circuit per part too (`llm:{model}`), listed in CIRCUIT_PARTS once one
has failed."""
CLOSED, HALF_OPEN, OPEN = "closed", "half_open", "open"
GAUGE_VALUES = {CLOSED: 0, HALF_OPEN: 1, OPEN: 2}  # DESIGN.md's circuit_breaker_state
SNAPSHOT_TTL_S = 1.0
Change = Callable[["Circuit"], "Circuit | None"]


@dataclass(frozen=True)
class Circuit:
    state: str = CLOSED
    failures: int = 0
    window_started: float = 0.0
    until: float = 0.0
    """Open: calls refused until then. Half-open: the probe's deadline."""

    @classmethod
    def from_fields(cls, raw: dict[str, str]) -> Circuit:
        if not raw:
            return cls()
        return cls(
            state=raw.get("state", CLOSED),
            failures=int(raw.get("failures", 0)),
            window_started=float(raw.get("window_started", 0)),
            until=float(raw.get("until", 0)),
        )

    def as_fields(self) -> dict[str, str]:
        return {k: str(v) for k, v in dataclasses.asdict(self).items()}

    @property
    def quiet(self) -> bool:
        """Closed with no recent failure: nothing a success would need to reset."""
        return self.state == CLOSED and self.failures == 0


# --- transitions (pure; the same for the shared and the local store) ------------------


def _admit(circuit: Circuit, now: float, open_s: float) -> Circuit | None:
    """The circuit after letting one call through, or None to refuse it."""
    if circuit.state == CLOSED:
        return circuit
    if now < circuit.until:
        return None  # open, or another caller's probe is in flight
    # Open long enough, or a probe that never reported back: this call probes.
    return dataclasses.replace(circuit, state=HALF_OPEN, until=now + open_s)


def _failed(
    circuit: Circuit, now: float, threshold: int, window_s: float, open_s: float
) -> Circuit:
    if circuit.state == HALF_OPEN:
        return Circuit(state=OPEN, until=now + open_s)
    if circuit.state == OPEN:
        return circuit  # a call from before it opened
    fresh = now - circuit.window_started > window_s
    failures = 1 if fresh else circuit.failures + 1
    if failures >= threshold:
        return Circuit(state=OPEN, until=now + open_s)
    return Circuit(failures=failures, window_started=now if fresh else circuit.window_started)


# --- stores -------------------------------------------------------------------------


class _LocalStore:
    """This process's own circuits: used while the shared store is unreachable."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._circuits: dict[str, Circuit] = {}

    def read(self, service: str) -> Circuit:
        return self._circuits.get(service, Circuit())

    def update(self, service: str, change: Change) -> tuple[Circuit, Circuit | None]:
        with self._lock:
            old = self.read(service)
            new = change(old)
            if new is not None:
                self._circuits[service] = new
            return old, new


class _RedisStore:
    def read(self, service: str) -> Circuit:
        return Circuit.from_fields(circuit_redis_client().hgetall(circuit_key(service)))

    def update(self, service: str, change: Change) -> tuple[Circuit, Circuit | None]:
        """Apply `change` atomically (optimistic: WATCH, and again if another process won)."""
        key = circuit_key(service)
        with circuit_redis_client().pipeline(transaction=True) as pipe:
            while True:
                try:
                    pipe.watch(key)
                    old = Circuit.from_fields(pipe.hgetall(key))
                    new = change(old)
                    if new is None or new == old:
                        pipe.unwatch()
                        return old, new
                    pipe.multi()
                    pipe.delete(key)
                    if not new.quiet:
                        pipe.hset(key, mapping=new.as_fields())
                        if ":" in service:
                            pipe.sadd(CIRCUIT_PARTS, service)
                    pipe.execute()
                    return old, new
                except redis.WatchError:
                    continue


_shared = _RedisStore()
_local = _LocalStore()
SHARED_RETRY_S = 1.0
"""After Redis failed, this process uses its local circuits this long before asking again."""
_shared_down_until = 0.0


def _store() -> _RedisStore | _LocalStore:
    return _local if time.monotonic() < _shared_down_until else _shared


def _shared_failed(exc: redis.RedisError) -> None:
    global _shared_down_until
    if time.monotonic() >= _shared_down_until:
        logger.warning("circuits kept in this process: Redis did not answer (%s)", exc)
    _shared_down_until = time.monotonic() + SHARED_RETRY_S


class CircuitBreaker:
    def __init__(self, service: str) -> None:
        self.service = service
        self._snapshot: tuple[float, Circuit] | None = None  # (read at, circuit)

    def before_call(self) -> None:
        """Raise CircuitOpen when this call must not reach the dependency."""
        now = time.time()
        circuit = self._read()
        if circuit.state == CLOSED:
            return
        if now < circuit.until:  # still open (or probing) as last read: no round trip
            raise CircuitOpen(self.service, retry_after_s=circuit.until - now)
        open_s = get_settings().circuit_open_s
        old, admitted = self._apply(lambda c: _admit(c, now, open_s))
        if admitted is None:
            raise CircuitOpen(self.service, retry_after_s=max(old.until - now, 0.0))
        if admitted is not old:
            logger.info("circuit %s half-open: this call probes the dependency", self.service)

    def record_success(self) -> None:
        if self._read().quiet:
            return
        old, _ = self._apply(lambda c: None if c.quiet else Circuit())
        if old.state != CLOSED:
            logger.warning("circuit %s closed: the dependency answered again", self.service)

    def record_failure(self) -> None:
        s = get_settings()
        now = time.time()
        old, new = self._apply(
            lambda c: _failed(
                c, now, s.circuit_failure_threshold, s.circuit_failure_window_s, s.circuit_open_s
            )
        )
        if new is not None and new.state == OPEN and old.state != OPEN:
            logger.warning(
                "circuit %s open for %.0f s after repeated failures", self.service, s.circuit_open_s
            )

    def _read(self) -> Circuit:
        """The circuit as last read, re-read when older than SNAPSHOT_TTL_S."""
        now = time.time()
        if self._snapshot is None or now - self._snapshot[0] >= SNAPSHOT_TTL_S:
            try:
                circuit = _store().read(self.service)
            except redis.RedisError as exc:
                _shared_failed(exc)
                circuit = _local.read(self.service)
            self._snapshot = (now, circuit)
        return self._snapshot[1]

    def _apply(self, change: Change) -> tuple[Circuit, Circuit | None]:
        try:
            old, new = _store().update(self.service, change)
        except redis.RedisError as exc:
            _shared_failed(exc)
            old, new = _local.update(self.service, change)
        self._snapshot = (time.time(), new if new is not None else old)
        return old, new


_breakers: dict[str, CircuitBreaker] = {}


TENANT_PART = "tenant:"
"""A tenant's circuit is the part `tenant:{tenant}` of its service (`llm:tenant:acme`)."""


def tenant_circuit(service: str, tenant: str) -> str:
    """The circuit of `tenant`'s calls to `service` (one of PARTED)."""
    return f"{service}:{TENANT_PART}{tenant}"


def breaker(service: str) -> CircuitBreaker:
    """This process's breaker for `service` (its state is shared through Redis): one of
    SERVICES, or a part of one, `llm:{model}` or `llm:tenant:{tenant}`."""
    if service not in SERVICES and service.partition(":")[0] not in PARTED:
        raise ValueError(f"unknown circuit {service!r}")
    if service not in _breakers:
        _breakers[service] = CircuitBreaker(service)
    return _breakers[service]


def read_all(client: redis.Redis) -> dict[str, Circuit]:
    """Every service's shared circuit and every part's that has failed (for /readyz and
    /metrics), in two round trips."""
    services = [*SERVICES, *sorted(client.smembers(CIRCUIT_PARTS))]
    pipe = client.pipeline(transaction=False)
    for service in services:
        pipe.hgetall(circuit_key(service))
    return {s: Circuit.from_fields(raw) for s, raw in zip(services, pipe.execute(), strict=True)}
