"""A tenant's limits as the API applies them: its tenants row with the deployment's
defaults filled in, remembered per process for TENANT_LIMITS_CACHE_S (a submission does
not read Postgres), and which providers and models it may ask for.

A missing row (create_key makes one, so it should not happen) means the defaults.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from config.llm_prices import price_table
from config.settings import Settings, get_settings
from core.errors import BadRequest
from core.spec import JobSpec
from core.webhook_url import HOSTS_HINT, check_url, host_allowed
from workers.clients import db_engine
from workers.storage.tenants import TenantLimits, load_limits

PAID_PROVIDERS = frozenset({"openai"})
"""Providers whose calls cost money (and count against the monthly budget)."""
_CACHE_MAX = 10_000


@dataclass(frozen=True)
class Limits:
    """A tenant's limits in force (no None but for "every provider/model")."""

    requests_per_minute: int
    max_in_flight: int
    monthly_budget_usd: float
    allowed_providers: list[str] | None
    allowed_models: list[str] | None
    webhook_hosts: list[str] = field(default_factory=list)
    """Hosts its jobs' webhooks may call (core.webhook_url.host_allowed); none by default."""
    exists: bool = True
    """Whether the tenant has a row: an admin may submit only for a tenant that exists."""


_cache: dict[str, tuple[float, Limits]] = {}
_lock = threading.Lock()


def cached_limits(tenant_id: str) -> Limits | None:
    """The tenant's limits if this process read them in the last TENANT_LIMITS_CACHE_S
    (no I/O: callable on the event loop); None: `limits_of` must read Postgres."""
    hit = _cache.get(tenant_id)
    return hit[1] if hit is not None and hit[0] > time.monotonic() else None


def limits_of(tenant_id: str) -> Limits:
    """The tenant's limits, read from Postgres at most every TENANT_LIMITS_CACHE_S."""
    if (cached := cached_limits(tenant_id)) is not None:
        return cached
    settings = get_settings()
    row = load_limits(db_engine(), tenant_id)
    limits = _with_defaults(row, settings)
    with _lock:
        if len(_cache) >= _CACHE_MAX:
            _cache.clear()  # bounded: tenants are few, but a bug must not grow it
        _cache[tenant_id] = (time.monotonic() + settings.tenant_limits_cache_s, limits)
    return limits


def remember_defaults(tenant_id: str, *, ttl_s: float = 3600.0) -> None:
    """Cache the deployment's defaults as the tenant's limits, as if Postgres had no row
    for it (the unit tier, which has no Postgres)."""
    with _lock:
        _cache[tenant_id] = (time.monotonic() + ttl_s, _with_defaults(None, get_settings()))


def _with_defaults(row: TenantLimits | None, settings: Settings) -> Limits:
    exists = row is not None
    row = row or TenantLimits()  # no row: every limit the default
    rpm, in_flight, budget = row.requests_per_minute, row.max_in_flight, row.monthly_budget_usd
    return Limits(
        requests_per_minute=rpm if rpm is not None else settings.default_requests_per_minute,
        max_in_flight=in_flight if in_flight is not None else settings.default_max_in_flight,
        monthly_budget_usd=(
            float(budget) if budget is not None else settings.default_monthly_budget_usd
        ),
        allowed_providers=row.allowed_providers,
        allowed_models=row.allowed_models,
        webhook_hosts=list(row.webhook_hosts or []),
        exists=exists,
    )


def model_of(spec: JobSpec, settings: Settings) -> str | None:
    """The model a job will call: options.model, or OPENAI_MODEL for an LLM provider
    naming none; None for the template."""
    if spec.options.provider not in PAID_PROVIDERS:
        return spec.options.model
    return spec.options.model or settings.openai_model


def check_provider_and_model(spec: JobSpec, limits: Limits, settings: Settings) -> None:
    """Refuse (422) a provider or model the tenant may not use, and a paid model with no
    price (it would be booked at $0); and a webhook host it has not allowed (every
    submit path calls this, so the webhook check rides along)."""
    check_webhook_host(spec, limits)
    provider = spec.options.provider
    allowed = limits.allowed_providers
    if allowed is not None and provider not in allowed:
        raise BadRequest(
            "options.provider",
            f"{provider!r} is not allowed for your tenant; allowed: {', '.join(allowed) or 'none'}",
        )
    if provider not in PAID_PROVIDERS:
        return
    model = model_of(spec, settings)
    assert model is not None
    if limits.allowed_models is not None and model not in limits.allowed_models:
        raise BadRequest(
            "options.model",
            f"{model!r} is not allowed for your tenant; allowed: "
            f"{', '.join(limits.allowed_models) or 'none'}",
        )
    priced = price_table()
    if model not in priced:
        raise BadRequest(
            "options.model",
            f"{model!r} has no price, so its cost could not be counted; priced models: "
            f"{', '.join(sorted(priced))} (an operator adds prices with LLM_PRICES_JSON)",
        )


def check_webhook_host(spec: JobSpec, limits: Limits) -> None:
    """Refuse (422) options.webhook_url on a host the tenant has not allowed; an empty
    allow-list refuses every webhook. The delivery checks again (the list may change)."""
    url = spec.options.webhook_url
    if url is None:
        return
    host = check_url(url, allow_http=True)  # the form was checked with the spec
    if host_allowed(host, limits.webhook_hosts):
        return
    tenant = spec.tenant_id or "TENANT"
    allowed = ", ".join(limits.webhook_hosts) or "none"
    raise BadRequest(
        "options.webhook_url",
        f"host {host!r} is not on your tenant's webhook allow-list (allowed: {allowed}); "
        f"an operator allows it with: {HOSTS_HINT.format(tenant=tenant, host=host)}",
    )
