"""ManagedProcess: stop() and kill9() leave nothing of the process tree behind."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import psutil

from devstack.ports import wait_until
from devstack.processes import ManagedProcess

# A shell that starts two sleepers in its process group and waits for them.
TREE = ["sh", "-c", "sleep 600 & sleep 600 & echo started; wait"]
STUBBORN = [
    sys.executable,
    "-c",
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
    "print('ready', flush=True); time.sleep(600)",
]


def gone(pid: int) -> bool:
    """Exited; a zombie counts, reaping orphans is init's business."""
    try:
        return bool(psutil.Process(pid).status() == psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return True


def start(name: str, args: list[str], tmp_path: Path, line: str) -> ManagedProcess:
    process = ManagedProcess(name, args, env=dict(os.environ), workdir=tmp_path)
    wait_until(lambda: line in process.log_path.read_text(), 10, name)
    return process


def test_stop_takes_the_whole_tree(tmp_path: Path) -> None:
    process = start("tree", TREE, tmp_path, "started")
    wait_until(lambda: len(process.child_pids()) == 2, 10, "two sleepers")
    sleepers = process.child_pids()
    process.stop(timeout_s=5)
    assert not process.alive()
    # The shell dies of SIGTERM; its sleepers would live on without the group kill.
    wait_until(lambda: all(gone(pid) for pid in sleepers), 5, "sleepers gone")


def test_kill9_takes_the_whole_tree(tmp_path: Path) -> None:
    process = start("tree9", TREE, tmp_path, "started")
    wait_until(lambda: len(process.child_pids()) == 2, 10, "two sleepers")
    sleepers = process.child_pids()
    process.kill9()
    assert process.returncode == -9
    wait_until(lambda: all(gone(pid) for pid in sleepers), 5, "sleepers gone")


def test_stop_kills_what_ignores_sigterm(tmp_path: Path) -> None:
    process = start("stubborn", STUBBORN, tmp_path, "ready")
    began = time.monotonic()
    process.stop(timeout_s=0.5)
    assert process.returncode == -9
    assert time.monotonic() - began < 5
