"""GET /dashboard (a page with no build step) and the live numbers it reads."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from api.auth import authenticate
from api.deps import EngineDep, Reader, RedisDep, SettingsDep
from api.schemas import error_responses
from core.errors import Unauthorized
from workers.observability.dashboard_data import summary

router = APIRouter(tags=["dashboard"])
PAGE = (Path(__file__).resolve().parents[1] / "static" / "dashboard.html").read_text()


@router.get("/dashboard", response_class=HTMLResponse, include_in_schema=False)
async def dashboard(request: Request) -> HTMLResponse:
    """The page, behind a key: a browser asks for it (HTTP Basic, the key as password)
    and sends it again with the page's own requests."""
    try:
        await authenticate(request)
    except Unauthorized as exc:
        raise Unauthorized(str(exc), challenge='Basic realm="componentforge"') from None
    return HTMLResponse(PAGE)


@router.get("/v1/dashboard/summary", responses=error_responses(401, 422, 503))
async def dashboard_summary(
    caller: Reader,
    engine: EngineDep,
    client: RedisDep,
    settings: SettingsDep,
    hours: Annotated[int, Query(ge=1, le=24 * 90)] = 24,
) -> Any:
    """Your tenant's jobs, outcomes, cost, cache and latency over the last `hours`, and
    its recent jobs (an admin key: every tenant's, and a panel per tenant)."""
    return await run_in_threadpool(
        summary, engine, client, settings, hours=hours, tenant=caller.scope
    )
