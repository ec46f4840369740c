"""The database the commands work on (DATABASE_URL), and its failures as one line each:
an operator needs to know what to fix, not to read a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError, ProgrammingError

from config.settings import get_settings
from workers.clients import db_engine

UNDEFINED_TABLE = "42P01"  # Postgres SQLSTATE


def engine() -> Engine:
    """The process's engine for DATABASE_URL (connect timeout 5 s; workers.clients)."""
    return db_engine()


def where() -> str:
    """host:port/database of DATABASE_URL; never its password."""
    try:
        url = make_url(get_settings().database_url)
    except ArgumentError:
        return "DATABASE_URL (not a database URL)"
    host = url.host or url.query.get("host") or "localhost"
    return f"{host}:{url.port or 5432}/{url.database or ''}"


@contextmanager
def plain_errors() -> Iterator[None]:
    """Turn what goes wrong with settings or the database into a one-line ClickException
    (exit status 1)."""
    try:
        yield
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]).upper()
        raise click.ClickException(f"setting {field}: {first['msg']}") from None
    except ArgumentError:
        raise click.ClickException("DATABASE_URL is not a database URL") from None
    except OperationalError as exc:
        raise click.ClickException(
            f"cannot reach the database at {where()} ({_first_line(exc)}); check DATABASE_URL"
        ) from None
    except ProgrammingError as exc:
        if getattr(exc.orig, "pgcode", None) == UNDEFINED_TABLE:
            raise click.ClickException(
                f"the database {where()} has no tables for tenants and keys yet: "
                "run `make migrate` (alembic upgrade head) against it"
            ) from None
        raise click.ClickException(f"database error: {_first_line(exc)}") from None
    except DBAPIError as exc:
        raise click.ClickException(f"database error: {_first_line(exc)}") from None
    except ValueError as exc:  # the storage layer's refusals (a bad name, no secrets key)
        raise click.ClickException(str(exc)) from None


def _first_line(exc: DBAPIError) -> str:
    lines = str(exc.orig).strip().splitlines()
    return lines[0] if lines else type(exc.orig).__name__
