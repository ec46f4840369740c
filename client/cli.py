"""`componentforge`: the console script's entry point. It assembles the command groups;
each lives in a module of its own. Exit status: 0 ok, 1 failure, 2 usage error."""

from __future__ import annotations

import logging
from typing import Any

import click

from client.account_commands import cache, usage
from client.database import plain_errors
from client.jobs_commands import cancel, download, status, submit, wait_command
from client.keys_commands import keys
from client.tenants_commands import tenants
from config.logging import configure_logging


class _Cli(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        with plain_errors():
            return super().invoke(ctx)


@click.group(cls=_Cli)
def main() -> None:
    """ComponentForge Jobs: jobs over the HTTP API (COMPONENTFORGE_URL,
    COMPONENTFORGE_API_KEY); API keys and tenants against DATABASE_URL."""
    # Key creation and revocation are logged (stderr), so the key stays stdout's last line.
    # A host that set up logging already (a test's capture) keeps its own.
    if not logging.getLogger().handlers:
        configure_logging("INFO")


main.add_command(keys)
main.add_command(tenants)
for command in (submit, wait_command, status, download, cancel, usage, cache):
    main.add_command(command)
