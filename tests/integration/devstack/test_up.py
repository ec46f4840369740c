"""`make up`: honcho's processes answer; Ctrl-C stops all of them, and so does the watchdog
when the make up process itself is killed outright."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator

import httpx
import psutil
import pytest

from devstack.ports import free_port, wait_until
from tests.helpers import ROOT

pytestmark = pytest.mark.integration

PORTS = ("API_PORT", "WORKER_METRICS_PORT", "FLOWER_PORT", "EXPORTER_PORT")


class Up:
    """`python -m devstack.up` on the run's services, in a process group of its own (as a
    terminal's foreground job), its output read as it comes."""

    def __init__(self) -> None:
        ports = {var: free_port() for var in PORTS}
        self.api_port = ports["API_PORT"]
        env = {
            **os.environ,
            **{var: str(port) for var, port in ports.items()},
            "GENERATION_QUEUE": f"up-{uuid.uuid4().hex[:8]}",  # none of the run's jobs
        }
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "devstack.up"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        wait_until(lambda: self._said("ready:"), 90, "make up")
        self.started = psutil.Process(self.popen.pid).children(recursive=True)

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            self.lines.append(line)

    def close(self) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait()
        self._reader.join(30)  # until the last of its processes lets go of the pipe
        assert self.popen.stdout is not None
        self.popen.stdout.close()

    def _said(self, text: str) -> bool:
        if self.popen.poll() is not None:
            raise AssertionError("make up exited:\n" + "".join(self.lines))
        return any(text in line for line in self.lines)

    def all_gone(self) -> bool:
        return not any(
            process.is_running() and process.status() != psutil.STATUS_ZOMBIE
            for process in self.started
        )


@pytest.fixture
def up() -> Iterator[Up]:
    up = Up()
    yield up
    up.close()


def test_ctrl_c_stops_every_process(up: Up) -> None:
    # Given make up running: the API answers, and honcho runs the Procfile's processes
    assert httpx.get(f"http://127.0.0.1:{up.api_port}/healthz", trust_env=False).status_code == 200
    names = {process.name() for process in up.started}
    assert {"uvicorn", "celery"} <= names, names
    # When Ctrl-C reaches its process group, as from a terminal
    os.killpg(up.popen.pid, signal.SIGINT)
    # Then it stops everything it started, and says so
    assert up.popen.wait(60) == 0, "".join(up.lines)
    wait_until(up.all_gone, 10, "every process gone")
    assert any(line.strip() == "stopped" for line in up.lines)


def test_it_prints_a_key_the_api_takes(up: Up) -> None:
    # Given make up running, and the submit key it printed for the curl examples
    key = next(line.split("=", 1)[1].strip() for line in up.lines
               if line.strip().startswith("export KEY=cf_"))  # fmt: skip
    unknown_job = f"http://127.0.0.1:{up.api_port}/v1/generations/no-such-job"
    # When a job is asked for with it, and without it
    with_key = httpx.get(unknown_job, headers={"Authorization": f"Bearer {key}"}, trust_env=False)
    without = httpx.get(unknown_job, trust_env=False)
    # Then the key is taken (an unknown job: 404), and no key is refused
    assert with_key.status_code == 404, with_key.text
    assert without.status_code == 401


def test_nothing_outlives_a_killed_make_up(up: Up) -> None:
    # When the make up process is killed outright
    up.popen.kill()
    # Then the watchdog stops the processes honcho ran, and honcho, within seconds
    wait_until(up.all_gone, 20, "every process gone")
