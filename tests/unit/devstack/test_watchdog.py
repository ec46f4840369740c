"""stop_marked: what carries the mark stops (SIGKILL if it ignores SIGTERM); nothing else."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from devstack.watchdog import SESSION_VAR, stop_marked

SLEEPER = "import time; print('ready', flush=True); time.sleep(600)"
STUBBORN = "import signal; signal.signal(signal.SIGTERM, signal.SIG_IGN); " + SLEEPER


def start(code: str, mark: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        env={**os.environ, SESSION_VAR: mark},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline() == "ready\n"
    return process


def test_stops_the_marked_and_only_them() -> None:
    polite, stubborn, other = start(SLEEPER, "a"), start(STUBBORN, "a"), start(SLEEPER, "b")
    try:
        began = time.monotonic()
        stop_marked("a", grace_s=1)
        assert polite.wait(5) == -signal.SIGTERM
        assert stubborn.wait(5) == -signal.SIGKILL
        assert time.monotonic() - began < 5
        assert other.poll() is None
    finally:
        for process in (polite, stubborn, other):
            process.kill()
            process.wait()
            assert process.stdout is not None
            process.stdout.close()
