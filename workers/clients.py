"""Clients shared by everything in one process: built on first use, never per job.

Each is keyed to the process id, so a forked child (Celery prefork, uvicorn workers)
builds its own instead of sharing the parent's sockets.
"""

from __future__ import annotations

import os
import threading
import time
from contextlib import closing
from typing import Any

import boto3
import httpx
import openai
import redis
from botocore.config import Config
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DisconnectionError

from config.settings import Settings, get_settings
from core.errors import GenerationError

_lock = threading.RLock()  # re-entered when one client is built from another
_owner_pid: int | None = None
_clients: dict[str, Any] = {}


def _get(name: str, build: Any) -> Any:
    global _owner_pid
    client = _clients.get(name) if _owner_pid == os.getpid() else None
    if client is not None:
        return client
    with _lock:
        if _owner_pid != os.getpid():
            # Inherited across fork: drop the references, never close the parent's sockets.
            _clients.clear()
            _owner_pid = os.getpid()
        if name not in _clients:
            _clients[name] = build(get_settings())
        return _clients[name]


JOB_REDIS_TIMEOUT_S = 5
"""How long a command to the job-state Redis (or the broker's) may take."""


def redis_options(timeout_s: float) -> dict[str, Any]:
    """Client options shared by the sync clients here and the API's asyncio one."""
    return {
        "socket_timeout": timeout_s,
        "socket_connect_timeout": timeout_s,
        "health_check_interval": 30,
        "decode_responses": True,
    }


REDIS_POOL_SIZE = 256
"""Connections one process keeps to one Redis. redis-py's pool refuses a command past its
100 ("Too many connections"), which the gevent pool's hundreds of jobs reach at once;
this pool makes a command wait (up to the client's timeout) for a free one instead."""


def _build_redis(url: str, *, timeout_s: float, fail_fast: bool = False) -> redis.Redis:
    pool = redis.BlockingConnectionPool.from_url(
        url,
        max_connections=REDIS_POOL_SIZE,
        timeout=timeout_s,
        **redis_options(timeout_s),
        # redis-py retries a refused connection 3 times with backoff (about 4 s); a
        # fail-fast client gives up at once and lets its caller go on without Redis.
        **({"retry": Retry(NoBackoff(), 0)} if fail_fast else {}),
    )
    return redis.Redis(connection_pool=pool)


def _build_engine(settings: Settings) -> Engine:
    connect_args: dict[str, Any] = {}
    if settings.database_url.startswith("postgresql"):
        connect_args = {"connect_timeout": 5, "options": "-c statement_timeout=15000"}
    engine = create_engine(
        settings.database_url, pool_size=2, max_overflow=4, connect_args=connect_args
    )
    _ping_when_idle(engine)
    return engine


PING_IDLE_S = 1.0
"""A pooled connection idle this long is pinged before use (see _ping_when_idle)."""


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection before use only if it sat idle over PING_IDLE_S: a
    Postgres restart or a dropped socket is found before a statement fails, as
    pool_pre_ping would, without a round trip on every checkout of a busy pool (~0.3 ms of
    an L1-hit job's ~6). A connection that dies mid-burst fails its statement; the pool
    is invalidated and the caller's retry policy runs it again on a new one."""

    @event.listens_for(engine, "checkin")
    def _idle_since(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if time.monotonic() - record.info.get("idle_since", 0.0) < PING_IDLE_S:
            return
        try:
            with closing(dbapi_connection.cursor()) as cursor:
                cursor.execute("SELECT 1")
        except Exception as exc:
            # The pool discards this connection and checks out (or opens) another.
            raise DisconnectionError(f"pooled connection is dead: {exc}") from exc


def _s3_config(settings: Settings) -> Config:
    return Config(
        connect_timeout=settings.s3_connect_timeout_s,
        read_timeout=settings.s3_read_timeout_s,
        # One try per call: workers.resilience.dependency.S3 applies the s3 retry policy
        # and circuit breaker.
        retries={"total_max_attempts": 1, "mode": "standard"},
        max_pool_connections=max(10, settings.s3_upload_concurrency * 2),
        signature_version="s3v4",
    )


def _build_s3(settings: Settings, endpoint_url: str | None) -> Any:
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=settings.s3_region,
        config=_s3_config(settings),
    )


def http_client() -> httpx.Client:
    """For paid and external APIs (Figma); timeouts are set per call."""
    return _get("http", lambda s: httpx.Client(follow_redirects=True))


def openai_client() -> openai.OpenAI:
    """The "openai" provider's client: base URL, key, timeout and SDK retries from settings."""

    def build(s: Settings) -> openai.OpenAI:
        if s.openai_api_key is None:
            raise GenerationError(
                'this job asks for provider "openai" but OPENAI_API_KEY is not set on the '
                'workers; set it, or use provider "template"'
            )
        return openai.OpenAI(
            base_url=s.openai_base_url,
            api_key=s.openai_api_key.get_secret_value(),
            timeout=s.openai_timeout_s,
            max_retries=0,  # workers.resilience.dependency.LLM: the step's policy, the llm breaker
        )

    return _get("openai", build)


def redis_client() -> redis.Redis:
    return _get("redis", lambda s: _build_redis(s.redis_url, timeout_s=JOB_REDIS_TIMEOUT_S))


def broker_redis_client() -> redis.Redis:
    """BROKER_URL's Redis, for publishing job messages (workers.pipeline.job_message):
    REDIS_URL's client itself when they are the same."""

    def build(s: Settings) -> redis.Redis:
        if s.broker_url == s.redis_url:
            return redis_client()
        return _build_redis(s.broker_url, timeout_s=JOB_REDIS_TIMEOUT_S)

    return _get("broker_redis", build)


def cache_redis_client() -> redis.Redis:
    """The caches' Redis: REDIS_URL's client itself unless CACHE_REDIS_URL differs.
    Short timeouts: a slow cache is skipped, not waited for."""

    def build(s: Settings) -> redis.Redis:
        if s.cache_redis_url == s.redis_url:
            return redis_client()
        return _build_redis(s.cache_redis_url, timeout_s=1, fail_fast=True)

    return _get("cache_redis", build)


def circuit_redis_client() -> redis.Redis:
    """REDIS_URL for the circuit breakers: fail-fast, since a breaker whose Redis does not
    answer keeps its state locally rather than wait."""
    return _get("circuit_redis", lambda s: _build_redis(s.redis_url, timeout_s=0.5, fail_fast=True))


def db_engine() -> Engine:
    return _get("engine", _build_engine)


def s3_client() -> Any:
    return _get("s3", lambda s: _build_s3(s, s.s3_endpoint_url))


def s3_presign_client() -> Any:
    """Signs URLs for the address clients use, which may differ from ours."""
    return _get("s3_presign", lambda s: _build_s3(s, s.s3_public_endpoint_url or s.s3_endpoint_url))


def close_clients() -> None:
    """Close this process's clients (worker or API shutdown)."""
    global _owner_pid
    with _lock:
        if _owner_pid == os.getpid():
            for name in ("redis", "broker_redis", "cache_redis", "circuit_redis"):
                if (client := _clients.get(name)) is not None:
                    client.close()
            if (engine := _clients.get("engine")) is not None:
                engine.dispose()
            for name in ("http", "openai"):
                if (http := _clients.get(name)) is not None:
                    http.close()
            for name in ("s3", "s3_presign"):
                if (s3 := _clients.get(name)) is not None:
                    s3.close()
        _clients.clear()
        _owner_pid = None
