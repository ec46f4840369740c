"""A Redis broker that stops answering (a half-open connection: nothing reset, nothing
said) fails a broker command after the configured socket time-out instead of hanging
it for good: kombu sets none of its own (config.celery_app)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import redis
from kombu import Connection

from config.celery_app import BROKER_SOCKET_TIMEOUT_S, app
from devstack.chaos.fault_proxy import FaultProxy

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


@pytest.fixture
def broker_proxy() -> Iterator[FaultProxy]:
    url = urlsplit(os.environ["BROKER_URL"])
    if url.scheme != "redis":
        pytest.skip("the socket time-out is set for a redis:// broker")
    proxy = FaultProxy((url.hostname or "127.0.0.1", url.port or 6379))
    yield proxy
    proxy.close()


def test_a_broker_that_stops_answering_fails_the_command_after_the_timeout(
    broker_proxy: FaultProxy,
) -> None:
    # Given a kombu connection to the Redis broker with the app's transport options,
    # already in use
    url = urlsplit(os.environ["BROKER_URL"])._replace(netloc=broker_proxy.address).geturl()
    options = app.conf.broker_transport_options
    with Connection(url, transport_options=options) as conn:
        channel = conn.default_channel
        assert channel._size("broker-silent-probe") == 0
        # When the broker goes silent mid-connection
        # (for longer than the time-out, well inside the test's)
        assert BROKER_SOCKET_TIMEOUT_S < 30
        # Then the next command fails with a time-out, not a hang
        with broker_proxy.silent(), pytest.raises(redis.TimeoutError):
            channel._size("broker-silent-probe")
