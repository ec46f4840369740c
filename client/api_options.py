"""What every HTTP command shares: `--url` / `--api-key` (COMPONENTFORGE_URL and
COMPONENTFORGE_API_KEY), the client they make, and the API's refusals as one line each
(`Error: <message> (<status>): <field>: <reason>`), never a traceback and never the key."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import click

from client.http_api import DEFAULT_URL, ApiError, ApiUnreachable, ComponentForgeApi

F = TypeVar("F", bound=Callable[..., Any])

EXIT_FAILED = 1  # a job failed, or the API refused
EXIT_USAGE = 2  # what was asked cannot be done as written: fix the command or its setup

NO_KEY = (
    "no API key: set COMPONENTFORGE_API_KEY=cf_... (or pass --api-key); an operator "
    "makes one with `componentforge keys create --tenant T --name N`"
)


class CommandError(click.ClickException):
    """A one-line error with an exit status of its own (click's default is 1)."""

    def __init__(self, message: str, *, exit_code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def api_options(command: F) -> F:
    """Add --url and --api-key to an HTTP command; it receives `api` (ComponentForgeApi)."""
    command = click.option(
        "--api-key",
        envvar="COMPONENTFORGE_API_KEY",
        show_envvar=True,
        metavar="KEY",
        help="API key (the value is never printed).",
    )(command)
    command = click.option(
        "--url",
        envvar="COMPONENTFORGE_URL",
        default=DEFAULT_URL,
        show_default=True,
        show_envvar=True,
        help="The API's address.",
    )(command)
    return command


@contextmanager
def connected(url: str, api_key: str | None) -> Iterator[ComponentForgeApi]:
    """The client for this invocation; ApiError / ApiUnreachable become one-line errors."""
    if not api_key or not api_key.strip():
        raise CommandError(NO_KEY, exit_code=EXIT_USAGE)
    # The CLI's output is its own: httpx's INFO line per request would bury it.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    with ComponentForgeApi(url, api_key.strip()) as api, api_errors():
        yield api


@contextmanager
def api_errors() -> Iterator[None]:
    try:
        yield
    except ApiError as exc:
        if exc.status == 401:
            raise CommandError(
                f"{exc}; check COMPONENTFORGE_API_KEY (or --api-key): the key is unknown, "
                "revoked or mistyped",
                exit_code=EXIT_USAGE,
            ) from None
        raise CommandError(str(exc)) from None
    except ApiUnreachable as exc:
        raise CommandError(str(exc)) from None
