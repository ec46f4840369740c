"""Single-flight: concurrent jobs with one cache key make one generation.

On an L1 miss a job claims `inflight:{cache key}` (core.keys) with its job id. The first
is the leader and generates; the others follow: they go back to the queue and, run again,
finish from the leader's L1 entry. The claim lives on the job-state Redis, beside the
leases it is judged by: a holder whose lease (`lease:job:{id}`, renewed by its heartbeat)
is gone is no leader any more, so a follower takes over at once when the leader ended
without releasing (failed, re-queued) and within a lease TTL when its worker was killed.

One script reads the L1 entry (when the cache shares the job-state Redis) and claims in
the same step, so a miss costs the leader no extra round trip.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import redis

from core.keys import inflight_key, job_key, lease_key

LEASE_PREFIX = lease_key("")


class Role(StrEnum):
    HIT = "hit"  # the L1 entry was there (read in the script): nothing claimed
    LEADER = "leader"  # this job holds the claim: it generates and stores
    FOLLOWER = "follower"  # a live leader generates: wait for its entry
    ALONE = "alone"  # no leader, and this job may not lead (no-store): generate, unclaimed


@dataclass(frozen=True)
class Claim:
    role: Role
    entry: str | None  # the L1 entry, when read by the script and present
    holder: str | None  # the leader's job id (FOLLOWER), or the dead one taken over
    holder_lease: str | None  # the leader's lease token (FOLLOWER), to judge it dead here
    waiting_since: float | None  # when this job began to wait (it had waited before)
    # On a hit claimed with `ending_stage`: "claimed" (the job is past cancelling now),
    # or "asked:{who}" (a cancel was asked for first); None: not claimed here.
    ending: str | None = None


# KEYS: inflight key, L1 key (read when ARGV[6] is '1'), the job's hash.
# ARGV: job id, claim TTL (ms), may lead ('1'/'0'), lease key prefix, a lease token known
# dead ('' none), read L1 ('1'/'0'), the stage past cancelling ('' none).
# On a hit of a running job, ARGV[7] makes the script claim the job's ending as
# workers.storage.cancellation.claim_ending does (who asked to cancel, else the stage
# set): a hit then needs no round trip of its own for it.
_CLAIM = """
local since = redis.call('HGET', KEYS[3], 'waiting_since') or ''
if ARGV[6] == '1' then
  local entry = redis.call('GET', KEYS[2])
  if entry then
    local ending = ''
    if ARGV[7] ~= '' and redis.call('HGET', KEYS[3], 'status') == 'running' then
      ending = redis.call('HGET', KEYS[3], 'cancel_requested') or ''
      if ending == '' then
        redis.call('HSET', KEYS[3], 'stage', ARGV[7])
        ending = 'claimed'
      else
        ending = 'asked:' .. ending
      end
    end
    return {'hit', entry, '', '', since, ending}
  end
end
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {'leader', '', holder, '', since, ''}
end
if holder then
  local lease = redis.call('GET', ARGV[4] .. holder)
  if lease and lease ~= ARGV[5] then return {'follower', '', holder, lease, since, ''} end
end
if ARGV[3] ~= '1' then return {'alone', '', holder or '', '', since, ''} end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return {'leader', '', holder or '', '', since, ''}
"""

# Compare-and-delete: only the holder releases (a taken-over claim is not its to drop).
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def claim_in(
    pipe: redis.client.Pipeline | redis.Redis,
    cache_key: str,
    job_id: str,
    *,
    ttl_s: int,
    may_lead: bool,
    read_l1: bool,
    dead_lease: str | None = None,
    ending_stage: str | None = None,
) -> object:
    """Queue the claim (or, on a client, run it; `parse` reads the reply). `read_l1`: the
    L1 entry is on this Redis; a hit claims nothing. `dead_lease`: the leader's lease
    token, seen to belong to a dead process, so that leader is taken over. `ending_stage`:
    on a hit, claim the job's ending too (Claim.ending)."""
    return pipe.eval(
        _CLAIM,
        3,
        inflight_key(cache_key),
        cache_key,
        job_key(job_id),
        job_id,
        ttl_s * 1000,
        "1" if may_lead else "0",
        LEASE_PREFIX,
        dead_lease or "",
        "1" if read_l1 else "0",
        ending_stage or "",
    )


def parse(reply: list[str]) -> Claim:
    role, entry, holder, lease, since, ending = reply
    return Claim(
        role=Role(role),
        entry=entry or None,
        holder=holder or None,
        holder_lease=lease or None,
        waiting_since=float(since) if since else None,
        ending=ending or None,
    )


def claim(
    client: redis.Redis,
    cache_key: str,
    job_id: str,
    *,
    ttl_s: int,
    may_lead: bool,
    dead_lease: str | None = None,
) -> Claim:
    """The claim on its own round trip (the L1 entry being read elsewhere)."""
    reply = claim_in(
        client, cache_key, job_id, ttl_s=ttl_s, may_lead=may_lead, read_l1=False,
        dead_lease=dead_lease,
    )  # fmt: skip
    return parse(reply)  # type: ignore[arg-type]


def release_in(pipe: redis.client.Pipeline | redis.Redis, cache_key: str, job_id: str) -> object:
    """Queue (or run) the release of the claim, if `job_id` still holds it."""
    return pipe.eval(_RELEASE, 1, inflight_key(cache_key), job_id)


def holder(client: redis.Redis, cache_key: str) -> str | None:
    """The job id holding the claim, if any."""
    return client.get(inflight_key(cache_key))
