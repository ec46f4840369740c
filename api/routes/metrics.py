"""GET /metrics: Prometheus exposition of this API (all its processes in multiprocess mode).

Not open: Prometheus scrapes it with `Authorization: Bearer <METRICS_TOKEN>` (compared in
constant time, no database look-up), and an admin's API key works too. Anything else is a
401, or a 403 for a valid key below admin.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool

from api.auth import presented_key, require
from config.settings import get_settings
from core.access import Role
from workers.observability.circuit_metrics import CircuitCollector
from workers.observability.exposition import exposition
from workers.observability.resource_metrics import ResourceCollector

router = APIRouter(tags=["monitoring"])
# The API exports the shared resources' gauges (workers need not: one source is enough).
_resources = ResourceCollector()
_circuits = CircuitCollector()
_admin = require(Role.ADMIN)


def _is_scrape_token(request: Request) -> bool:
    token = get_settings().metrics_token
    presented = presented_key(request)
    if token is None or not presented:
        return False
    return hmac.compare_digest(presented.encode(), token.get_secret_value().encode())


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    if not _is_scrape_token(request):
        await _admin(request)  # raises 401 / 403
    # The resource gauges read Redis and Postgres: off the event loop.
    body, content_type = await run_in_threadpool(exposition, _resources, _circuits)
    return Response(body, media_type=content_type)
