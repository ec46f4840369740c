"""A semaphore that serves its waiters tenant by tenant in turn.

A worker holds hundreds of jobs at once, so a tenant that submits its whole quota puts
hundreds of waiters in front of any scarce part (the Node checkers, a model's call slots).
A plain semaphore serves them in arrival order and another tenant's first job waits behind
all of them; here each tenant with waiters gets the next free slot in turn, so that job
waits for at most one grant per other waiting tenant.

Built on `threading`, which the gevent pool monkey-patches: the same gate serves threads
and greenlets.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

party: ContextVar[str] = ContextVar("fair_gate_party", default="")
"""Whom the current job works for (its tenant): set once per job, read by every gate."""


class FairGate:
    def __init__(self, slots: int) -> None:
        if slots < 1:
            raise ValueError("a gate needs at least one slot")
        self.slots = slots
        self._held = 0
        self._lock = threading.Lock()
        # Waiting parties in the order they get their next turn, each with its waiters.
        self._waiting: OrderedDict[str, deque[threading.Event]] = OrderedDict()

    @property
    def held(self) -> int:
        return self._held

    @property
    def waiting(self) -> int:
        with self._lock:
            return sum(len(queue) for queue in self._waiting.values())

    def acquire(self, who: str | None = None, timeout_s: float | None = None) -> bool:
        """Take a slot for `who` (default: the current `party`); False if none came
        within `timeout_s`."""
        who = party.get() if who is None else who
        with self._lock:
            if self._held < self.slots and not self._waiting:
                self._held += 1
                return True
            turn = threading.Event()
            self._waiting.setdefault(who, deque()).append(turn)
        if turn.wait(timeout_s):
            return True
        with self._lock:
            if turn.is_set():  # granted as the wait ran out: it is ours
                return True
            queue = self._waiting[who]
            queue.remove(turn)
            if not queue:
                del self._waiting[who]
        return False

    def release(self) -> None:
        """Give the slot back: to the next party's first waiter, else to the pool."""
        with self._lock:
            if not self._waiting:
                self._held -= 1
                return
            who, queue = next(iter(self._waiting.items()))
            turn = queue.popleft()
            if queue:
                self._waiting.move_to_end(who)  # its next waiter goes behind the others
            else:
                del self._waiting[who]
            turn.set()  # the slot passes straight to it: `held` is unchanged

    @contextmanager
    def slot(self, who: str | None = None) -> Iterator[None]:
        self.acquire(who)
        try:
            yield
        finally:
            self.release()
