"""The `componentforge` console script, run as an operator runs it (a subprocess of the
installed script) against the run's database: keys that work until revoked, tenants'
limits and Figma tokens, and one-line errors with the right exit status."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine, text

from core.access import KEY_PATTERN
from tests.conftest import bearer
from tests.helpers import own_database

pytestmark = pytest.mark.integration

SCRIPT = Path(sys.executable).parent / "componentforge"
UNKNOWN_JOB = "/v1/generations/no-such-job"  # 404 to a valid key, 401 to any other


def cli(
    *args: str, env: dict[str, str] | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """The installed script with the run's environment (its DATABASE_URL), plus `env`."""
    return subprocess.run(
        [str(SCRIPT), *args],
        env={**os.environ, **(env or {})},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def new_tenant() -> str:
    return f"cli-{uuid.uuid4().hex[:8]}"


def test_a_created_key_works_until_revoked(start_api: Callable[..., httpx.Client]) -> None:
    # Given an API that reuses key look-ups for 0.5 s
    api = start_api(env={"API_KEY_CACHE_S": "0.5"})
    tenant = new_tenant()
    # When an operator creates a key
    created = cli("keys", "create", "--tenant", tenant, "--name", "ci")
    # Then its last line is the key, the API takes it, and the log names only its prefix
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip().splitlines()[-1]
    match = KEY_PATTERN.fullmatch(key)
    assert match is not None, created.stdout
    prefix = f"cf_{match.group(1)}"
    assert "shown once" in created.stdout
    assert prefix in created.stderr and key not in created.stderr
    assert api.get(UNKNOWN_JOB, headers=bearer(key)).status_code == 404

    # When the keys are listed
    listed = cli("keys", "list", "--tenant", tenant)
    # Then the key shows by its prefix, never whole
    assert listed.returncode == 0, listed.stderr
    assert prefix in listed.stdout and "submit" in listed.stdout
    assert match.group(2) not in listed.stdout

    # When it is revoked (as the whole key, as an operator might paste it)
    revoked = cli("keys", "revoke", key)
    assert revoked.returncode == 0, revoked.stderr
    assert "API_KEY_CACHE_S" in revoked.stdout
    assert key not in revoked.stdout + revoked.stderr
    # Then the API refuses it within seconds
    deadline = time.monotonic() + 2.0
    while api.get(UNKNOWN_JOB, headers=bearer(key)).status_code != 401:
        assert time.monotonic() < deadline, "a revoked key still works after 2 s"
        time.sleep(0.1)
    # And revoking again changes nothing, and the list says when
    again = cli("keys", "revoke", prefix)
    assert again.returncode == 0, again.stderr
    row = next(line for line in cli("keys", "list").stdout.splitlines() if prefix in line)
    assert row.count("Z") == 3, row  # created, last used (by the API) and revoked


def test_an_admin_key_has_the_admin_role(engine: Engine) -> None:
    # When an admin key is created
    created = cli("keys", "create", "--tenant", "ops", "--name", "first-admin", "--role", "admin")
    # Then it is stored with that role
    assert created.returncode == 0, created.stderr
    prefix = KEY_PATTERN.fullmatch(created.stdout.splitlines()[-1]).group(1)  # type: ignore[union-attr]
    with engine.connect() as conn:
        role = conn.execute(text("SELECT role FROM api_keys WHERE prefix = :p"), {"p": prefix})
        assert role.scalar_one() == "admin"


@pytest.mark.parametrize(
    ("args", "status", "says"),
    [
        (("keys", "revoke", "cf_zzzzzzzz"), 1, "no key with prefix cf_zzzzzzzz"),
        (("keys", "revoke", "not-a-prefix"), 1, "no key with prefix"),
        (("keys", "create", "--tenant", "t", "--name", "n", "--role", "boss"), 2, "'boss'"),
        (("keys", "create", "--tenant", "Acme", "--name", "n"), 2, "lower-case letters"),
        (("keys", "create", "--tenant", "acme"), 2, "--name"),
        (("tenants", "show", "no-such-tenant"), 1, "no tenant no-such-tenant"),
        (("tenants", "set", "t", "--max-in-flight", "0"), 2, "a whole number from 1"),
        (("tenants", "set", "t", "--providers", "gpt"), 2, "known: template, openai"),
    ],
)
def test_refusals_are_one_clear_line(args: tuple[str, ...], status: int, says: str) -> None:
    # When a command cannot do what it is asked
    result = cli(*args)
    # Then it exits with its status (1 failure, 2 usage) and says why, without a traceback
    assert result.returncode == status, result.stdout + result.stderr
    assert says in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unreachable_database_names_its_host_not_its_password() -> None:
    # Given a DATABASE_URL where nothing listens
    env = {"DATABASE_URL": "postgresql+psycopg2://postgres:hunter2@127.0.0.1:1/nowhere"}
    # When any command runs
    result = cli("keys", "list", env=env)
    # Then it fails with one line naming the host and the setting to check
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "127.0.0.1:1" in lines[0] and "DATABASE_URL" in lines[0]
    assert "hunter2" not in result.stderr + result.stdout


def test_a_database_without_tables_says_to_migrate(services: object) -> None:
    # Given a database no migration has run on
    with own_database(os.environ["DATABASE_URL"], "cf_cli_empty") as url:
        # When a key is created there
        result = cli("keys", "create", "--tenant", "t", "--name", "n", env={"DATABASE_URL": url})
    # Then it says what to run
    assert result.returncode == 1
    assert "make migrate" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_tenant_limits_and_figma_token_round_trip(engine: Engine) -> None:
    tenant = new_tenant()
    secrets_key = Fernet.generate_key().decode()
    env = {"TENANT_SECRETS_KEY": secrets_key}
    token = f"figd_{uuid.uuid4().hex}"
    # When limits are set and a Figma token is given on stdin
    result = cli(
        "tenants", "set", tenant, "--requests-per-minute", "30", "--max-in-flight", "3",
        "--monthly-budget-usd", "12.50", "--providers", "template", "--models", "m1,m2",
        "--figma-token-stdin", env=env, stdin=f"{token}\n",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    # Then show gives them back and says a token is set, never printing it
    shown = cli("tenants", "show", tenant, env=env)
    assert shown.returncode == 0, shown.stderr
    assert _field(shown.stdout, "requests per minute") == "30"
    assert _field(shown.stdout, "max in flight") == "3"
    assert _field(shown.stdout, "monthly budget (USD)") == "12.5"
    assert _field(shown.stdout, "providers") == "template"
    assert _field(shown.stdout, "models") == "m1,m2"
    assert _field(shown.stdout, "figma token") == "set"
    for output in (result.stdout, result.stderr, shown.stdout, shown.stderr):
        assert token not in output
    # And the token is stored encrypted with TENANT_SECRETS_KEY
    with engine.connect() as conn:
        sealed = conn.execute(
            text("SELECT figma_token_encrypted FROM tenants WHERE id = :t"), {"t": tenant}
        ).scalar_one()
    assert token not in sealed
    assert Fernet(secrets_key.encode()).decrypt(sealed.encode()).decode() == token

    # When a limit is reset to the default and the token cleared
    reset = cli("tenants", "set", tenant, "--max-in-flight", "default", "--clear-figma-token")
    # Then the others stay as they were
    assert reset.returncode == 0, reset.stderr
    assert _field(reset.stdout, "max in flight") == "default"
    assert _field(reset.stdout, "requests per minute") == "30"
    assert _field(reset.stdout, "figma token") == "not set"


def test_a_figma_token_without_a_secrets_key_changes_nothing() -> None:
    # Given a tenant with a limit, and no TENANT_SECRETS_KEY
    tenant = new_tenant()
    assert cli("tenants", "set", tenant, "--max-in-flight", "4").returncode == 0
    env = {k: v for k, v in os.environ.items() if k != "TENANT_SECRETS_KEY"}
    # When a token and a new limit are given
    result = subprocess.run(
        [str(SCRIPT), "tenants", "set", tenant, "--figma-token-stdin", "--max-in-flight", "9"],
        env=env, input="figd_x\n", capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    # Then it fails saying which setting is missing, and the limit is unchanged
    assert result.returncode == 1
    assert "TENANT_SECRETS_KEY is not set" in result.stderr
    assert _field(cli("tenants", "show", tenant).stdout, "max in flight") == "4"


def _field(shown: str, label: str) -> str:
    for line in shown.splitlines():
        if line.startswith(label + "  "):
            return line[len(label) :].strip()
    raise AssertionError(f"no {label!r} in:\n{shown}")
