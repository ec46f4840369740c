"""Prometheus metrics, named as DESIGN.md fixes them (dashboards and alerts use these).

Defined once per process. Exposing them (/metrics, worker multiprocess mode) is the
observability work's; counting starts here.
"""

from __future__ import annotations

from prometheus_client import Counter

CACHE_HITS = Counter("cache_hits", "Cache lookups that found an entry", ["layer"])
CACHE_MISSES = Counter("cache_misses", "Cache lookups that found none", ["layer"])
LLM_TOKENS = Counter(
    "llm_tokens", "Tokens sent to and received from LLMs", ["provider", "model", "kind"]
)
GENERATION_COST = Counter(
    "generation_cost_dollars", "Money spent on paid calls", ["component_type", "api"]
)
