"""The pooled Postgres connections of workers.clients: one idle past PING_IDLE_S is pinged
before use, so a connection Postgres dropped (a restart, a killed backend) is replaced
instead of failing the caller's statement."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import Engine, text

from config.settings import get_settings
from workers import clients

pytestmark = pytest.mark.integration


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_a_dropped_idle_connection_is_replaced_before_use(services: Any, engine: Engine) -> None:
    # Given the app's engine with one pooled connection, whose backend Postgres then drops
    app_engine = clients._build_engine(get_settings())
    try:
        dropped = _backend_pid(app_engine)
        with engine.connect() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped})
        # When the connection has sat idle past the ping bound and is used again
        time.sleep(clients.PING_IDLE_S + 0.2)
        # Then the statement runs, on a new connection
        assert _backend_pid(app_engine) != dropped
    finally:
        app_engine.dispose()
