"""What workers.green changes in a gevent-patched process, against the suite's Redis."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from config.settings import get_settings

pytestmark = pytest.mark.integration

# A greenlet takes a pooled connection (redis-py checks it for stray data first) while
# another greenlet is ready to run; prints the order the two ran in.
_CHECKOUT_ORDER = """
import sys
from gevent import monkey; monkey.patch_all()
import gevent, redis
from workers import green
if sys.argv[2] == "patched":
    green.check_redis_readiness_without_yielding()
client = redis.Redis.from_url(sys.argv[1])
client.ping()
order = []
def checkout():
    connection = client.connection_pool.get_connection()
    order.append("checked out")
    client.connection_pool.release(connection)
gevent.joinall([gevent.spawn(checkout), gevent.spawn(order.append, "other ran")])
print(",".join(order))
"""


def _checkout_order(mode: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", _CHECKOUT_ORDER, get_settings().redis_url, mode],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip()


def test_a_pooled_redis_connection_is_checked_without_giving_way(services: Any) -> None:
    # Given gevent's poll(), every command's readiness check lets other greenlets run
    assert _checkout_order("as-is") == "other ran,checked out"
    # When the worker's patch is applied, then the check answers at once
    assert _checkout_order("patched") == "checked out,other ran"
