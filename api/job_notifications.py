"""One pub/sub subscriber per API process, waking the requests that wait on a job.

It PSUBSCRIBEs `job-changed:*` (workers.storage.job_events announces every change
there) and sets the asyncio.Event of each waiter of the job named. Waiters register
before they read the job, so a change between their read and their wait still wakes
them. When Redis drops the subscription it reconnects with backoff, and wakes every
waiter on each (re)subscription: what changed meanwhile was not announced to it.
While it is not subscribed, waits are capped at POLL_WHILE_DOWN_S (polling, as before).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Iterator
from typing import Any

import redis.asyncio as aioredis

from core.keys import CHANGED_CHANNEL_PATTERN

logger = logging.getLogger(__name__)

POLL_WHILE_DOWN_S = 0.25
"""Longest wait without a subscription: waiters poll the job at this pace meanwhile."""
BACKOFF_FIRST_S = 0.1
BACKOFF_MAX_S = 5.0
IDLE_PING_S = 10.0
"""A subscription that heard nothing for this long is PINGed: a dead one then fails."""


def subscriber_name() -> str:
    """The subscription's CLIENT SETNAME: which API process holds it (CLIENT LIST)."""
    return f"job-notifications:{os.getpid()}"


class Waiter:
    """One request's wake-up for one job."""

    def __init__(self, owner: JobNotifications) -> None:
        self._owner = owner
        self._event = asyncio.Event()

    def wake(self) -> None:
        self._event.set()

    async def wait(self, timeout_s: float) -> bool:
        """Wait for a change (True) or `timeout_s` (False); the wake-up is consumed."""
        if not self._owner.subscribed:
            timeout_s = min(timeout_s, POLL_WHILE_DOWN_S)
        try:
            await asyncio.wait_for(self._event.wait(), max(timeout_s, 0))
        except TimeoutError:
            return False
        self._event.clear()
        return True


class JobNotifications:
    def __init__(self, redis_url: str) -> None:
        self._redis_url = redis_url
        self._waiters: dict[str, set[Waiter]] = {}
        self._task: asyncio.Task[None] | None = None
        self.subscribed = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._listen(), name="job-notifications")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    @contextlib.contextmanager
    def watch(self, job_id: str) -> Iterator[Waiter]:
        """A waiter for `job_id`'s changes, removed when the block ends (however it ends:
        a client that went away leaves nothing behind)."""
        waiter = Waiter(self)
        self._waiters.setdefault(job_id, set()).add(waiter)
        try:
            yield waiter
        finally:
            waiters = self._waiters.get(job_id)
            if waiters is not None:
                waiters.discard(waiter)
                if not waiters:
                    del self._waiters[job_id]

    def waiting(self) -> int:
        """How many waiters are registered (all jobs)."""
        return sum(len(waiters) for waiters in self._waiters.values())

    def _wake(self, job_id: str) -> None:
        for waiter in self._waiters.get(job_id, ()):
            waiter.wake()

    def _wake_all(self) -> None:
        for waiters in self._waiters.values():
            for waiter in waiters:
                waiter.wake()

    async def _listen(self) -> None:
        prefix = CHANGED_CHANNEL_PATTERN.removesuffix("*")
        backoff_s = BACKOFF_FIRST_S
        while True:
            client = aioredis.Redis.from_url(
                self._redis_url,
                decode_responses=True,
                socket_connect_timeout=5,
                socket_keepalive=True,
                client_name=subscriber_name(),
            )
            pubsub = client.pubsub()
            try:
                await pubsub.psubscribe(CHANGED_CHANNEL_PATTERN)
                while True:
                    message = await pubsub.get_message(timeout=IDLE_PING_S)
                    if message is None:
                        await pubsub.ping()
                    elif message["type"] == "pmessage":
                        self._wake(str(message["channel"]).removeprefix(prefix))
                    elif message["type"] == "psubscribe":
                        # Subscribed, or subscribed again by the client's own reconnect:
                        # changes in between were not heard, so everyone re-reads.
                        self.subscribed = True
                        backoff_s = BACKOFF_FIRST_S
                        self._wake_all()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # any failure: resubscribe, never stop listening
                logger.warning(
                    "job notifications: subscription lost (%s); resubscribing in %.1f s",
                    exc, backoff_s,
                )  # fmt: skip
            finally:
                self.subscribed = False
                self._wake_all()
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                    await client.aclose()
            await asyncio.sleep(backoff_s)
            backoff_s = min(backoff_s * 2, BACKOFF_MAX_S)


_unstarted: JobNotifications | None = None


def notifications_of(app: Any) -> JobNotifications:
    """The app's subscriber (api.main starts it); an app run without its lifespan (a
    TestClient not entered) gets one never started, whose waits poll."""
    notifications = getattr(app.state, "job_notifications", None)
    if notifications is not None:
        return notifications  # type: ignore[no-any-return]
    global _unstarted
    if _unstarted is None:
        _unstarted = JobNotifications("")
    return _unstarted
