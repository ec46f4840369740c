"""The ASGI app: assembles routers, error handlers and the body limit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool

from api.body_limit import BodyLimitMiddleware
from api.deps import build_async_redis
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
from config.collector import freeze_imports
from config.logging import configure_logging
from config.settings import get_settings
from workers.clients import close_clients, s3_presign_client
from workers.storage import redis_roles


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Built now, not by the first request on the event loop (boto3's client takes ~0.1 s).
    await run_in_threadpool(s3_presign_client)
    notifications = JobNotifications(get_settings().redis_url)
    notifications.start()
    redis_roles.start_check()  # warns when the job Redis could evict or the cache could not
    app.state.job_notifications = notifications
    app.state.async_redis = build_async_redis(get_settings().redis_url)
    freeze_imports()
    yield
    await notifications.stop()
    await app.state.async_redis.aclose()
    close_clients()


def create_app() -> FastAPI:
    settings = get_settings()
    configure_logging(settings.log_level)
    app = FastAPI(
        title="ComponentForge Jobs",
        version="0.1.0",
        description="Submit design-to-component generation jobs and poll their status.",
        lifespan=_lifespan,
        # No OpenTelemetry here (Prometheus and LangSmith are the signals): off, so no
        # request pays for asking whether an OTel provider was configured.
        telemetry={"tracing": False, "metrics": False, "logs": False},
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
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        read_timeout_s=settings.body_read_timeout_s,
    )
    # Outermost, so refused bodies (413) are counted too.
    app.add_middleware(RequestMetricsMiddleware)
    return app


app = create_app()
