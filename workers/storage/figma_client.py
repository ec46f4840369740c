"""Figma REST API client behind the L0 cache.

GET /v1/files/:key and /v1/files/:key/styles, with X-Figma-Token: the job's tenant's own
token (workers.storage.figma_tokens). A file's current version comes from a shallow
request (`?depth=1`: its `version`, else `lastModified`), remembered FIGMA_VERSION_TTL_S
per tenant and file; it is part of the job's L1 key. Answers are kept in Redis for
FIGMA_CACHE_TTL_S per tenant, file, version and endpoint
(`figma:{tenant}:{file_key}@{version}:{endpoint}`), so they are never stale, a burst of
jobs on one file costs Figma one request, and a tenant is served only what its token read.
Requests run under the extract_tokens retry policy and the figma circuit breaker
(workers.resilience.dependency.FIGMA); a 429 is waited out when its Retry-After is within
the policy's max_retry_after_s, otherwise the job fails saying so.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import redis
from pydantic import SecretStr

from config.settings import Settings
from core.errors import DependencyUnavailable, FigmaError
from core.keys import figma_index_key, figma_key, figma_version_key
from workers.observability import metrics
from workers.resilience.dependency import FIGMA, REDIS_CACHE

ENDPOINTS = {"file": "/v1/files/{key}", "styles": "/v1/files/{key}/styles"}
SHALLOW = "/v1/files/{key}?depth=1"  # the file's version, with a tiny document


@dataclass
class FigmaSource:
    """Fetches for one job; records its L0 lookups for the job's bookkeeping."""

    settings: Settings
    http: httpx.Client
    tenant: str = "-"  # whose token reads the file, and whose L0 entries hold it
    token: Callable[[], SecretStr] | None = None  # the tenant's; raises FigmaError if none
    lookups: list[tuple[bool, float]] = field(default_factory=list)  # (hit, ms)
    cache_unavailable: bool = False
    # file key -> version: the one this job's L1 key names, so its answers are that one's
    versions: dict[str, str] = field(default_factory=dict)

    def version(self, file_key: str) -> str:
        """The file's current version: pinned for this job, else remembered (L0, for
        FIGMA_VERSION_TTL_S), else asked of Figma. Raises as a fetch does (never None)."""
        if file_key in self.versions:
            return self.versions[file_key]
        token = self._token()
        key = figma_version_key(self.tenant, file_key)
        cached, available = REDIS_CACHE.guarded(lambda r: r.get(key))
        if cached is not None:
            version = cached.decode() if isinstance(cached, bytes) else str(cached)
        else:
            answer = json.loads(self._fetch(SHALLOW.format(key=file_key), file_key, token))
            version = _version_of(answer, file_key)
            ttl_s = self.settings.figma_version_ttl_s
            stored = True
            if ttl_s > 0:
                _, stored = REDIS_CACHE.guarded(lambda r: r.set(key, version, ex=ttl_s))
            self.cache_unavailable = self.cache_unavailable or not available or not stored
        self.versions[file_key] = version
        return version

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
        # First: a tenant without a token is not served even what the L0 cache holds.
        token = self._token()
        key = figma_key(self.tenant, file_key, self.version(file_key), endpoint)
        started = time.perf_counter()
        cached, available = REDIS_CACHE.guarded(lambda r: r.get(key))
        if available:
            hit = cached is not None
            self.lookups.append((hit, (time.perf_counter() - started) * 1000))
            (metrics.CACHE_HITS if hit else metrics.CACHE_MISSES).labels(layer="L0").inc()
            if cached is not None:
                return json.loads(cached)
        body = self._fetch(ENDPOINTS[endpoint].format(key=file_key), file_key, token)
        ttl_s = self.settings.figma_cache_ttl_s
        _, stored = REDIS_CACHE.guarded(
            lambda r: _store(r, self.tenant, file_key, key, body, ttl_s)
        )
        self.cache_unavailable = self.cache_unavailable or not available or not stored
        return json.loads(body)

    def _token(self) -> SecretStr:
        if self.token is None:
            raise FigmaError(
                f"tenant {self.tenant} has no Figma token; send the file inline as "
                "source.figma_file"
            )
        return self.token()

    def _fetch(self, path: str, file_key: str, token: SecretStr) -> bytes:
        url = self.settings.figma_api_url.rstrip("/") + path
        headers = {"X-Figma-Token": token.get_secret_value()}
        try:
            return FIGMA.call(
                lambda: self._fetch_once(url, headers, file_key), policy="extract_tokens"
            )
        except DependencyUnavailable as exc:
            cap_s = self.settings.retry_policy("extract_tokens").max_retry_after_s
            if exc.retry_after_s is not None and exc.retry_after_s > cap_s:
                raise FigmaError(
                    f"Figma rate-limited this token and asked to wait {exc.retry_after_s:.0f} s, "
                    f"more than the extract_tokens retry policy's max_retry_after_s={cap_s:.0f} "
                    "(RETRY_POLICIES); resubmit later"
                ) from exc
            raise

    def _fetch_once(self, url: str, headers: dict[str, str], file_key: str) -> bytes:
        try:
            response = self.http.get(url, headers=headers, timeout=self.settings.figma_timeout_s)
        except httpx.TimeoutException as exc:
            raise DependencyUnavailable(f"Figma timed out: {exc}", kind="timeout") from exc
        except httpx.HTTPError as exc:
            raise DependencyUnavailable(f"Figma unreachable: {exc}") from exc
        status = response.status_code
        if status == 200:
            return response.content
        if status == 429:
            raise DependencyUnavailable(
                "Figma rate-limited this token (HTTP 429)",
                kind="rate_limit",
                retry_after_s=_retry_after_s(response),
            )
        if status in (401, 403):
            raise FigmaError(
                f"Figma refused tenant {self.tenant}'s token (HTTP {status}); check that "
                f"it can read file {file_key} (componentforge tenants set {self.tenant} "
                "--figma-token-stdin replaces it)"
            )
        if status == 404:
            raise FigmaError(f"Figma file {file_key} not found; check source.figma_file_key")
        if status >= 500:
            raise DependencyUnavailable(f"Figma answered HTTP {status}", kind="server_error")
        raise FigmaError(f"Figma answered HTTP {status} for {url}")


