"""The ASGI app: assembles routers, error handlers and the body limit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.body_limit import BodyLimitMiddleware
from api.errors import install_error_handlers
from api.job_notifications import JobNotifications
from api.request_metrics import RequestMetricsMiddleware
from api.routes import (
    batches,
    cache,
    cancel,
    dashboard,
    generation_events,
    generations,
    health,
    usage,
)
from api.routes import metrics as metrics_routes
from config.logging import configure_logging
from config.settings import get_settings
from workers.clients import close_clients


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    notifications = JobNotifications(get_settings().redis_url)
    notifications.start()
    app.state.job_notifications = notifications
    yield
    await notifications.stop()
    close_clients()


def create_app() -> FastAPI:
    settings = get_settings()
    configure_logging(settings.log_level)
    app = FastAPI(
        title="ComponentForge Jobs",
        version="0.1.0",
        description="Submit design-to-component generation jobs and poll their status.",
        lifespan=_lifespan,
    )
    install_error_handlers(app)
    # Before generations: OPTIONS /v1/generations/batch must name the batch route's POST,
    # not GET /v1/generations/{job_id}'s (the first route that matches the path answers).
    app.include_router(batches.router)
    app.include_router(generations.router)
    app.include_router(cancel.router)
    app.include_router(generation_events.router)
    app.include_router(cache.router)
    app.include_router(usage.router)
    app.include_router(health.router)
    app.include_router(metrics_routes.router)
    app.include_router(dashboard.router)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    # Outermost, so refused bodies (413) are counted too.
    app.add_middleware(RequestMetricsMiddleware)
    return app


app = create_app()
