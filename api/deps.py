"""FastAPI dependencies. Routes take these; they never build clients themselves."""

from __future__ import annotations

from typing import Annotated, Any

import redis
from fastapi import Depends
from sqlalchemy import Engine

from api.auth import require
from config.settings import Settings, get_settings
from core.access import Principal, Role
from workers.clients import cache_redis_client, db_engine, redis_client, s3_presign_client

SettingsDep = Annotated[Settings, Depends(get_settings)]
RedisDep = Annotated[redis.Redis, Depends(redis_client)]
CacheRedisDep = Annotated[redis.Redis, Depends(cache_redis_client)]
EngineDep = Annotated[Engine, Depends(db_engine)]
PresignS3Dep = Annotated[Any, Depends(s3_presign_client)]

Reader = Annotated[Principal, Depends(require(Role.READ))]
"""The caller, whose key may read (every role can)."""
Submitter = Annotated[Principal, Depends(require(Role.SUBMIT))]
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]
