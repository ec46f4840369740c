"""Taking internal addresses out of what users are shown.

A dependency's exception names where it is ("Error 111 connecting to redis.internal:6379",
'connection to server at "10.0.3.7", port 5432 failed', "Could not connect to the endpoint
URL: http://minio:9000/bucket"). Users get the dependency and what to do; the logs keep
the exception itself (passwords in URLs are masked there by the clients' own reprs).
"""

from __future__ import annotations

import re

from core.errors import ComponentForgeError, DependencyUnavailable, FigmaError

ADDRESS = "<internal address>"
_PATTERNS = [
    # Any URL, credentials and all: redis://:pw@host:6379/0, https://llm.internal/v1/...
    re.compile(r"\b[a-z][a-z0-9+.\-]*://[^\s'\"<>()\]]+", re.IGNORECASE),
    # libpq: server at "10.0.3.7", port 5432 / on socket "/run/postgresql/.s.PGSQL.5432"
    re.compile(r'(?:server at|socket) "[^"]*"(?:, port \d+)?', re.IGNORECASE),
    re.compile(r"\bport \d{2,5}\b", re.IGNORECASE),
    # host:port, [v6]:port
    re.compile(r"\[[0-9a-f:.]+\](?::\d{1,5})?", re.IGNORECASE),
    re.compile(r"\b[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?(?:\.[a-z0-9\-]+)*:\d{2,5}\b", re.IGNORECASE),
    # A bare IPv4 address
    re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b"),
]


def without_addresses(text: str) -> str:
    """`text` with every URL, host:port, IP address and socket path replaced."""
    for pattern in _PATTERNS:
        text = pattern.sub(ADDRESS, text)
    return text


def public_message(error: ComponentForgeError) -> str:
    """What a user is shown of a job's or a request's error: a dependency's or Figma's
    reason loses its addresses; the user's own input errors are shown as they are."""
    message = str(error)
    if isinstance(error, DependencyUnavailable | FigmaError):
        return without_addresses(message)
    return message
