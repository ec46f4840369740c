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
    import psycopg2
    from psycopg2 import extensions

    extensions.set_wait_callback(_green_wait)
    del psycopg2


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
