"""Canonical JSON: sorted keys, no whitespace, so equal values give equal bytes (and hashes)."""

from __future__ import annotations

import json
from typing import Any


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