def _version_of(answer: Any, file_key: str) -> str:
    """The shallow answer's `version`, else its `lastModified`."""
    fields = answer if isinstance(answer, dict) else {}
    version = fields.get("version") or fields.get("lastModified")
    if not isinstance(version, str | int) or isinstance(version, bool):
        raise FigmaError(
            f"Figma's answer for file {file_key} names no version nor lastModified; "
            "check that FIGMA_API_URL points at Figma's REST API"
        )
    return str(version)


def _retry_after_s(response: httpx.Response) -> float:
    try:
        return max(float(response.headers.get("Retry-After", "1")), 0.0)
    except ValueError:
        return 1.0


def _store(
    client: redis.Redis, tenant: str, file_key: str, key: str, body: bytes, ttl_s: int
) -> bool:
    """Keep an L0 answer, and its key in the file's index, in one round trip."""
    index = figma_index_key(tenant, file_key)
    pipe = client.pipeline(transaction=True)
    pipe.set(key, body, ex=ttl_s)
    pipe.sadd(index, key)
    pipe.expire(index, ttl_s)
    return bool(pipe.execute()[0])


def invalidate(client: redis.Redis, tenant: str, file_key: str) -> int:
    """Drop a tenant's L0 entries of a file (every version's, and its remembered version);
    returns how many there were. Read from the file's index: a scan of the keyspace would
    cost every tenant's Redis time in proportion to all keys, at anyone's request."""
    index = figma_index_key(tenant, file_key)
    keys = [figma_version_key(tenant, file_key), *client.smembers(index)]
    dropped = int(client.delete(*keys))
    client.delete(index)
    return dropped
