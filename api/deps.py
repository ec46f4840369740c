"""FastAPI dependencies. Routes take these; they never build clients themselves.

The clients and settings are process-wide objects, built once: each getter is wrapped
in OnTheLoop so FastAPI calls it on the event loop. Plain (sync) getters would each be
sent to the thread pool, four hand-offs per request for a dictionary read each.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Generic, TypeVar

import redis
import redis.asyncio as aioredis
from fastapi import Depends, Request
from sqlalchemy import Engine

from api.auth import require
from config.settings import Settings, get_settings
from core.access import Principal, Role
from workers.clients import (
    JOB_REDIS_TIMEOUT_S,
    cache_redis_client,
    db_engine,
    redis_client,
    redis_options,
    s3_presign_client,
)

T = TypeVar("T")


class OnTheLoop(Generic[T]):
    """An async face of `getter` (cached, no I/O once built). It hashes and compares as
    the getter itself, so `app.dependency_overrides[getter]` still replaces it."""

    def __init__(self, getter: Callable[[], T]) -> None:
        self.getter = getter

    async def __call__(self) -> T:
        return self.getter()

    def __hash__(self) -> int:
        return hash(self.getter)

    def __eq__(self, other: object) -> bool:
        return other is self.getter or (
            isinstance(other, OnTheLoop) and other.getter is self.getter
        )


def build_async_redis(url: str) -> aioredis.Redis:
    """An asyncio client for reads on the event loop (the common status poll): no hand-off
    to the thread pool, whose threads contend for the GIL under load. api.main's lifespan
    opens one per app (bound to its loop) and closes it."""
    return aioredis.Redis.from_url(url, **redis_options(JOB_REDIS_TIMEOUT_S))


async def async_redis(request: Request) -> aioredis.Redis | None:
    """The app's asyncio client; None for an app run without its lifespan (a TestClient
    not entered): its reads go through the thread pool."""
    return getattr(request.app.state, "async_redis", None)


SettingsDep = Annotated[Settings, Depends(OnTheLoop(get_settings))]
RedisDep = Annotated[redis.Redis, Depends(OnTheLoop(redis_client))]
AsyncRedisDep = Annotated[aioredis.Redis | None, Depends(async_redis)]
CacheRedisDep = Annotated[redis.Redis, Depends(OnTheLoop(cache_redis_client))]
EngineDep = Annotated[Engine, Depends(OnTheLoop(db_engine))]
PresignS3Dep = Annotated[Any, Depends(OnTheLoop(s3_presign_client))]

Reader = Annotated[Principal, Depends(require(Role.READ))]
"""The caller, whose key may read (every role can)."""
Submitter = Annotated[Principal, Depends(require(Role.SUBMIT))]
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]
