"""`make chaos`: every fault drill on real servers and real worker processes, then a
table of what became of the jobs. Exit status 1 if any drill lost, duplicated or left
a job stuck.

    python -m devstack.chaos                 # all drills, 30 s outages
    python -m devstack.chaos --outage-s 8 postgres-down s3-down

Postgres and S3 come from DATABASE_URL / S3_ENDPOINT_URL when set (embedded ones
otherwise); a database and a bucket of the run's own are used and the database dropped.
The rabbitmq-restart drill runs on a stack of its own whose broker is RabbitMQ
(TEST_RABBITMQ_URL, or 127.0.0.1:5672), and is skipped, saying so, when none answers.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from devstack.chaos.counts import Counts, table
from devstack.chaos.crashes import rabbitmq_url
from devstack.chaos.drills import DRILLS, Drill, run_drill
from devstack.chaos.stack import chaos_stack
from devstack.databases import own_database
from devstack.services import local_services


def _say(line: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {line}", flush=True)


def _runnable(chosen: list[Drill]) -> tuple[list[Drill], str | None]:
    """The drills that can run here, and the RabbitMQ URL when one answers."""
    url = rabbitmq_url() if any(d.broker == "rabbitmq" for d in chosen) else None
    skipped = [d.name for d in chosen if d.broker == "rabbitmq" and url is None]
    if skipped:
        _say(f"skipped {', '.join(skipped)}: no RabbitMQ answers "
             "(TEST_RABBITMQ_URL, or 127.0.0.1:5672)")  # fmt: skip
    return [d for d in chosen if d.name not in skipped], url


def _run_on_stacks(chosen: list[Drill], url: str | None, env: dict[str, str], workdir: Path,
                   args: argparse.Namespace, results: list[Counts]) -> None:  # fmt: skip
    """Redis-broker drills on one stack, RabbitMQ drills (on `url`) on another."""
    for broker in ("redis", "rabbitmq"):
        if not (drills := [d for d in chosen if d.broker == broker]):
            continue
        (workdir / broker).mkdir()
        with chaos_stack(env, workdir / broker, rabbitmq_url=url) as stack:
            _say(f"stack up ({broker} broker): API {stack.api_url}, {len(stack.workers)} workers")
            for drill in drills:
                results.append(run_drill(stack, drill, outage_s=args.outage_s,
                                         burst=args.burst, say=_say))  # fmt: skip
                _say(f"[{drill.name}] {'ok' if results[-1].passed else 'FAILED'}")


def main() -> int:
    names = [d.name for d in DRILLS]
    parser = argparse.ArgumentParser(prog="make chaos", description=__doc__.split("\n\n")[0])
    parser.add_argument("drills", nargs="*", metavar="DRILL",
                        help=f"drills to run (default: all): {', '.join(names)}")  # fmt: skip
    parser.add_argument("--outage-s", type=float, default=30.0, help="how long each fault lasts")
    parser.add_argument("--burst", type=int, default=64, help="jobs submitted at once per drill")
    args = parser.parse_args()
    if unknown := set(args.drills) - set(names):
        parser.error(f"no drill named {', '.join(sorted(unknown))}; the drills: {', '.join(names)}")
    chosen, url = _runnable([d for d in DRILLS if not args.drills or d.name in args.drills])

    workdir = Path(tempfile.mkdtemp(prefix="cf-chaos-"))
    _say(f"logs in {workdir}")
    results: list[Counts] = []
    try:
        with (
            local_services(workdir, env=dict(os.environ), log=_say) as services,
            own_database(services["DATABASE_URL"], "cf_chaos") as database_url,
        ):
            env = {**services, "DATABASE_URL": database_url}
            _run_on_stacks(chosen, url, env, workdir, args, results)
    finally:
        if results:
            print("\n" + table(results), flush=True)
    passed = all(r.passed for r in results) and len(results) == len(chosen)
    if passed:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        print(f"\nlogs kept in {workdir}", flush=True)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
