"""The L3 pre-compute: keeps the most-used pattern x token combinations styled before a job
asks, so their jobs keep hitting L3 instead of styling again when an entry expires.

Every PATTERN_PRECOMPUTE_INTERVAL_S one worker (whichever takes `pattern-precompute:lock`,
SET NX PX, left to expire, like the reaper's) reads the PATTERN_PRECOMPUTE_TOP best-scored
members of `pattern-usage` and re-styles those whose entry is gone or has under a tenth of
PATTERN_CACHE_TTL_S left, from the token set stored beside it (workers.storage.pattern_cache).
Then it halves every score and forgets what fell under FORGET_BELOW, so the set follows
what is used now: a combination no job touched for about four sweeps drops out.

The styling itself is the caller's `style(pattern_id, tokens)`, so storage does not import
the chain. It runs from a daemon thread of each worker's main process; a cache Redis that
is down makes a sweep log and skip, never stops the thread.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import redis
from pydantic import ValidationError

from config.settings import get_settings
from core.canonical import canonical_json
from core.keys import PATTERN_PRECOMPUTE_LOCK, PATTERN_USAGE, pattern_key, pattern_tokens_key
from core.tokens import Tokens
from workers.observability import metrics
from workers.resilience.dependency import REDIS_CACHE
from workers.storage import pattern_cache

logger = logging.getLogger(__name__)

Style = Callable[[str, Tokens], dict[str, Any]]
"""Styles library pattern `pattern_id` for a token set: the value an L3 entry holds."""

DUE_FRACTION = 0.1
"""An entry with less than this share of its TTL left is styled again."""
DECAY = 0.5
"""Each sweep multiplies every usage score by this."""
FORGET_BELOW = 0.1
"""Usage members scored under this after the decay are dropped (one use: four sweeps)."""

_started_pid: int | None = None
_start_lock = threading.Lock()


def _token() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def sweep(client: redis.Redis, style: Style, *, top: int, ttl_s: int) -> int:
    """One sweep, if this process takes the lock: style again the `top` most-used
    combinations that are due, then decay the usage scores. Returns how many entries it
    stored (0 when another worker holds the lock)."""
    interval_ms = max(int(get_settings().pattern_precompute_interval_s * 1000), 1)
    if not client.set(PATTERN_PRECOMPUTE_LOCK, _token(), nx=True, px=interval_ms):
        return 0
    members: list[str] = client.zrevrange(PATTERN_USAGE, 0, top - 1) if top > 0 else []
    due = _due(client, members, ttl_s=ttl_s)
    computed = _restyle(client, style, due, ttl_s=ttl_s)
    pipe = client.pipeline(transaction=True)
    pipe.zunionstore(PATTERN_USAGE, {PATTERN_USAGE: DECAY})
    pipe.zremrangebyscore(PATTERN_USAGE, "-inf", f"({FORGET_BELOW}")
    pipe.execute()
    if computed:
        metrics.PATTERN_PRECOMPUTED.inc(computed)
        logger.info("pattern pre-compute: styled %d of the %d most-used", computed, len(members))
    return computed


def _due(client: redis.Redis, members: list[str], *, ttl_s: int) -> list[str]:
    """The members whose entry is missing or near expiry (no expiry at all: not due)."""
    if not members:
        return []
    pipe = client.pipeline(transaction=False)
    for member in members:
        pipe.pttl(pattern_key(*pattern_cache.parse_usage_member(member)))
    left_ms = pipe.execute()
    return [m for m, ms in zip(members, left_ms, strict=True) if is_due(ms, ttl_s=ttl_s)]


def is_due(left_ms: int, *, ttl_s: int) -> bool:
    """Whether an entry with PTTL `left_ms` (-2: none, -1: no expiry) is styled again."""
    return left_ms == -2 or 0 <= left_ms < ttl_s * 1000 * DUE_FRACTION


def _restyle(client: redis.Redis, style: Style, due: list[str], *, ttl_s: int) -> int:
    """Style each due member from its stored token set and store it (one round trip to
    read, one to write); members whose token set is gone or unusable are forgotten."""
    if not due:
        return 0
    pipe = client.pipeline(transaction=False)
    for member in due:
        pipe.get(pattern_tokens_key(pattern_cache.parse_usage_member(member)[1]))
    token_sets = pipe.execute()
    writes = client.pipeline(transaction=False)
    computed = 0
    for member, raw in zip(due, token_sets, strict=True):
        pattern_id, tokens_hash = pattern_cache.parse_usage_member(member)
        styled = _style_one(style, pattern_id, pattern_cache.decode(raw))
        if styled is None:
            writes.zrem(PATTERN_USAGE, member)
            continue
        writes.set(pattern_key(pattern_id, tokens_hash), canonical_json(styled), ex=ttl_s)
        writes.expire(pattern_tokens_key(tokens_hash), pattern_cache.TOKENS_TTL_S)
        computed += 1
    writes.execute()
    return computed


def _style_one(
    style: Style, pattern_id: str, token_set: dict[str, Any] | None
) -> dict[str, Any] | None:
    """The styled pattern, or None when it cannot be made (token set expired or invalid,
    the style function refusing: a pattern gone from the library, say)."""
    if token_set is None:
        return None
    try:
        return style(pattern_id, Tokens.model_validate(token_set.get("tokens")))
    except ValidationError:
        logger.warning("pattern pre-compute: stored token set for %s no longer valid", pattern_id)
    except Exception:
        logger.warning("pattern pre-compute: styling %s failed", pattern_id, exc_info=True)
    return None


def sweep_once(style: Style) -> int:
    """The thread's unit: one sweep on the cache Redis with the settings' top and TTL.
    Never raises: 0 when that Redis is unavailable (its circuit open, a Redis error) or
    the sweep failed, which is logged."""
    settings = get_settings()
    if settings.pattern_precompute_top <= 0:
        return 0
    try:
        computed, available = REDIS_CACHE.guarded(
            lambda client: sweep(
                client, style,
                top=settings.pattern_precompute_top, ttl_s=settings.pattern_cache_ttl_s,
            )
        )  # fmt: skip
    except Exception:
        logger.warning("pattern pre-compute: sweep failed", exc_info=True)
        return 0
    if not available:
        logger.warning("pattern pre-compute: cache Redis unavailable, sweep skipped")
    return computed or 0


def _loop(style: Style, interval_s: float) -> None:
    while True:
        time.sleep(interval_s)
        sweep_once(style)


def start(style: Style) -> None:
    """Sweep every PATTERN_PRECOMPUTE_INTERVAL_S from a daemon thread; once per process
    (a second call, or one from another thread, starts nothing)."""
    global _started_pid
    with _start_lock:
        if _started_pid == os.getpid():
            return
        _started_pid = os.getpid()
    interval_s = get_settings().pattern_precompute_interval_s
    threading.Thread(
        target=_loop, args=(style, interval_s), name="pattern-precompute", daemon=True
    ).start()
