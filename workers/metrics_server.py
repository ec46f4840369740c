"""Serving /metrics: one registry that sums every process's counts in multiprocess mode,
or this process's alone otherwise."""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
    start_http_server,
)


def _registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


def exposition() -> tuple[bytes, str]:
    """The text exposition format and its content type."""
    return generate_latest(_registry()), CONTENT_TYPE_LATEST


def serve(port: int, *, host: str = "0.0.0.0") -> None:
    """Serve /metrics on a port of its own, from a thread (the worker's main process)."""
    start_http_server(port, addr=host, registry=_registry())


def forget_process(pid: int) -> None:
    """A pool child is gone: its gauges must not linger (counters stay summed)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(pid)
