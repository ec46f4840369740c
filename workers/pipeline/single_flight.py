"""One delivery's part in single-flight (workers.storage.single_flight has the rules):
claim with the mark-running round trip, then lead, follow (back to the queue), or go
alone; release the claim when the delivery ends."""

from __future__ import annotations

import logging
import time
from typing import Any

import redis

from config.settings import get_settings
from workers.clients import redis_client
from workers.observability import metrics
from workers.resilience.lease import holder_is_dead_here
from workers.storage import job_state, single_flight
from workers.storage.cancellation import ENDING
from workers.storage.single_flight import Claim, Role

logger = logging.getLogger(__name__)


class WaitingForIdenticalJob(Exception):
    """An identical job is generating: this one goes back to the queue (not a failure,
    and not one of the task's dependency retries) to finish from its L1 entry."""

    def __init__(self, job_id: str, leader: str, retry_in_s: float) -> None:
        super().__init__(f"job {job_id} waits for identical job {leader}; again in {retry_in_s}s")
        self.leader = leader
        self.retry_in_s = retry_in_s


class Flight:
    """The claim of one delivery of job `job_id` on `cache_key`."""

    def __init__(self, job_id: str, cache_key: str, *, may_lead: bool) -> None:
        self.job_id = job_id
        self.cache_key = cache_key
        self.may_lead = may_lead
        self.claim: Claim | None = None
        self._ttl_s = get_settings().task_time_limit_s  # no generation outlives the hard limit

    def claim_in(self, pipe: redis.client.Pipeline, *, read_l1: bool) -> None:
        """Queue the claim; a hit read here also claims the job's ending (`ending`)."""
        single_flight.claim_in(
            pipe, self.cache_key, self.job_id, ttl_s=self._ttl_s, may_lead=self.may_lead,
            read_l1=read_l1, ending_stage=ENDING,
        )  # fmt: skip

    @property
    def ending(self) -> str | None:
        """The claim's reply on the job's ending (single_flight.Claim.ending)."""
        return self.claim.ending if self.claim is not None else None

    def take(self, reply: Any) -> str | None:
        """Keep the claim's reply; returns the L1 entry when the script read one."""
        self.claim = single_flight.parse(reply)
        return self.claim.entry

    @property
    def waited(self) -> bool:
        """This job had gone back to the queue for an identical job before."""
        return self.claim is not None and self.claim.waiting_since is not None

    def follow_or_go_on(self) -> None:
        """Raise WaitingForIdenticalJob (after marking the job queued) while a live leader
        generates; return when this job leads, goes alone, or has waited long enough."""
        claim = self.claim
        if claim is None or claim.role is not Role.FOLLOWER:
            return
        client = redis_client()
        if claim.holder_lease is not None and holder_is_dead_here(claim.holder_lease):
            # The leader's process is gone (killed): take over now, not when its lease lapses.
            self.claim = claim = single_flight.claim(
                client, self.cache_key, self.job_id, ttl_s=self._ttl_s, may_lead=self.may_lead,
                dead_lease=claim.holder_lease,
            )  # fmt: skip
            logger.warning("job %s: the leader of its cache key died; %s", self.job_id, claim.role)
            if claim.role is not Role.FOLLOWER:
                return
        settings = get_settings()
        since = claim.waiting_since
        if since is not None and time.time() - since >= settings.single_flight_max_wait_s:
            logger.warning(
                "job %s waited %.0f s for identical job %s; generating itself",
                self.job_id, time.time() - since, claim.holder,
            )  # fmt: skip
            self.claim = Claim(Role.ALONE, None, claim.holder, None, since)
            return
        leader = claim.holder or ""
        waits = job_state.mark_waiting(client, self.job_id, leader=leader)
        metrics.SINGLE_FLIGHT_WAITS.inc()
        countdown = min(
            settings.single_flight_first_wait_s * 1.5 ** (waits - 1),
            settings.single_flight_max_countdown_s,
        )
        raise WaitingForIdenticalJob(self.job_id, leader, round(countdown, 3))

    def release(self) -> None:
        """Drop the claim if this delivery holds it (the job ended, or goes back to the
        queue): the next identical job to run leads."""
        if self.claim is None or self.claim.role is not Role.LEADER:
            return
        try:
            single_flight.release_in(redis_client(), self.cache_key, self.job_id)
        except redis.RedisError:
            logger.warning("job %s: could not release its in-flight claim; its lease ends it",
                           self.job_id)  # fmt: skip
        self.claim = None
