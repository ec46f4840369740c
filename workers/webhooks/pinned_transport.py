"""POST to a webhook URL at an address already vetted (workers.webhooks.address_guard).

The request goes to the vetted IP while carrying the URL's own name in the Host header
and in TLS (SNI and certificate check: httpcore's `sni_hostname`), so a DNS answer that
changes between the check and the connection (DNS rebinding) cannot send it elsewhere.
Redirects are never followed: a 3xx is an answer like any other non-2xx.

A client per attempt, not per process: attempts are rare and minutes apart, and a
pooled connection would outlive the address check it was made under.

httpx's timeouts bound each socket operation, so a receiver that trickles a byte at a
time (in the TLS handshake, the headers or the body) would hold an attempt for as long
as it likes. A `Deadline` bounds the whole exchange instead: when it passes it shuts down
every socket the attempt opened, which ends whatever operation is waiting, in a thread
or a greenlet alike. At most RESPONSE_CAP_BYTES of the answer's body are read.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from workers.webhooks.address_guard import IPAddress

DEFAULT_PORTS = {"https": 443, "http": 80}


def port_of(url: str) -> int:
    parts = urlsplit(url)
    return parts.port or DEFAULT_PORTS[parts.scheme]


RESPONSE_CAP_BYTES = 64 * 1024
"""The most of an answer's body an attempt reads: only its status counts."""


@dataclass(frozen=True)
class Answer:
    status_code: int
    body: bytes
    """Its first RESPONSE_CAP_BYTES at most."""


class Deadline:
    """The end of an attempt's time: every socket `trace` sees opened is shut down then.
    Use it as a context manager; its timer stops and its socket copies close on exit."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._at = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self.passed = False
        # A greenlet under gevent's monkey-patching, a thread otherwise.
        self._timer = threading.Timer(seconds, self._cut)
        self._timer.daemon = True

    def __enter__(self) -> Deadline:
        self._timer.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._timer.cancel()
        with self._lock:
            for sock in self._sockets:
                sock.close()
            self._sockets.clear()

    def remaining_s(self) -> float:
        return max(0.0, self._at - time.monotonic())

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpx's `trace` extension: watch each connection as soon as it is made."""
        if event == "connection.connect_tcp.complete":
            sock = info["return_value"].get_extra_info("socket")
            if sock is not None:
                self._watch(sock)

    def _watch(self, sock: socket.socket) -> None:
        # A duplicate of the descriptor: TLS takes the original socket object over, and
        # ours stays valid (never reused by another connection) until __exit__.
        copy = sock.dup()
        with self._lock:
            self._sockets.append(copy)
            if self.passed:
                _shut(copy)

    def _cut(self) -> None:
        with self._lock:
            self.passed = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # closed already
        sock.shutdown(socket.SHUT_RDWR)  # wakes a blocked read or write at once


def post_pinned(
    url: str, address: IPAddress, *, content: bytes, headers: dict[str, str], deadline: Deadline
) -> Answer:
    """POST `content` to `url`, connecting to `address` only, and read the answer, all
    before `deadline` (httpx.TimeoutException once it passed)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    literal = f"[{address}]" if address.version == 6 else str(address)
    netloc = f"{literal}:{parts.port}" if parts.port else literal
    pinned = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
    host_header = parts.netloc.rsplit("@", 1)[-1]  # name[:port], as the URL gave it
    remaining_s = deadline.remaining_s()
    if remaining_s <= 0:
        raise httpx.TimeoutException(f"no time left to reach {address}")
    timeout = httpx.Timeout(remaining_s)  # per operation; the deadline bounds the sum
    try:
        with httpx.Client(follow_redirects=False, timeout=timeout, trust_env=False) as client:
            request = client.build_request(
                "POST",
                pinned,
                content=content,
                headers={**headers, "Host": host_header},
                extensions={"sni_hostname": host, "trace": deadline.trace},
            )
            response = client.send(request, stream=True)
            try:
                return Answer(response.status_code, _read_capped(response))
            finally:
                response.close()  # past the cap: the rest is not read
    except (httpx.HTTPError, OSError) as exc:
        if deadline.passed:  # the cut made this error: say what happened
            raise httpx.TimeoutException(f"deadline of {deadline.seconds:g} s passed") from exc
        raise


def _read_capped(response: httpx.Response) -> bytes:
    """Up to RESPONSE_CAP_BYTES of the body as sent (not decompressed: no bomb)."""
    body = bytearray()
    for chunk in response.iter_raw():
        body += chunk
        if len(body) >= RESPONSE_CAP_BYTES:
            break
    return bytes(body[:RESPONSE_CAP_BYTES])
