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
from api.job_notifications import JobNotifications, notifications_of
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


class Clients:
    """The settings and clients as one dependency, read as the route uses them: FastAPI
    spends ~15 us solving each dependency on every request, more than these look-ups, and
    the status poll took six. The hot routes (submit, status) take this. Overrides of a
    getter (`app.dependency_overrides[redis_client]`, as the unit tier sets) apply here as
    they do to the single dependencies."""

    def __init__(self, request: Request) -> None:
        self._app = request.app
        self._overrides = request.app.dependency_overrides

    def _get(self, getter: Callable[[], T]) -> T:
        return self._overrides.get(getter, getter)()  # type: ignore[no-any-return]

    @property
    def settings(self) -> Settings:
        return self._get(get_settings)

    @property
    def redis(self) -> redis.Redis:
        return self._get(redis_client)

    @property
    def async_redis(self) -> aioredis.Redis | None:
        """The app's asyncio client (api.main's lifespan opens it); None for an app run
        without its lifespan (a TestClient not entered): its reads go through the pool."""
        return getattr(self._app.state, "async_redis", None)

    @property
    def engine(self) -> Engine:
        return self._get(db_engine)

    @property
    def presign_s3(self) -> Any:
        return self._get(s3_presign_client)

    @property
    def notifications(self) -> JobNotifications:
        return notifications_of(self._app)


async def clients(request: Request) -> Clients:
    return Clients(request)


ClientsDep = Annotated[Clients, Depends(clients)]
SettingsDep = Annotated[Settings, Depends(OnTheLoop(get_settings))]
RedisDep = Annotated[redis.Redis, Depends(OnTheLoop(redis_client))]
CacheRedisDep = Annotated[redis.Redis, Depends(OnTheLoop(cache_redis_client))]
EngineDep = Annotated[Engine, Depends(OnTheLoop(db_engine))]
PresignS3Dep = Annotated[Any, Depends(OnTheLoop(s3_presign_client))]

Reader = Annotated[Principal, Depends(require(Role.READ))]
"""The caller, whose key may read (every role can)."""
Submitter = Annotated[Principal, Depends(require(Role.SUBMIT))]
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]
