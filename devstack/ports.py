"""Free ports, probes, and waiting for things to come up."""

from __future__ import annotations

import http.client
import logging
import socket
import time
from collections.abc import Callable
from pathlib import Path

logger = logging.getLogger(__name__)


class NotReady(RuntimeError):
    """Something the stack needs did not come up; the message says what and why."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """True when `port` can be bound now (a bind, not a connect: that is what a server does)."""
    with socket.socket() as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def port_answers(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def http_answers(port: int, path: str = "/", host: str = "127.0.0.1") -> bool:
    """True when an HTTP server answers on `port`, whatever the status.

    http.client, not httpx: no proxy settings from the environment get in the way."""
    conn = http.client.HTTPConnection(host, port, timeout=2)
    try:
        conn.request("GET", path)
        conn.getresponse().read()
        return True
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def wait_until(
    predicate: Callable[[], bool],
    timeout_s: float,
    what: str,
    *,
    log: Path | None = None,
) -> None:
    """Poll `predicate` until it is true; raise with the log's tail when time runs out.

    Polls fast at first (most things are up within tens of ms), then backs off."""
    started = time.monotonic()
    deadline = started + timeout_s
    pause_s = 0.01
    while not predicate():
        if time.monotonic() > deadline:
            detail = f"\n--- last lines of {log} ---\n{tail(log)}" if log else ""
            raise NotReady(f"{what} did not come up within {timeout_s:.0f} s{detail}")
        time.sleep(pause_s)
        pause_s = min(pause_s * 1.5, 0.25)
    logger.debug("%s up after %.3f s", what, time.monotonic() - started)
