"""`make up`: the local stack, kept running until Ctrl-C (SIGINT) or SIGTERM.

Services (embedded where no URL is set), migrations, the API on API_PORT (default 8000;
a free port if that one is taken), a worker, Flower and celery-exporter. A worker that
dies (a kill -9 in a fault drill, say) is replaced, as a process supervisor would; its
unfinished job is delivered again. If the API or a monitor dies, or the worker keeps
dying, it says so and exits 1.
"""

from __future__ import annotations

import logging
import os
import shlex
import signal
import sys
import time
from types import FrameType

from devstack.ports import NotReady, free_port, port_is_free
from devstack.stack import ROOT, Stack, local_stack, raise_on_sigterm

logger = logging.getLogger(__name__)

CRASH_LOOP_S = 10.0  # a worker exiting by itself this soon after starting cannot run
MAX_DEATHS, DEATH_WINDOW_S = 5, 60.0  # more worker deaths than this in the window: give up
EXPORTED = ("REDIS_URL", "BROKER_URL", "DATABASE_URL", "S3_ENDPOINT_URL",
            "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION")  # fmt: skip

_stop_requested: int | None = None


def _request_stop(signum: int, _: FrameType | None) -> None:
    global _stop_requested
    _stop_requested = signum


def choose_port() -> int:
    wanted = int(os.environ.get("API_PORT") or 8000)
    if port_is_free(wanted):
        return wanted
    port = free_port()
    print(f"port {wanted} is taken; the API listens on {port} instead", flush=True)
    return port


def banner(stack: Stack) -> str:
    env = stack.env
    exports = " \\\n         ".join(
        f"{name}={shlex.quote(env[name])}" for name in EXPORTED if env.get(name)
    )
    flower = stack.monitors.get("flower")
    exporter = stack.monitors.get("celery-exporter")
    job = shlex.quote(str(ROOT / "samples" / "job.json"))
    return f"""
ComponentForge Jobs is up.
  API        {stack.api_url}        docs: {stack.api_url}/docs
  dashboard  {stack.api_url}/dashboard
  metrics    API {stack.api_url}/metrics   worker {stack.worker.metrics_url}
  flower     {flower[1] if flower else "not running"}   (basic auth {stack.flower_auth})
  exporter   {exporter[1] if exporter else "not running"}
  logs       {stack.workdir}

Point celery, curl or a script at it:
  export {exports}

Submit a job and wait for it:
  curl -s -X POST {stack.api_url}/v1/generations \\
    -H 'Content-Type: application/json' --data @{job}
  curl -s '{stack.api_url}/v1/generations/<id from above>?wait=30'

A dead worker is replaced; a job whose whole worker died comes back after
BROKER_VISIBILITY_TIMEOUT_S (hard time limit + 30 s). Ctrl-C stops everything."""


def supervise(stack: Stack) -> int:
    """Wait for a stop signal; 0 then, 1 if something died that we cannot replace."""
    worker_started = time.monotonic()
    deaths: list[float] = []
    while _stop_requested is None:
        time.sleep(0.5)
        if not stack.api.alive():
            print(f"the API exited with {stack.api.returncode}; last lines of "
                  f"{stack.api.log_path}:\n{stack.api.log_tail()}", file=sys.stderr)  # fmt: skip
            return 1
        for name, (process, _) in stack.monitors.items():
            if not process.alive():
                print(f"{name} exited with {process.returncode}; last lines of "
                      f"{process.log_path}:\n{process.log_tail()}", file=sys.stderr)  # fmt: skip
                return 1
        if not stack.worker.alive():
            dead, now = stack.worker, time.monotonic()
            print(f"worker pid {dead.pid} exited with {dead.returncode}", flush=True)
            deaths = [t for t in deaths if now - t < DEATH_WINDOW_S] + [now]
            # Killed (a fault drill): replace it. Exited by itself right after starting,
            # or dying again and again: a replacement would fare no better.
            crashed = (dead.returncode or 0) > 0 and now - worker_started < CRASH_LOOP_S
            if crashed or len(deaths) >= MAX_DEATHS:
                print(f"not replacing it; last lines of {dead.log_path}:\n{dead.log_tail()}",
                      file=sys.stderr)  # fmt: skip
                return 1
            try:
                stack.restart_worker()
            except NotReady as exc:
                print(f"a new worker did not start: {exc}", file=sys.stderr)
                return 1
            worker_started = time.monotonic()
            print(f"worker: started a new one, pid {stack.worker.pid}", flush=True)
    return 0


def main() -> int:
    # While starting, SIGTERM unwinds like Ctrl-C. Once up, both only set a flag, so the
    # stop runs in order from the main loop rather than from wherever a signal lands.
    raise_on_sigterm()
    try:
        with local_stack("up", api_port=choose_port(), monitoring=True) as stack:
            signal.signal(signal.SIGINT, _request_stop)
            signal.signal(signal.SIGTERM, _request_stop)
            print(banner(stack), flush=True)
            status = supervise(stack)
            # A second Ctrl-C while stopping: the watchdog finishes the job.
            signal.signal(signal.SIGINT, signal.default_int_handler)
            print("stopping", flush=True)
    except NotReady as exc:
        print(f"make up FAILED: the stack did not start: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted while starting; everything started is stopped", file=sys.stderr)
        return 130
    print("stopped" if status == 0 else "stopped after a failure")
    return status


if __name__ == "__main__":
    sys.exit(main())
