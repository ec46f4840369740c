"""GET /metrics: Prometheus exposition of this API (all its processes in multiprocess mode)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from workers.metrics_server import exposition

router = APIRouter(tags=["monitoring"])


@router.get("/metrics", include_in_schema=False)
def metrics() -> Response:
    body, content_type = exposition()
    return Response(body, media_type=content_type)
