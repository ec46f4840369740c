"""Figma REST API client behind the L0 cache.

GET /v1/files/:key and /v1/files/:key/styles, with X-Figma-Token. Answers are kept in
Redis for FIGMA_CACHE_TTL_S per file and endpoint (`figma:{endpoint}:{file_key}`), so a
burst of jobs on one file costs Figma one request. A 429 is waited out when its
Retry-After is within FIGMA_RETRY_AFTER_CAP_S; otherwise the job fails saying so.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import redis

from config.settings import Settings
from workers import metrics
from workers.errors import DependencyUnavailable, FigmaError

logger = logging.getLogger(__name__)
ENDPOINTS = {"file": "/v1/files/{key}", "styles": "/v1/files/{key}/styles"}


def l0_key(endpoint: str, file_key: str) -> str:
    return f"figma:{endpoint}:{file_key}"


@dataclass
class FigmaSource:
    """Fetches for one job; records its L0 lookups for the job's bookkeeping."""

    settings: Settings
    http: httpx.Client
    cache: redis.Redis
    lookups: list[tuple[bool, float]] = field(default_factory=list)  # (hit, ms)

    def file(self, file_key: str) -> dict[str, Any]:
        document = self._get("file", file_key)
        if not isinstance(document, dict):
            raise FigmaError(f"Figma returned no file for {file_key}")
        return document

    def styles(self, file_key: str) -> list[Any]:
        answer = self._get("styles", file_key)
        meta = answer.get("meta") if isinstance(answer, dict) else None
        return list(meta.get("styles") or []) if isinstance(meta, dict) else []

    def _get(self, endpoint: str, file_key: str) -> Any:
        started = time.perf_counter()
        cached = self.cache.get(l0_key(endpoint, file_key))
        hit = cached is not None
        self.lookups.append((hit, (time.perf_counter() - started) * 1000))
        (metrics.CACHE_HITS if hit else metrics.CACHE_MISSES).labels(layer="L0").inc()
        if cached is not None:
            return json.loads(cached)
        body = self._fetch(ENDPOINTS[endpoint].format(key=file_key), file_key)
        self.cache.set(l0_key(endpoint, file_key), body, ex=self.settings.figma_cache_ttl_s)
        return json.loads(body)

    def _fetch(self, path: str, file_key: str) -> bytes:
        token = self.settings.figma_token
        if token is None:
            raise FigmaError(
                "this job names a figma_file_key but FIGMA_TOKEN is not set on the workers; "
                "set it, or send the file inline as source.figma_file"
            )
        url = self.settings.figma_api_url.rstrip("/") + path
        attempts = self.settings.figma_max_attempts
        for attempt in range(1, attempts + 1):
            try:
                response = self.http.get(
                    url,
                    headers={"X-Figma-Token": token.get_secret_value()},
                    timeout=self.settings.figma_timeout_s,
                )
            except httpx.HTTPError as exc:
                raise DependencyUnavailable(f"Figma unreachable: {exc}") from exc
            if response.status_code == 200:
                return response.content
            if response.status_code == 429:
                wait_s = _retry_after_s(response)
                cap_s = self.settings.figma_retry_after_cap_s
                if wait_s > cap_s:
                    raise FigmaError(
                        f"Figma rate-limited this token and asked to wait {wait_s:.0f} s, more "
                        f"than FIGMA_RETRY_AFTER_CAP_S={cap_s:.0f}; resubmit later"
                    )
                if attempt < attempts:
                    logger.info("figma 429 on %s; waiting %.1f s", path, wait_s)
                    time.sleep(wait_s)
                    continue
                raise FigmaError(f"Figma still rate-limited this token after {attempts} attempts")
            if response.status_code in (401, 403):
                raise FigmaError(
                    f"Figma refused the token (HTTP {response.status_code}); check FIGMA_TOKEN "
                    f"and that it can read file {file_key}"
                )
            if response.status_code == 404:
                raise FigmaError(f"Figma file {file_key} not found; check source.figma_file_key")
            if response.status_code >= 500 and attempt < attempts:
                time.sleep(min(2**attempt * 0.1, 2))
                continue
            if response.status_code >= 500:
                raise DependencyUnavailable(f"Figma answered HTTP {response.status_code}")
            raise FigmaError(f"Figma answered HTTP {response.status_code} for {path}")
        raise AssertionError("unreachable")  # the loop returns or raises


def _retry_after_s(response: httpx.Response) -> float:
    try:
        return max(float(response.headers.get("Retry-After", "1")), 0.0)
    except ValueError:
        return 1.0


def invalidate(client: redis.Redis, file_key: str) -> int:
    """Drop a file's L0 entries; returns how many there were."""
    return int(client.delete(*(l0_key(endpoint, file_key) for endpoint in ENDPOINTS)))
