"""GET /dashboard (a page with no build step), its scripts and styles, and the live
numbers it reads (/dashboard/data; /v1/dashboard/summary for scripts)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse
from sqlalchemy import Engine

from api.auth import authenticate
from api.deps import EngineDep, PresignS3Dep, Reader, RedisDep, SettingsDep
from api.routes.health import cached_checks
from api.schemas import error_responses
from config.settings import Settings
from core.errors import Forbidden, Unauthorized
from workers.clients import s3_client
from workers.observability.dashboard_data import overview, summary
from workers.observability.infrastructure_facts import bucket_facts, postgres_facts
from workers.storage import artifacts

router = APIRouter(tags=["dashboard"])
STATIC = Path(__file__).resolve().parents[1] / "static"
PAGE = (STATIC / "dashboard.html").read_text()
# The page and its assets load only from this origin, and script only from files (no
# inline script, no eval): a job's name cannot become code, and nothing leaves the API.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
ASSET_TYPES = {".js": "text/javascript", ".css": "text/css", ".txt": "text/plain"}
SERVICES_TTL_S = 5.0
"""/readyz's checks, run at most this often however many dashboards are open."""


@router.get("/dashboard", response_class=HTMLResponse, include_in_schema=False)
async def dashboard(request: Request) -> HTMLResponse:
    """The page, behind a key: a browser asks for it (HTTP Basic, the key as password)
    and sends it again with the page's own requests."""
    try:
        await authenticate(request)
    except Unauthorized as exc:
        raise Unauthorized(str(exc), challenge='Basic realm="componentforge"') from None
    return HTMLResponse(PAGE, headers=SECURITY_HEADERS | {"Cache-Control": "no-store"})


@router.get("/dashboard/assets/{name:path}", include_in_schema=False)
def dashboard_asset(name: str) -> FileResponse:
    """The page's scripts and styles, open (they hold no data): a browser fetches them
    without the key it gave the page (Chromium sends it with the page's own requests
    only), so they cannot ask for one."""
    path = (STATIC / name).resolve()
    if not path.is_relative_to(STATIC) or path.suffix not in ASSET_TYPES or not path.is_file():
        raise HTTPException(
            404, "no such dashboard asset: the page's scripts (.js) and styles (.css) only"
        )
    return FileResponse(
        path,
        media_type=ASSET_TYPES[path.suffix],
        headers=SECURITY_HEADERS | {"Cache-Control": "public, max-age=300"},
    )


def _infrastructure(engine: Engine, settings: Settings) -> dict[str, Any]:
    return {
        "s3": bucket_facts(s3_client(), settings.s3_bucket),
        "postgres": postgres_facts(engine),
    }


def same_origin_only(request: Request) -> None:
    """The page's own requests only (403 otherwise): Basic credentials ride along with
    any request a browser makes to the site, so a request another site started
    (Sec-Fetch-Site, or an Origin not this one) is refused before the key is read. The
    page has no state-changing forms (its CSP's form-action is 'none'); any it gets must
    take this dependency too. Basic carries no cookie, so SameSite has nothing to mark."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        raise Forbidden("the dashboard answers its own page only (a cross-site request)")
    origin = request.headers.get("origin")
    if origin is not None and origin != f"{request.url.scheme}://{request.url.netloc}":
        raise Forbidden("the dashboard answers its own page only (another origin)")


@router.get(
    "/dashboard/data",
    responses=error_responses(401, 403, 503),
    include_in_schema=False,
    dependencies=[Depends(same_origin_only)],
)
async def dashboard_data(
    caller: Reader,
    engine: EngineDep,
    client: RedisDep,
    settings: SettingsDep,
    s3: PresignS3Dep,
) -> Any:
    """What the page draws: your tenant's cards, cache ladder, recent components and
    trends; the services and circuits; and for an admin every tenant's, with a row per
    tenant and the storage and Postgres facts."""

    def presign(key: str) -> str:
        return artifacts.presigned_url(s3, settings.s3_bucket, key, ttl_s=settings.s3_presign_ttl_s)

    data = await run_in_threadpool(
        overview, engine, client, settings, tenant=caller.scope, presign=presign
    )
    checks = await cached_checks(SERVICES_TTL_S)
    data["services"] = {name: check["up"] for name, check in checks.items()}
    admin = caller.scope is None
    data["infrastructure"] = (
        await run_in_threadpool(_infrastructure, engine, settings) if admin else None
    )
    return data


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
