"""Cleans up after a devstack whose Python process died without doing so (kill -9, OOM).

`guard()` starts `python -m devstack.watchdog TOKEN DIR` with a pipe for its stdin and
puts DEVSTACK_SESSION=TOKEN into os.environ for the block, so that whatever is started
meanwhile carries it, and so does what that starts in turn (celery's pool, postgres and
its backends, honcho's processes). The pipe closes when our process ends, however it
ends; the watchdog then stops every process still carrying the token (after a clean
shutdown none is left) and removes DIR, the embedded servers' data.

Why a process and not atexit or PR_SET_PDEATHSIG: nothing runs in a process killed with
SIGKILL; pg_ctl daemonizes postgres, so it is nobody's child; and a death signal follows
the thread that started a child, while the servers start on worker threads. Marking by
environment rather than by pid needs no bookkeeping and never hits a reused pid. It misses
a process started with an environment that leaves the mark out, and one whose process
title overwrites its environment (redis-server, unless run with --set-proc-title no).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import psutil

SESSION_VAR = "DEVSTACK_SESSION"
GRACE_S = 5.0  # how long what is left gets to stop before SIGKILL


@contextmanager
def guard(data_dir: Path, *, log_path: Path) -> Iterator[dict[str, str]]:
    """Mark what starts in the block; yields the env var that marks it. At the end (or if
    we are killed) everything still marked is stopped and `data_dir` removed."""
    token = uuid.uuid4().hex
    outer = os.environ.get(SESSION_VAR)
    with log_path.open("ab") as log:
        watchdog = subprocess.Popen(
            [sys.executable, "-m", "devstack.watchdog", token, str(data_dir)],
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=Path(__file__).resolve().parents[1],
            env={k: v for k, v in os.environ.items() if k != SESSION_VAR},
            start_new_session=True,  # a Ctrl-C meant for us must not stop it first
        )
    os.environ[SESSION_VAR] = token
    try:
        yield {SESSION_VAR: token}
    finally:
        if outer is None:
            os.environ.pop(SESSION_VAR, None)
        else:
            os.environ[SESSION_VAR] = outer
        assert watchdog.stdin is not None
        watchdog.stdin.close()  # what a killed parent's pipe does by itself
        watchdog.wait()


def _signal_for(process: psutil.Process) -> int | None:
    if process.name() != "postgres":
        return signal.SIGTERM
    # Only the postmaster, whose command line still names its binary: SIGINT is its fast
    # shutdown, and it stops its own children.
    cmdline = process.cmdline()
    return signal.SIGINT if cmdline and Path(cmdline[0]).name == "postgres" else None


def _running(process: psutil.Process) -> bool:
    """Not exited; a zombie has (reaping it is up to init, which a container may not do)."""
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def stop_marked(token: str, *, grace_s: float = GRACE_S) -> None:
    """Stop every process whose environment carries `token`; SIGKILL after `grace_s`."""
    marked = [
        process
        for process in psutil.process_iter(["environ"])
        if (process.info["environ"] or {}).get(SESSION_VAR) == token and process.pid != os.getpid()
    ]
    for process in marked:
        with suppress(psutil.Error):  # gone meanwhile
            sig = _signal_for(process)
            if sig is not None:
                print(f"stopping leftover {process.pid} {process.name()}", flush=True)
                process.send_signal(sig)
    deadline = time.monotonic() + grace_s
    while marked and time.monotonic() < deadline:
        time.sleep(0.1)
        marked = [process for process in marked if _running(process)]
    for process in marked:
        print(f"killing leftover {process.pid}", flush=True)
        with suppress(psutil.Error):
            process.kill()


def main(token: str, data_dir: str) -> int:
    sys.stdin.buffer.read()  # returns when the parent's end of the pipe closes
    stop_marked(token)
    shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # only the pipe closing ends us
    sys.exit(main(*sys.argv[1:3]))
