"""A durable local spool: writes a dependency could not take now, kept on disk in order
until it can.

Each item is one JSON file, written to a temporary name, fsynced and renamed, so a
crash leaves whole items or none. Names start with a nanosecond clock, so draining
replays them in the order they were spooled. Replaying must be idempotent (the
bookkeeping insert is): an item is deleted only after it was applied, so a crash
between the two applies it again, harmlessly.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    raise TypeError(f"cannot spool {type(value).__name__}")


def _decode(value: dict[str, Any]) -> Any:
    if "$datetime" in value:
        return datetime.fromisoformat(value["$datetime"])
    if "$decimal" in value:
        return Decimal(value["$decimal"])
    return value


class Spool:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def put(self, key: str, payload: dict[str, Any]) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns():020d}-{key}.json"
        temporary = self.directory / f".{name}.tmp"
        with temporary.open("w") as handle:
            json.dump(payload, handle, default=_encode)
            handle.flush()
            os.fsync(handle.fileno())
        final = self.directory / name
        os.replace(temporary, final)
        directory = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(directory)  # the rename itself must survive a crash
        finally:
            os.close(directory)
        return final

    def pending(self) -> list[Path]:
        if not self.directory.is_dir():
            return []
        return sorted(self.directory.glob("*.json"))

    def drain(self, apply: Callable[[dict[str, Any]], None]) -> int:
        """Apply items oldest first; stop at the first that fails (it stays, and so does
        everything after it). Returns how many were applied. One drain at a time per
        directory: another process already draining it makes this one return 0."""
        if not self.directory.is_dir():
            return 0
        with (self.directory / ".drain.lock").open("w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return 0
            applied = 0
            for path in self.pending():
                apply(json.loads(path.read_text(), object_hook=_decode))
                path.unlink()
                applied += 1
            return applied
