"""GET /dashboard (a page with no build step) and the live numbers it reads."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from api.deps import EngineDep, RedisDep, SettingsDep
from workers.observability.dashboard_data import summary

router = APIRouter(tags=["dashboard"])
PAGE = (Path(__file__).resolve().parents[1] / "static" / "dashboard.html").read_text()


@router.get("/dashboard", response_class=HTMLResponse, include_in_schema=False)
def dashboard() -> HTMLResponse:
    return HTMLResponse(PAGE)


@router.get("/v1/dashboard/summary")
async def dashboard_summary(
    engine: EngineDep,
    client: RedisDep,
    settings: SettingsDep,
    hours: Annotated[int, Query(ge=1, le=24 * 90)] = 24,
) -> Any:
    """Jobs, outcomes, cost, cache and latency over the last `hours`, and recent jobs."""
    return await run_in_threadpool(summary, engine, client, settings, hours=hours)
