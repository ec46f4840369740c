"""`componentforge keys create | list | revoke`: API keys (README: Access).

A key is shown once, by `create`, as the last line of its output; only its hash is kept.
"""

from __future__ import annotations

from datetime import UTC, datetime

import click

from client.database import engine
from client.params import TENANT
from config.settings import get_settings
from core.access import Role
from workers.storage.api_keys import KeyInfo, create_key, list_keys, revoke_key

PREFIX_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789")


@click.group()
def keys() -> None:
    """Create, list and revoke API keys."""


@keys.command()
@click.option("--tenant", required=True, type=TENANT, help="Created if new.")
@click.option("--name", required=True, help="What the key is for (e.g. ci, alice).")
@click.option(
    "--role",
    type=click.Choice([role.value for role in Role]),
    default=Role.SUBMIT.value,
    show_default=True,
    help="read: read its tenant's jobs; submit: also submit; admin: everything, all tenants.",
)
def create(tenant: str, name: str, role: str) -> None:
    """Mint a key; it is printed once, as the last line."""
    key, info = create_key(engine(), tenant_id=tenant, name=name, role=Role(role))
    click.echo(f"created {info.prefix} for tenant {info.tenant_id} (role {info.role}, "
               f"name {info.name!r})")  # fmt: skip
    click.echo("shown once: store it now (only its hash is kept); send it as "
               "'Authorization: Bearer <key>'")  # fmt: skip
    click.echo(key)


@keys.command("list")
@click.option("--tenant", type=TENANT, help="Only this tenant's keys.")
def list_(tenant: str | None) -> None:
    """The keys (never the key itself or its hash)."""
    found = list_keys(engine(), tenant_id=tenant)
    if not found:
        click.echo("no keys" + (f" for tenant {tenant}" if tenant else ""))
        return
    click.echo(table(found))


@keys.command()
@click.argument("prefix")
def revoke(prefix: str) -> None:
    """Revoke a key by its prefix (cf_xxxxxxxx, the bare prefix or the whole key).

    Revoking a revoked key changes nothing."""
    bare = prefix.removeprefix("cf_").split("_")[0]
    info = revoke_key(engine(), bare) if _is_prefix(bare) else None
    if info is None:
        raise click.ClickException(f"no key with prefix {_shown(prefix)}")
    cache_s = get_settings().api_key_cache_s
    click.echo(f"revoked {info.prefix} (tenant {info.tenant_id}, name {info.name!r}) at "
               f"{_when(info.revoked_at)}")  # fmt: skip
    click.echo(f"API processes refuse it within API_KEY_CACHE_S seconds "
               f"({cache_s:g} s in this environment)")  # fmt: skip


COLUMNS = ("prefix", "tenant", "name", "role", "created", "last used", "revoked")


def table(found: list[KeyInfo]) -> str:
    rows = [
        [k.prefix, k.tenant_id, k.name, k.role, _when(k.created_at), _when(k.last_used_at),
         _when(k.revoked_at)]
        for k in found
    ]  # fmt: skip
    widths = [max(len(row[i]) for row in [list(COLUMNS), *rows]) for i in range(len(COLUMNS))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [list(COLUMNS), *rows]
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def _when(at: datetime | None) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ") if at else "-"


def _is_prefix(text: str) -> bool:
    return len(text) == 8 and set(text) <= PREFIX_CHARS


def _shown(given: str) -> str:
    """What the user typed, without a whole key's secret (it may be one)."""
    return "cf_" + given.removeprefix("cf_").split("_")[0][:8]
