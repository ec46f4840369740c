"""`make workload` (python -m devstack.workload --jobs 500 --seed 14 --rate 20): replay a
realistic job mix on the local stack and print what each cache layer did.

Starts the fake Figma and OpenAI servers (the model answering after --llm-latency-ms and
billing realistic tokens), the local stack (embedded services unless REDIS_URL etc. are
set; an API; one worker as `make up` starts it), measures the bare Celery floor
(devstack.bench.run.floor), then submits the plan (devstack.workload.mix) through the API
with a key of a tenant of the run's own (so nothing cached by earlier runs counts).
Exits 1 when a job failed or a Figma job submitted after an edit carried a stale colour.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import uuid
from collections import Counter
from typing import Any

import httpx

from devstack.bench.run import floor
from devstack.demo import WAIT_S
from devstack.fakes.figma import figma_server
from devstack.fakes.openai_api import openai_server
from devstack.keys import bearer, mint_key
from devstack.ports import NotReady
from devstack.stack import ROOT, local_stack, raise_on_sigterm
from devstack.workload.llm import COMPLETION_TOKENS, PROMPT_TOKENS, competent_answer, slow
from devstack.workload.mix import FIGMA_FILES, FigmaEdit, figma_key, jobs_of, plan
from devstack.workload.replay import Replayer
from devstack.workload.report import print_report

FIGMA_TOKEN = "workload-figma-token"
LLM_KEY = "sk-workload-local"
FIGMA_FILE = ROOT / "devstack" / "fakes" / "figma_file.json"


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m devstack.workload", description=__doc__)
    parser.add_argument("--jobs", type=int, default=500, help="workload jobs (default 500)")
    parser.add_argument("--seed", type=int, default=14, help="the mix's seed (default 14)")
    parser.add_argument("--rate", type=float, default=20.0, help="submissions per second (20)")
    parser.add_argument("--controls", type=int, default=20,
                        help="template L4 control jobs, besides the workload (20)")  # fmt: skip
    parser.add_argument("--llm-latency-ms", type=float, default=300.0,
                        help="the fake model's pause per call (300)")  # fmt: skip
    parser.add_argument("--model", default=None,
                        help="the openai jobs' options.model (default: OPENAI_MODEL)")  # fmt: skip
    parser.add_argument("--figma-version-ttl-s", default="0",
                        help="FIGMA_VERSION_TTL_S of the worker (0: every job asks the version, "
                        "so an edit reaches the next job)")  # fmt: skip
    return parser.parse_args(argv)


def describe(steps: list[Any]) -> str:
    jobs = jobs_of(steps)
    kinds = Counter(job.kind for job in jobs)
    repeats = sum(job.repeat for job in jobs)
    edits = sum(isinstance(step, FigmaEdit) for step in steps)
    return (f"{len(jobs)} jobs: " + ", ".join(f"{n} {kind}" for kind, n in kinds.items())
            + f"; {repeats} exact repeats of an earlier body; {edits} Figma edits")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    raise_on_sigterm()
    run_id = uuid.uuid4().hex[:8]
    options: dict[str, Any] = {
        "provider": "openai",
        **({"model": args.model} if args.model else {}),
    }
    figma_prefix = f"W{run_id}"
    steps = plan(args.jobs, seed=args.seed, controls=args.controls, options=options,
                 figma_prefix=figma_prefix)  # fmt: skip
    print(f"workload: {describe(steps)}; {args.rate:g} jobs/s, model latency "
          f"{args.llm_latency_ms:g} ms/call, seed {args.seed}", flush=True)  # fmt: skip
    responder = slow(competent_answer, latency_ms=args.llm_latency_ms)
    try:
        with (
            figma_server(FIGMA_TOKEN) as (figma_url, figma),
            openai_server(LLM_KEY, responder) as (llm_url, llm),
        ):
            llm.usage = (PROMPT_TOKENS, COMPLETION_TOKENS)
            document = json.loads(FIGMA_FILE.read_text())
            for number in range(FIGMA_FILES):
                figma.files[figma_key(figma_prefix, number)] = document
            os.environ.update({
                "FIGMA_API_URL": figma_url, "FIGMA_TOKEN": FIGMA_TOKEN,
                "FIGMA_TOKEN_SHARED": "true", "FIGMA_VERSION_TTL_S": args.figma_version_ttl_s,
                "OPENAI_BASE_URL": llm_url, "OPENAI_API_KEY": LLM_KEY,
            })  # fmt: skip
            # On services the user named, a queue and bucket of the run's own.
            os.environ.setdefault("GENERATION_QUEUE", f"generation-workload-{run_id}")
            os.environ.setdefault("S3_BUCKET", f"cf-workload-{run_id}")
            with local_stack("workload") as stack:
                floor_ms, _ = floor(stack.env, stack.workdir)
                floor_p50_ms = statistics.median(floor_ms)
                print(f"floor measured: p50 {floor_p50_ms:.2f} ms", flush=True)
                key = mint_key(stack.env["DATABASE_URL"], name=f"workload-{run_id}",
                               tenant=f"workload-{run_id}", unlimited=True)  # fmt: skip
                with httpx.Client(
                    base_url=stack.api_url, timeout=httpx.Timeout(10, read=WAIT_S + 15),
                    limits=httpx.Limits(max_connections=64), trust_env=False,
                    headers=bearer(key),
                ) as api:  # fmt: skip
                    replayer = Replayer(api, figma, rate_per_s=args.rate)
                    started = time.perf_counter()
                    outcomes = replayer.run(steps)
                    elapsed_s = time.perf_counter() - started
                problems = print_report(
                    outcomes, floor_p50_ms=floor_p50_ms, elapsed_s=elapsed_s,
                    submit_s=replayer.submit_s,
                )  # fmt: skip
    except NotReady as exc:
        print(f"workload FAILED: the stack did not start: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("workload interrupted; everything it started is stopped", file=sys.stderr)
        return 130
    if problems:
        print("\nworkload FAILED:\n  " + "\n  ".join(problems[:30]))
        if len(problems) > 30:
            print(f"  ... and {len(problems) - 30} more")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
