"""The per-process waiters of api.job_notifications: a request that goes away (its
task cancelled, as Starlette does when an event-stream client disconnects) leaves no
waiter behind, and a waiter without a subscription polls."""

from __future__ import annotations

import asyncio

from api.job_notifications import POLL_WHILE_DOWN_S, JobNotifications


def test_a_cancelled_wait_leaves_no_waiter() -> None:
    async def scenario() -> tuple[int, int]:
        notifications = JobNotifications("redis://unused")

        async def follow() -> None:
            with notifications.watch("job-1") as waiter:
                await waiter.wait(3600)

        followers = [asyncio.create_task(follow()) for _ in range(3)]
        await asyncio.sleep(0.01)
        during = notifications.waiting()
        for task in followers:
            task.cancel()
        await asyncio.gather(*followers, return_exceptions=True)
        return during, notifications.waiting()

    during, after = asyncio.run(scenario())
    assert during == 3
    assert after == 0


def test_without_a_subscription_a_wait_is_a_short_poll() -> None:
    async def scenario() -> bool:
        notifications = JobNotifications("redis://unused")  # never started
        with notifications.watch("job-1") as waiter:
            # A wait of an hour returns (False: no change heard) after a poll interval.
            return await asyncio.wait_for(waiter.wait(3600), timeout=POLL_WHILE_DOWN_S * 20)

    assert asyncio.run(scenario()) is False
