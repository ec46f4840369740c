"""Cleans up after a devstack whose Python process died without doing so (kill -9, OOM).

Everything local_services and ManagedProcess start is registered with a small separate
process (`python -m devstack.watchdog`) over its stdin. That pipe closes when our
process ends, however it ends; whatever is still registered then is stopped (its signal,
then SIGKILL) and registered temp dirs are removed. A clean shutdown releases each thing
as it stops it, so the watchdog then finds nothing to do and exits.

Why a process and not a signal handler or atexit: neither runs on SIGKILL, and the
servers (pg_ctl daemonizes postgres) are not our children, so PR_SET_PDEATHSIG cannot
reach them either.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import psutil

logger = logging.getLogger(__name__)

GRACE_S = 10.0  # how long a guarded thing gets to stop before SIGKILL


class Watchdog:
    """The parent's handle: register and release things to clean up."""

    def __init__(self, log_path: Path | None = None) -> None:
        log: IO[bytes] | int = log_path.open("ab") if log_path else subprocess.DEVNULL
        try:
            self._popen = subprocess.Popen(
                [sys.executable, "-m", "devstack.watchdog"],
                stdin=subprocess.PIPE,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=Path(__file__).resolve().parents[1],
                start_new_session=True,  # a Ctrl-C meant for us must not stop it first
            )
        finally:
            if not isinstance(log, int):
                log.close()
        self._lock = threading.Lock()

    @property
    def pid(self) -> int:
        return self._popen.pid

    def _send(self, message: dict[str, Any]) -> None:
        assert self._popen.stdin is not None
        with self._lock:
            if self._popen.stdin.closed:
                return
            self._popen.stdin.write(json.dumps(message).encode() + b"\n")
            self._popen.stdin.flush()

    def guard_process(self, pid: int, *, sig: int = signal.SIGTERM, group: bool = False) -> None:
        """Stop `pid` (its whole process group when `group`) if we die first."""
        self._send({"op": "guard", "kind": "group" if group else "proc", "pid": pid,
                    "sig": int(sig), "ctime": _create_time(pid)})  # fmt: skip

    def release_process(self, pid: int, *, group: bool = False) -> None:
        self._send({"op": "release", "kind": "group" if group else "proc", "pid": pid})

    def guard_dir(self, path: Path, *, stop_users: int | None = None) -> None:
        """Remove `path` if we die first; with `stop_users`, first send that signal to every
        process whose command line names the dir (a postmaster started on it)."""
        self._send({"op": "guard", "kind": "dir", "path": str(path), "sig": stop_users})

    def release_dir(self, path: Path) -> None:
        self._send({"op": "release", "kind": "dir", "path": str(path)})

    def close(self, timeout_s: float = GRACE_S + 5) -> None:
        """End the watchdog: it stops whatever is still registered, then exits."""
        assert self._popen.stdin is not None
        with self._lock:
            if not self._popen.stdin.closed:
                self._popen.stdin.close()
        try:
            self._popen.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self._popen.kill()
            self._popen.wait()


_session_lock = threading.Lock()
_current: Watchdog | None = None
_users = 0


@contextmanager
def watchdog_session(log_path: Path | None = None) -> Iterator[Watchdog]:
    """One watchdog per process, shared by nested users; the last one out closes it."""
    global _current, _users
    with _session_lock:
        if _current is None:
            _current = Watchdog(log_path)
        _users += 1
        watchdog = _current
    try:
        yield watchdog
    finally:
        with _session_lock:
            _users -= 1
            closing = _current if _users == 0 else None
            if closing is not None:
                _current = None
        if closing is not None:
            closing.close()


def current() -> Watchdog | None:
    """The open watchdog, if any (ManagedProcess registers itself with it)."""
    return _current


def _create_time(pid: int) -> float | None:
    try:
        return float(psutil.Process(pid).create_time())
    except psutil.Error:
        return None


# --- the watchdog process ----------------------------------------------------------------


def _same_process(pid: int, ctime: float | None) -> bool:
    """True if `pid` is still the live process we registered (not a reused pid)."""
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return False  # exited; only init's reaping is left
        now = process.create_time()
    except psutil.Error:
        return False
    return ctime is None or abs(now - ctime) < 1.0


def _someone_else(pid: int, ctime: float | None) -> bool:
    """True if `pid` now belongs to another process than the one we registered."""
    try:
        process = psutil.Process(pid)
        # A zombie still holds the pid, so it is ours.
        return process.status() != psutil.STATUS_ZOMBIE and not _same_process(pid, ctime)
    except psutil.Error:
        return False


def _group_alive(pgid: int) -> bool:
    """A live (not zombie) member is left; zombies wait on init, which may be slow."""
    for proc in psutil.process_iter(["status"]):
        with contextlib.suppress(OSError):
            if proc.info["status"] != psutil.STATUS_ZOMBIE and os.getpgid(proc.pid) == pgid:
                return True
    return False


def _signal(item: dict[str, Any], sig: int) -> bool:
    """Send `sig`; True if there was something to send it to."""
    pid = int(item["pid"])
    try:
        if item["kind"] == "group":
            # The leader may be gone while the rest of its group lives on (a group's id
            # is not handed to a new process while the group exists).
            if _someone_else(pid, item.get("ctime")):
                return False
            if sig == 0:
                return _group_alive(pid)
            os.killpg(pid, sig)
        else:
            if not _same_process(pid, item.get("ctime")):
                return False
            os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def _users_of(path: str) -> list[dict[str, Any]]:
    found = []
    for proc in psutil.process_iter(["pid", "cmdline", "create_time"]):
        if path in " ".join(proc.info["cmdline"] or []):
            found.append({"kind": "proc", "pid": proc.info["pid"],
                          "ctime": proc.info["create_time"]})  # fmt: skip
    return found


def _stop(targets: list[tuple[dict[str, Any], int]], grace_s: float) -> None:
    """Send each target its signal; SIGKILL those still there after `grace_s`."""
    alive = [item for item, sig in targets if _signal(item, sig)]
    for item in alive:
        logger.warning("stopping leftover %s %s", item["kind"], item["pid"])
    deadline = time.monotonic() + grace_s
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        alive = [item for item in alive if _signal(item, 0)]
    for item in alive:
        _signal(item, signal.SIGKILL)


def stop_users_of(path: Path, sig: int, grace_s: float = GRACE_S) -> None:
    """Stop every process whose command line names `path` (a postmaster's data dir)."""
    _stop([(user, sig) for user in _users_of(str(path))], grace_s)


def _clean_up(guarded: list[dict[str, Any]]) -> None:
    targets: list[tuple[dict[str, Any], int]] = []
    for item in guarded:
        if item["kind"] in ("proc", "group"):
            targets.append((item, int(item["sig"])))
        elif item.get("sig"):
            targets += [(user, int(item["sig"])) for user in _users_of(item["path"])]
    _stop(targets, GRACE_S)
    for item in guarded:
        if item["kind"] == "dir":
            shutil.rmtree(item["path"], ignore_errors=True)


def main() -> int:
    guarded: dict[tuple[str, str], dict[str, Any]] = {}
    for line in sys.stdin.buffer:  # ends when the parent's end of the pipe closes
        with contextlib.suppress(ValueError, KeyError):
            message = json.loads(line)
            key = (message["kind"], str(message.get("pid") or message.get("path")))
            if message["op"] == "guard":
                guarded[key] = message
            else:
                guarded.pop(key, None)
    if guarded:
        _clean_up(list(guarded.values()))
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # only the pipe closing ends us
    logging.basicConfig(level=logging.INFO, format="%(asctime)s watchdog: %(message)s")
    sys.exit(main())
