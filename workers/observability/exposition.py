"""Serving /metrics: one registry that sums every process's counts in multiprocess mode,
or this process's alone otherwise."""

from __future__ import annotations

import os
from collections.abc import Iterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
    start_http_server,
)
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector


def _registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


def exposition(*extra: Collector) -> tuple[bytes, str]:
    """The text exposition format and its content type; `extra` collectors are read
    at this scrape only (resource gauges)."""
    registry = CollectorRegistry()
    registry.register(_Merged(_registry()))
    for collector in extra:
        registry.register(collector)
    return generate_latest(registry), CONTENT_TYPE_LATEST


class _Merged(Collector):
    """Another registry's metrics, so extra collectors can be added per scrape."""

    def __init__(self, source: CollectorRegistry) -> None:
        self._source = source

    def collect(self) -> Iterator[Metric]:
        return self._source.collect()

    def describe(self) -> Iterator[Metric]:
        return iter(())


def serve(port: int, *, host: str = "127.0.0.1") -> None:
    """Serve /metrics on a port of its own, from a thread (the worker's main process);
    this machine only unless `host` says otherwise (WORKER_METRICS_HOST)."""
    start_http_server(port, addr=host, registry=_registry())


def forget_process(pid: int) -> None:
    """A pool child is gone: its gauges must not linger (counters stay summed)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(pid)
