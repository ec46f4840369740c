"""L3 pattern cache: `pattern:{pattern_id}:{tokens_hash}` -> a library pattern styled for
one token set (its pattern_id and TokenVars as JSON), kept PATTERN_CACHE_TTL_S.

A job whose (pattern, tokens) was seen skips the styling. Alongside each entry this keeps
what the pre-compute (workers.storage.pattern_precompute) needs to style it again before
it is wanted: the token set itself (`pattern-tokens:{tokens_hash}`, a day), and how much
each combination is used (`pattern-usage`, scored by stores and hits). Hits per pattern
are counted in `pattern-hits` and in pattern_cache_hits_total.

The entries live on the cache Redis (CACHE_REDIS_URL); callers go through
`REDIS_CACHE.guarded` (workers.resilience.dependency), so a cache that is down is skipped.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import redis

from core.canonical import canonical_json
from core.keys import PATTERN_HITS, PATTERN_USAGE, pattern_key, pattern_tokens_key
from core.tokens import Tokens
from workers.observability import metrics

TOKENS_TTL_S = 86400
"""How long a token set is kept after its last store, hit or pre-compute: longer than the
entries, so a favourite combination can be styled again after its entry expired."""


def tokens_hash(tenant: str, tokens: Tokens, generator_version: str) -> str:
    """The token set's identity for L3: over the tenant too, so tenants never share an
    entry, and the generator version, so a new generator styles afresh."""
    identity = {
        "tenant": tenant,
        "tokens": tokens.model_dump(mode="json"),
        "generator": generator_version,
    }
    return hashlib.sha256(canonical_json(identity)).hexdigest()[:32]


def usage_member(pattern_id: str, tokens_hash: str) -> str:
    """A combination's member of the usage sorted set."""
    return f"{pattern_id}:{tokens_hash}"


def parse_usage_member(member: str) -> tuple[str, str]:
    """(pattern_id, tokens_hash) of a usage member; the hash is hex, so the last colon
    splits them even if a pattern id held one."""
    pattern_id, _, hashed = member.rpartition(":")
    return pattern_id, hashed


def decode(raw: str | bytes | None) -> dict[str, Any] | None:
    """A stored JSON object, or None for nothing or anything that is not one."""
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def load(client: redis.Redis, pattern_id: str, tokens_hash: str) -> dict[str, Any] | None:
    """The styled pattern stored for this combination; None on a miss or a value that
    cannot be read (treated as a miss: the job styles afresh and stores over it)."""
    return decode(client.get(pattern_key(pattern_id, tokens_hash)))


def store(
    client: redis.Redis,
    pattern_id: str,
    tokens_hash: str,
    styled: dict[str, Any],
    *,
    tenant: str,
    tokens: Tokens,
    ttl_s: int,
) -> None:
    """Store the styled pattern for ttl_s, remember the token set for the pre-compute and
    count the use, in one round trip."""
    pipe = client.pipeline(transaction=False)
    pipe.set(pattern_key(pattern_id, tokens_hash), canonical_json(styled), ex=ttl_s)
    token_set = {"tenant": tenant, "tokens": tokens.model_dump(mode="json")}
    pipe.set(pattern_tokens_key(tokens_hash), canonical_json(token_set), ex=TOKENS_TTL_S)
    pipe.zincrby(PATTERN_USAGE, 1, usage_member(pattern_id, tokens_hash))
    pipe.execute()


def count_hit(client: redis.Redis, pattern_id: str, tokens_hash: str) -> None:
    """Count a hit: the combination's usage, the pattern's hits, and the token set kept
    another TOKENS_TTL_S while it is wanted, in one round trip."""
    metrics.PATTERN_CACHE_HITS.labels(pattern_id=pattern_id).inc()
    pipe = client.pipeline(transaction=False)
    pipe.zincrby(PATTERN_USAGE, 1, usage_member(pattern_id, tokens_hash))
    pipe.hincrby(PATTERN_HITS, pattern_id, 1)
    pipe.expire(pattern_tokens_key(tokens_hash), TOKENS_TTL_S)
    pipe.execute()


def hit_counts(client: redis.Redis) -> dict[str, int]:
    """L3 hits so far, by pattern id (every worker's, since the hash was created)."""
    return {pattern_id: int(count) for pattern_id, count in client.hgetall(PATTERN_HITS).items()}
