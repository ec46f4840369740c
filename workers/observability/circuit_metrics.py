"""`circuit_breaker_state{service}` read from the shared circuits at scrape time.

The state lives in Redis (workers.resilience.circuit_breaker), so one reader (the API) exports it
for every worker process and machine; gauges set inside pool processes would go stale.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from workers.clients import redis_client
from workers.resilience.circuit_breaker import GAUGE_VALUES, read_all

logger = logging.getLogger(__name__)
NAME = "circuit_breaker_state"


class CircuitCollector(Collector):
    def collect(self) -> Iterator[Any]:
        try:
            circuits = read_all(redis_client())
        except Exception as exc:  # Redis down: its own alert says so; no stale values
            logger.warning("circuit breaker gauge: %s", exc)
            return
        gauge = GaugeMetricFamily(
            NAME, "Circuit per dependency: 0 closed, 1 half-open, 2 open", labels=["service"]
        )
        for service, circuit in circuits.items():
            gauge.add_metric([service], GAUGE_VALUES[circuit.state])
        yield gauge

    def describe(self) -> Iterator[Any]:
        return iter(())
