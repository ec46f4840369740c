"""`make up`: the local stack, kept running until Ctrl-C.

A worker that dies (say, a kill -9 in a fault drill) is replaced by a new one, as a
process supervisor would; its unfinished job is delivered again.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from types import FrameType

from devstack.ports import port_answers
from devstack.stack import local_stack

_stopping = False


def _request_stop(signum: int, _: FrameType | None) -> None:
    global _stopping
    _stopping = True


def main() -> int:
    signal.signal(signal.SIGINT, _request_stop)
    signal.signal(signal.SIGTERM, _request_stop)
    wanted_port = int(os.environ.get("API_PORT", "8000"))
    port = None if port_answers(wanted_port) else wanted_port
    if port is None:
        print(f"port {wanted_port} is busy; the API takes a free port instead")
    with local_stack("up", api_port=port, monitoring=True) as stack:
        env = stack.env
        exports = " ".join(
            f"{k}='{env[k]}'"
            for k in ("REDIS_URL", "BROKER_URL", "DATABASE_URL", "S3_ENDPOINT_URL",
                      "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
            if env.get(k)
        )  # fmt: skip
        print(
            f"""
ComponentForge Jobs is up.
  API       {stack.api_url}      docs: {stack.api_url}/docs
  flower    {stack.monitors["flower"][1]}  (basic auth {stack.flower_auth})
  metrics   API {stack.api_url}/metrics  worker {stack.worker.metrics_url}
            celery-exporter {stack.monitors.get("exporter", (None, "not running"))[1]}
  logs      {stack.workdir}
  env       export {exports}
  try       curl -s -X POST {stack.api_url}/v1/generations -H 'Content-Type: application/json' \\
              --data @samples/job.json
            curl -s '{stack.api_url}/v1/generations/<id>?wait=30'
  workers   pid {stack.worker.pid}; a dead worker is replaced. A job whose whole worker
            died returns after BROKER_VISIBILITY_TIMEOUT_S (hard limit + 30 s).
Ctrl-C stops everything.""",
            flush=True,
        )
        while not _stopping:
            time.sleep(0.5)
            if not stack.api.alive():
                print(f"the API exited:\n{stack.api.log_tail()}", file=sys.stderr)
                return 1
            if not stack.worker.alive():
                print(f"worker pid {stack.worker.pid} died; starting a new one", flush=True)
                stack.restart_worker()
                print(f"worker: pid {stack.worker.pid}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
