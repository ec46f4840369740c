"""What the worker does differently on Celery's gevent pool (WORKER_POOL=gevent).

A generation waits on its model for seconds and computes for milliseconds: on the gevent
pool each job is a greenlet, so one process keeps hundreds of them waiting while the
CPU-bound checks run in the Node checker processes (workers.chain.quality.typecheck).
`celery worker -P gevent` monkey-patches sockets, threads, `select` and `subprocess`
before the app is imported; this module adds what gevent leaves to the application:
psycopg2 waiting cooperatively, and the soft time limit, which Celery's gevent pool does
not enforce (it has the hard one only).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from select import POLLIN
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded

PG_WAIT_S = 30.0
"""Longest a psycopg2 connection may wait on its socket: more than the 5 s connect
timeout and the 15 s statement timeout (workers.clients), which libpq's own blocking
calls would enforce but its polled form does not."""


def is_green() -> bool:
    """True in a process gevent has monkey-patched (the gevent pool's worker)."""
    if "gevent" not in sys.modules:
        return False
    from gevent import monkey

    return bool(monkey.is_module_patched("socket"))


def patch_psycopg2() -> None:
    """Make psycopg2 yield to other greenlets while Postgres answers, instead of blocking
    the whole process (psycopg2's C code never touches gevent's sockets)."""
    from psycopg2 import extensions

    extensions.set_wait_callback(_green_wait)


def check_redis_readiness_without_yielding() -> None:
    """redis-py asks every pooled connection, before each command, whether it has stray
    data: a poll() with a zero time-out. gevent's poll() switches to the hub even then,
    so every command let every runnable greenlet (the consumer, other jobs) run before it
    was sent. A zero time-out never blocks, so the operating system's poll() answers it;
    any other time-out still waits the gevent way."""
    from gevent import monkey
    from redis._parsers import hiredis

    checked = getattr(hiredis, "_socket_can_read", None)
    if checked is None or getattr(checked, "unyielding", False):
        return  # a redis-py without this helper; or done already
    os_poll = monkey.get_original("select", "poll")

    def can_read(sock: Any, timeout: float | None) -> bool:
        if timeout != 0 or (hasattr(sock, "pending") and sock.pending()):
            return bool(checked(sock, timeout))
        poller = os_poll()
        poller.register(sock, POLLIN)
        return bool(poller.poll(0))

    can_read.unyielding = True  # type: ignore[attr-defined]
    hiredis._socket_can_read = can_read


def _green_wait(connection: Any, timeout: float | None = None) -> None:
    from gevent.socket import wait_read, wait_write
    from psycopg2 import OperationalError, extensions

    while True:
        state = connection.poll()
        if state == extensions.POLL_OK:
            return
        try:
            if state == extensions.POLL_READ:
                wait_read(connection.fileno(), timeout=timeout or PG_WAIT_S)
            elif state == extensions.POLL_WRITE:
                wait_write(connection.fileno(), timeout=timeout or PG_WAIT_S)
            else:
                raise OperationalError(f"psycopg2 poll() returned {state!r}")
        except OSError as exc:  # gevent's time-out is a socket.timeout; the pool drops it
            raise OperationalError(f"Postgres did not answer within {PG_WAIT_S:.0f} s") from exc


def soft_time_limit(seconds: float) -> Any:
    """On the gevent pool, raise SoftTimeLimitExceeded in the job's greenlet after
    `seconds` (as prefork's signal does in its process); elsewhere Celery does it."""
    return _green_soft_limit(seconds) if is_green() else nullcontext()


@contextmanager
def _green_soft_limit(seconds: float) -> Iterator[None]:
    from gevent import Timeout

    timeout = Timeout(seconds, SoftTimeLimitExceeded(f"soft time limit ({seconds:g} s) exceeded"))
    timeout.start()
    try:
        yield
    finally:
        timeout.close()


def dump_greenlets_on(signum: int) -> None:
    """`kill -<signum>` writes every greenlet's stack to stderr (Celery's SIGUSR1 dump
    shows threads, and on this pool the jobs are greenlets, not threads)."""
    import gevent
    from gevent.util import format_run_info

    def dump() -> None:
        sys.stderr.write("\n".join(format_run_info()) + "\n")
        sys.stderr.flush()

    gevent.signal_handler(signum, dump)


FULL_DRAIN_S = 0.05
"""How long the gevent pool's consumer waits for the broker while every slot is taken.
Celery's blocking loop waits 2 s: with no slot free it asks for no message, and a job
that ends frees a slot no one notices until that wait is over."""


class PromptDrain:
    """The consumer's broker connection, waiting at most FULL_DRAIN_S per turn while
    `full()` (so a freed slot is filled at once), and at most 1 s otherwise."""

    def __init__(self, connection: Any, full: Any) -> None:
        self._connection = connection
        self._full = full

    def drain_events(self, timeout: float | None = None, **kwargs: Any) -> Any:
        wait_s = FULL_DRAIN_S if self._full() else 1.0
        return self._connection.drain_events(timeout=min(timeout or wait_s, wait_s), **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)

    def __bool__(self) -> bool:
        return bool(self._connection)


def forget_unsettled(message: Any) -> None:
    """A delivery whose ack or reject could not reach the broker: free its prefetch slot
    here. The broker still holds it unacked and gives it back after its visibility
    timeout; kept, the slot would be lost until the consumer reconnects (with one slot,
    the worker would take no message again)."""
    if message is None or message.acknowledged:
        return
    from kombu.transport import virtual

    qos = getattr(message.channel, "qos", None)
    if isinstance(qos, virtual.QoS) and message.delivery_tag in qos._delivered:
        # The virtual transports' own bookkeeping (the Redis QoS's ack would also call
        # Redis, which just failed): the slot is free, nothing is sent.
        virtual.QoS.ack(qos, message.delivery_tag)
