"""Free ports and waiting for things to come up."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from pathlib import Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_answers(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def wait_until(
    ready: Callable[[], bool], *, timeout_s: float, what: str, log: Path | None = None
) -> None:
    """Poll `ready` until it is true; raise with the log's tail when time runs out."""
    deadline = time.monotonic() + timeout_s
    pause_s = 0.02
    while not ready():
        if time.monotonic() > deadline:
            detail = f"\n--- last lines of {log} ---\n{tail(log)}" if log else ""
            raise RuntimeError(f"{what} did not come up within {timeout_s:.0f} s{detail}")
        time.sleep(pause_s)
        pause_s = min(pause_s * 1.5, 0.5)
