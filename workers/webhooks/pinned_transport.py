"""POST to a webhook URL at an address already vetted (workers.webhooks.address_guard).

The request goes to the vetted IP while carrying the URL's own name in the Host header
and in TLS (SNI and certificate check: httpcore's `sni_hostname`), so a DNS answer that
changes between the check and the connection (DNS rebinding) cannot send it elsewhere.
Redirects are never followed: a 3xx is an answer like any other non-2xx.

A client per attempt, not per process: attempts are rare and minutes apart, and a
pooled connection would outlive the address check it was made under.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import httpx

from workers.webhooks.address_guard import IPAddress

DEFAULT_PORTS = {"https": 443, "http": 80}


def port_of(url: str) -> int:
    parts = urlsplit(url)
    return parts.port or DEFAULT_PORTS[parts.scheme]


def post_pinned(
    url: str, address: IPAddress, *, content: bytes, headers: dict[str, str], timeout_s: float
) -> httpx.Response:
    """POST `content` to `url`, connecting to `address` only."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    literal = f"[{address}]" if address.version == 6 else str(address)
    netloc = f"{literal}:{parts.port}" if parts.port else literal
    pinned = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
    host_header = parts.netloc.rsplit("@", 1)[-1]  # name[:port], as the URL gave it
    with httpx.Client(follow_redirects=False, timeout=timeout_s, trust_env=False) as client:
        request = client.build_request(
            "POST",
            pinned,
            content=content,
            headers={**headers, "Host": host_header},
            extensions={"sni_hostname": host},
        )
        return client.send(request)
