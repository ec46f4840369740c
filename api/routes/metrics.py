"""GET /metrics: Prometheus exposition of this API (all its processes in multiprocess mode)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from workers.observability.circuit_metrics import CircuitCollector
from workers.observability.exposition import exposition
from workers.observability.resource_metrics import ResourceCollector

router = APIRouter(tags=["monitoring"])
# The API exports the shared resources' gauges (workers need not: one source is enough).
_resources = ResourceCollector()
_circuits = CircuitCollector()


@router.get("/metrics", include_in_schema=False)
def metrics() -> Response:
    body, content_type = exposition(_resources, _circuits)
    return Response(body, media_type=content_type)
