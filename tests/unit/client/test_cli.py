"""The console script's arguments and output, without a database: a usage error is
refused before any connection is made (exit status 2), and lists never show a secret."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from click.testing import CliRunner

from client.cli import main
from client.keys_commands import table
from client.tenants_commands import describe
from workers.storage.api_keys import KeyInfo
from workers.storage.tenants import TenantLimits


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["keys", "create", "--tenant", "acme", "--name", "ci", "--role", "owner"], "owner"),
        (["keys", "create", "--tenant", "Acme", "--name", "ci"], "lower-case"),
        (["keys", "create", "--name", "ci"], "--tenant"),
        (["keys", "list", "--tenant", "a b"], "lower-case"),
        (["tenants", "set", "acme", "--requests-per-minute", "-1"], "a whole number from 1"),
        (["tenants", "set", "acme", "--monthly-budget-usd", "lots"], "US dollars"),
        (["tenants", "set", "acme", "--monthly-budget-usd", "NaN"], "0 or more"),
        (["tenants", "set", "acme", "--providers", ","], "comma-separated"),
        (["tenants", "set", "acme", "--figma-token-stdin", "--clear-figma-token"], "exclude"),
        (["tenants", "set", "acme", "--figma-token", "figd_x"], "No such option"),
        (["tenants", "set", "acme", "--code-packages", "clsx,../../etc"], "not a package name"),
        (["tenants", "set", "acme", "--code-packages", "*"], "not a package name"),
        (["tenants", "set", "acme", "--code-url-hosts", "https://x.example"], "not a host name"),
        (["nothing"], "No such command"),
    ],
)
def test_usage_errors_exit_2_before_any_database(args: list[str], says: str) -> None:
    # When the arguments are wrong (the unit tier has no database: any use would fail)
    result = CliRunner().invoke(main, args, input="")
    # Then click refuses them with status 2 and says why
    assert result.exit_code == 2, result.output
    assert says in result.output


def test_an_empty_token_on_stdin_is_refused() -> None:
    result = CliRunner().invoke(main, ["tenants", "set", "acme", "--figma-token-stdin"], input="\n")
    assert result.exit_code == 2
    assert "stdin held no token" in result.output


def test_the_key_table_shows_prefixes_and_times() -> None:
    created = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    info = KeyInfo("cf_abcd1234", "acme", "ci", "submit", created, None, created)
    lines = table([info]).splitlines()
    assert lines[0].split() == ["prefix", "tenant", "name", "role", "created", "last", "used",
                                "revoked"]  # fmt: skip
    assert lines[2].split() == ["cf_abcd1234", "acme", "ci", "submit", "2026-01-02",
                                "03:04:05Z", "-", "2026-01-02", "03:04:05Z"]  # fmt: skip


def test_a_tenant_shows_unset_limits_as_default() -> None:
    limits = TenantLimits(requests_per_minute=60, monthly_budget_usd=Decimal("12.500000"),
                          allowed_models=["m1", "m2"])  # fmt: skip
    shown = dict(
        (label.strip(), value.strip())
        for label, value in (
            line.rsplit("  ", 1) for line in describe("acme", limits, True).splitlines()
        )
    )
    assert shown == {
        "tenant": "acme",
        "requests per minute": "60",
        "max in flight": "default",
        "monthly budget (USD)": "12.5",
        "providers": "default",
        "models": "m1,m2",
        "figma token": "set",
        "webhook hosts": "none",
        "code packages": "default",
        "code url hosts": "default",
    }
