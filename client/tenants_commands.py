"""`componentforge tenants set | show`: a tenant's limits, its own Figma token and its
webhooks (allowed hosts; a signing secret, printed once when rotated).

A limit left unset (None) follows the deployment's default; `default` resets one. The
Figma token is read from stdin, never from the command line (argv is visible to every
user of the machine, and kept in shell history), and never printed.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any, get_args

import click

from client.database import engine
from client.params import TENANT
from core.spec import Options
from core.webhook_url import check_host_pattern
from workers.storage.tenants import (
    TenantLimits,
    has_figma_token,
    load_limits,
    set_figma_token,
    update_limits,
)
from workers.storage.tenants import rotate_webhook_secret as rotate_webhook_secret_of

DEFAULT = "default"
PROVIDERS = get_args(Options.model_fields["provider"].annotation)


class _Reset:
    """The value `default`: set the limit back to NULL (the deployment's default)."""


RESET = _Reset()


class _Limit(click.ParamType):
    """A value, or `default`."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and value.strip().lower() == DEFAULT:
            return RESET
        try:
            return self.parse(str(value))
        except ValueError as exc:
            self.fail(f"{value!r}: {exc} (or '{DEFAULT}')", param, ctx)

    def parse(self, text: str) -> Any:
        raise NotImplementedError


class _Count(_Limit):
    name = "N|default"

    def parse(self, text: str) -> int:
        if not text.isdigit() or not 1 <= int(text) <= 2**31 - 1:
            raise ValueError("a whole number from 1")
        return int(text)


class _Usd(_Limit):
    name = "USD|default"

    def parse(self, text: str) -> Decimal:
        try:
            usd = Decimal(text)
        except InvalidOperation:
            raise ValueError("an amount in US dollars, e.g. 25 or 12.50") from None
        if not usd.is_finite() or usd < 0:
            raise ValueError("an amount of 0 or more")
        return usd


class _Names(_Limit):
    name = "a,b|default"

    def __init__(
        self, *, known: tuple[str, ...] = (), each: Callable[[str], str] | None = None
    ) -> None:
        self.known, self.each = known, each

    def parse(self, text: str) -> list[str]:
        names = [name.strip() for name in text.split(",") if name.strip()]
        if not names:
            raise ValueError("a comma-separated list")
        unknown = [name for name in names if self.known and name not in self.known]
        if unknown:
            raise ValueError(f"unknown {', '.join(unknown)}; known: {', '.join(self.known)}")
        return [self.each(name) for name in names] if self.each else names


# An npm package (optionally scoped) or a whole scope (`@radix-ui/*`), as the code policy
# matches imports: nothing a path or URL could hide in.
_PACKAGE = re.compile(r"(@[a-z0-9][a-z0-9._~-]*/)?([a-z0-9][a-z0-9._~-]*|\*)")


def _package(entry: str) -> str:
    entry = entry.lower()
    match = _PACKAGE.fullmatch(entry)
    if match is None or (entry.endswith("*") and not match.group(1)):
        raise ValueError(f"{entry!r} is not a package name; give e.g. clsx or @radix-ui/*")
    return entry


def _host_patterns(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> tuple[str, ...]:
    try:
        return tuple(check_host_pattern(value) for value in values)
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from None


@click.group()
def tenants() -> None:
    """A tenant's limits and Figma token."""


@tenants.command("set")
@click.argument("tenant", type=TENANT)
@click.option("--requests-per-minute", type=_Count(), help="Submissions a minute.")
@click.option("--max-in-flight", type=_Count(), help="Jobs queued or running at once.")
@click.option("--monthly-budget-usd", type=_Usd(), help="Spend on paid providers a month.")
@click.option("--providers", type=_Names(known=PROVIDERS), help="Allowed providers.")
@click.option("--models", type=_Names(), help="Allowed models (of priced ones).")
@click.option(
    "--code-packages",
    type=_Names(each=_package),
    help="Packages its generated code may import (clsx,@radix-ui/*); installed where workers run.",
)
@click.option(
    "--code-url-hosts",
    type=_Names(each=check_host_pattern),
    help="Hosts https: URLs in its code may name (docs.example.com,*.example.com).",
)
@click.option("--figma-token-stdin", is_flag=True, help="Read its Figma token from stdin.")
@click.option("--clear-figma-token", is_flag=True, help="Remove its Figma token.")
@click.option(
    "--webhook-host",
    "webhook_hosts",
    multiple=True,
    callback=_host_patterns,
    help="Allow its webhooks to call this host (or *.example.com); repeatable.",
)
@click.option(
    "--remove-webhook-host",
    "removed_hosts",
    multiple=True,
    callback=_host_patterns,
    help="Take a host off its webhook allow-list; repeatable.",
)
@click.option(
    "--rotate-webhook-secret",
    is_flag=True,
    help="Make a new webhook signing secret and print it (shown once).",
)
def set_(
    tenant: str,
    requests_per_minute: Any,
    max_in_flight: Any,
    monthly_budget_usd: Any,
    providers: Any,
    models: Any,
    code_packages: Any,
    code_url_hosts: Any,
    figma_token_stdin: bool,
    clear_figma_token: bool,
    webhook_hosts: tuple[str, ...],
    removed_hosts: tuple[str, ...],
    rotate_webhook_secret: bool,
) -> None:
    """Create TENANT or change its limits; `default` resets a limit to the deployment's."""
    if figma_token_stdin and clear_figma_token:
        raise click.UsageError("--figma-token-stdin and --clear-figma-token exclude each other")
    given = {
        "requests_per_minute": requests_per_minute,
        "max_in_flight": max_in_flight,
        "monthly_budget_usd": monthly_budget_usd,
        "allowed_providers": providers,
        "allowed_models": models,
        "code_packages": code_packages,
        "code_url_hosts": code_url_hosts,
    }
    changes = {name: None if value is RESET else value
               for name, value in given.items() if value is not None}  # fmt: skip
    token = _read_token() if figma_token_stdin else None
    # The token first: without TENANT_SECRETS_KEY it fails, and then nothing has changed.
    if figma_token_stdin or clear_figma_token:
        set_figma_token(engine(), tenant, token)
    if webhook_hosts or removed_hosts:
        current = (load_limits(engine(), tenant) or TenantLimits()).webhook_hosts or []
        kept = [host for host in current if host not in removed_hosts]
        changes["webhook_hosts"] = kept + [h for h in webhook_hosts if h not in kept]
    secret = rotate_webhook_secret_of(engine(), tenant) if rotate_webhook_secret else None
    limits = update_limits(engine(), tenant, **changes)
    click.echo(describe(tenant, limits, has_figma_token(engine(), tenant)))
    if secret is not None:
        # Last, alone on its line, and only now: it is not stored in clear anywhere.
        click.echo(f"webhook secret (shown once; verify deliveries with it):\n{secret}")


@tenants.command()
@click.argument("tenant", type=TENANT)
def show(tenant: str) -> None:
    """TENANT's limits and whether it has a Figma token (never the token)."""
    limits = load_limits(engine(), tenant)
    if limits is None:
        raise click.ClickException(f"no tenant {tenant} (create it: componentforge tenants set)")
    click.echo(describe(tenant, limits, has_figma_token(engine(), tenant)))


def describe(tenant: str, limits: TenantLimits, figma: bool) -> str:
    def shown(value: Any) -> str:
        if value is None:
            return DEFAULT
        if isinstance(value, Decimal):
            return format(value.normalize(), "f")  # 12.5, not the column's 12.500000
        return ",".join(value) if isinstance(value, list) else str(value)

    rows = [
        ("tenant", tenant),
        ("requests per minute", shown(limits.requests_per_minute)),
        ("max in flight", shown(limits.max_in_flight)),
        ("monthly budget (USD)", shown(limits.monthly_budget_usd)),
        ("providers", shown(limits.allowed_providers)),
        ("models", shown(limits.allowed_models)),
        ("code packages", shown(limits.code_packages)),
        ("code url hosts", shown(limits.code_url_hosts)),
        ("figma token", "set" if figma else "not set"),
        ("webhook hosts", ",".join(limits.webhook_hosts or []) or "none"),
    ]
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"{label.ljust(width)}  {value}" for label, value in rows)


def _read_token() -> str:
    if sys.stdin.isatty():
        token = click.prompt("Figma token", hide_input=True, err=True)
    else:
        token = sys.stdin.read()
    token = token.strip()
    if not token:
        raise click.UsageError("--figma-token-stdin: stdin held no token")
    return token
