"""What a webhook URL may be (options.webhook_url), and which hosts a tenant allowed.

Pure checks, no I/O: the API runs them on submit, the queue path on a published body and
the delivery again before each attempt (where workers.webhooks.address_guard then checks
the addresses the host resolves to).
"""

from __future__ import annotations

from urllib.parse import urlsplit

MAX_URL_CHARS = 2048
HOSTS_HINT = "componentforge tenants set {tenant} --webhook-host {host}"


def check_url(url: str, *, allow_http: bool) -> str:
    """The URL's host (lower case) when the URL may be called; raises ValueError saying
    what is wrong and what to send instead. https only (http when `allow_http`, a local
    development setting), no user:password@, no #fragment, at most MAX_URL_CHARS."""
    if len(url) > MAX_URL_CHARS:
        raise ValueError(f"is {len(url)} characters, over {MAX_URL_CHARS}; use a shorter URL")
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        raise ValueError("holds whitespace or control characters; percent-encode them")
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a port that is not a number in 0..65535
    except ValueError as exc:
        raise ValueError(
            f"is not a valid URL ({exc}); send e.g. https://hooks.example.com/cf"
        ) from None
    schemes = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in schemes:
        hint = "" if allow_http else " (http is for local development: WEBHOOK_ALLOW_HTTP)"
        raise ValueError(f"scheme {parts.scheme or '(none)'!r} is not allowed; use https://{hint}")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise ValueError("holds credentials (user:password@); authenticate by the signature")
    if parts.fragment or url.endswith("#"):
        raise ValueError("has a #fragment, which is never sent to a server; remove it")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise ValueError("names no host; send e.g. https://hooks.example.com/cf")
    if port == 0:
        raise ValueError("port 0 cannot be called; name a real port or none")
    return host.lower()


def host_allowed(host: str, allowed: list[str] | None) -> bool:
    """Whether `host` is on a tenant's allow-list: exact names, or `*.example.com` for
    any name under example.com (not example.com itself). An empty list allows none."""
    host = host.lower().rstrip(".")
    for entry in allowed or []:
        entry = entry.lower().rstrip(".")
        if entry.startswith("*."):
            if host.endswith(entry[1:]):
                return True
        elif host == entry:
            return True
    return False


def check_host_pattern(entry: str) -> str:
    """An allow-list entry as stored (lower case); raises ValueError unless it is a host
    name, an IP address or `*.` followed by a name."""
    entry = entry.strip().lower().rstrip(".")
    name = entry[2:] if entry.startswith("*.") else entry
    labels = name.split(".") if name else []
    if ":" in name and all(c in "0123456789abcdef:." for c in name):
        return entry  # an IPv6 address, as urlsplit gives hosts (no brackets)
    if not labels or not all(
        label and len(label) <= 63 and all(c.isalnum() or c == "-" for c in label)
        for label in labels
    ):
        raise ValueError(
            f"{entry!r} is not a host name; give e.g. hooks.example.com or *.example.com"
        )
    return entry
