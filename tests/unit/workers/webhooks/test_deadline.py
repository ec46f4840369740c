"""An attempt's whole exchange ends at its deadline, however slowly the receiver trickles
(TLS handshake, status line, body) or however long it leaves our request unread; and at
most RESPONSE_CAP_BYTES of an answer are read. Against real sockets on this machine."""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx
import pytest

from workers.webhooks.pinned_transport import RESPONSE_CAP_BYTES, Answer, Deadline, post_pinned

LOCALHOST = ipaddress.ip_address("127.0.0.1")
DEADLINE_S = 1.0
SLACK_S = 0.5
"""How late after the deadline the attempt may end (a loaded test machine)."""

Serve = Callable[[socket.socket], None]


@contextmanager
def server(serve: Serve) -> Iterator[int]:
    """A TCP server on 127.0.0.1 whose every connection `serve` handles; yields its port."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=_handle, args=(serve, conn), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        listener.close()


def _handle(serve: Serve, conn: socket.socket) -> None:
    # OSError: the client cut the connection, as these tests expect.
    with conn, contextlib.suppress(OSError):
        serve(conn)


def read_request(conn: socket.socket) -> None:
    """Read the request's headers (bodies here are small and ignored)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return
        data += chunk


def drip(conn: socket.socket, data: bytes, every_s: float = 0.1) -> None:
    """Send `data` a byte at a time: each read gets something well within any timeout."""
    for byte in data:
        conn.sendall(bytes([byte]))
        time.sleep(every_s)


def post(port: int, *, scheme: str = "http", content: bytes = b"{}") -> Answer:
    with Deadline(DEADLINE_S) as deadline:
        return post_pinned(
            f"{scheme}://hooks.example.com:{port}/hook",
            LOCALHOST,
            content=content,
            headers={"content-type": "application/json"},
            deadline=deadline,
        )


def assert_cut_at_the_deadline(port: int, *, scheme: str = "http", content: bytes = b"{}") -> None:
    started = time.monotonic()
    with pytest.raises(httpx.TimeoutException):
        post(port, scheme=scheme, content=content)
    took_s = time.monotonic() - started
    assert DEADLINE_S - 0.05 <= took_s < DEADLINE_S + SLACK_S, took_s


def test_a_quick_answer_is_read() -> None:
    def answer(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 204 No Content\r\n\r\n")

    with server(answer) as port:
        result = post(port)
    assert result.status_code == 204


def test_a_body_trickled_a_byte_at_a_time_is_cut_at_the_deadline() -> None:
    def trickle_body(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n")
        drip(conn, b"x" * 1000)

    with server(trickle_body) as port:
        assert_cut_at_the_deadline(port)


def test_a_status_line_trickled_a_byte_at_a_time_is_cut_at_the_deadline() -> None:
    def trickle_head(conn: socket.socket) -> None:
        read_request(conn)
        drip(conn, b"HTTP/1.1 200 OK\r\n" + b"x-pad: " + b"y" * 1000)

    with server(trickle_head) as port:
        assert_cut_at_the_deadline(port)


def test_a_tls_handshake_trickled_a_byte_at_a_time_is_cut_at_the_deadline() -> None:
    def trickle_handshake(conn: socket.socket) -> None:
        conn.recv(65536)  # the ClientHello
        # A handshake record of 16 KiB announced, its bytes sent one by one.
        drip(conn, b"\x16\x03\x03\x40\x00" + b"\x00" * 16384)

    with server(trickle_handshake) as port:
        assert_cut_at_the_deadline(port, scheme="https")


def test_a_receiver_that_never_reads_the_request_is_cut_at_the_deadline() -> None:
    def never_read(conn: socket.socket) -> None:
        time.sleep(DEADLINE_S * 5)

    with server(never_read) as port:
        # Far more than the socket buffers take: sending blocks.
        assert_cut_at_the_deadline(port, content=b"x" * (64 * 1024 * 1024))


def test_at_most_the_cap_of_a_long_body_is_read() -> None:
    sent: list[int] = []

    def long_body(conn: socket.socket) -> None:
        read_request(conn)
        size = 16 * 1024 * 1024
        conn.sendall(f"HTTP/1.1 200 OK\r\ncontent-length: {size}\r\n\r\n".encode())
        chunk = b"x" * 65536
        for _ in range(size // len(chunk)):
            conn.sendall(chunk)
            sent.append(len(chunk))

    with server(long_body) as port:
        started = time.monotonic()
        result = post(port)
    assert result.status_code == 200
    assert len(result.body) == RESPONSE_CAP_BYTES
    assert time.monotonic() - started < DEADLINE_S  # it stopped reading, not waited out
    time.sleep(0.2)
    assert sum(sent) < 16 * 1024 * 1024  # the connection was closed before the end


def test_no_time_left_sends_nothing() -> None:
    connections: list[int] = []

    def count(conn: socket.socket) -> None:
        connections.append(1)

    with server(count) as port, Deadline(0.01) as deadline:
        time.sleep(0.05)
        with pytest.raises(httpx.TimeoutException):
            post_pinned(
                f"http://hooks.example.com:{port}/hook",
                LOCALHOST,
                content=b"{}",
                headers={},
                deadline=deadline,
            )
    assert connections == []
