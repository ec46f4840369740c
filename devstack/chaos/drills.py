"""The fault drills: each breaks one thing while jobs are in flight, then counts what
became of every job.

What passes is counted in devstack.chaos.counts.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from devstack.chaos.counts import Counts, count_jobs
from devstack.chaos.crashes import Aftermath, Say, delete_bucket, kill_redis, restart_rabbitmq
from devstack.chaos.load import Load
from devstack.chaos.poison import publish_poison
from devstack.chaos.stack import ChaosStack

Fault = Callable[[ChaosStack, float, Say], Aftermath | None]


@dataclass(frozen=True)
class Drill:
    name: str
    what: str
    fault: Fault
    felt: str
    """The Counts field that shows the fault reached the jobs (a drill whose fault
    touched nothing would pass without proving anything)."""
    provider: str = "template"
    broker: str = "redis"  # "rabbitmq": runs on a stack whose broker is RabbitMQ


def _kill_workers(stack: ChaosStack, outage_s: float, say: Say) -> None:
    """kill -9 three times: a pool process mid-job, then two whole workers (restarted,
    as a supervisor would; their unacked jobs return after the visibility timeout)."""
    for round_ in range(3):
        time.sleep(outage_s / 3 if round_ else 1)
        worker = stack.workers[round_ % len(stack.workers)]
        if round_ == 0 and (children := worker.child_pids()):
            os.kill(children[0], signal.SIGKILL)
            say(f"killed -9 pool process {children[0]} of {worker.name}")
        else:
            worker.kill9()
            say(f"killed -9 worker {worker.name} (main process and pool)")
            stack.replace_dead_workers()


def _restart_broker(stack: ChaosStack, outage_s: float, say: Say) -> None:
    stack.broker.stop()
    say(f"broker stopped for {outage_s:.0f} s")
    time.sleep(outage_s)
    stack.broker.start()
    say("broker started again")


def _cut(proxy: str) -> Fault:
    def fault(stack: ChaosStack, outage_s: float, say: Say) -> None:
        with stack.proxies[proxy].down():
            say(f"{proxy} unreachable for {outage_s:.0f} s")
            time.sleep(outage_s)
        say(f"{proxy} reachable again")

    return fault


def _llm(outage: str) -> Fault:
    def fault(stack: ChaosStack, outage_s: float, say: Say) -> None:
        stack.llm.outage = outage  # type: ignore[assignment]
        say(f"LLM answering {outage} for {outage_s:.0f} s")
        time.sleep(outage_s)
        stack.llm.outage = None
        say("LLM answering again")

    return fault


DRILLS = (
    Drill("worker-kill", "kill -9 workers mid-job, three times", _kill_workers, "redelivered"),
    Drill("broker-restart", "the broker stopped, then started again", _restart_broker,
          "submit_retries"),
    Drill("postgres-down", "Postgres unreachable", _cut("postgres"), "rows_spooled"),
    Drill("s3-down", "the S3 endpoint unreachable", _cut("s3"), "uploads_spooled"),
    Drill("cache-down", "the cache Redis unreachable", _cut("cache"), "ran_uncached"),
    Drill("llm-500", "the LLM answering 500", _llm("500"), "llm_faults", "openai"),
    Drill("llm-429", "the LLM answering 429 with Retry-After", _llm("429"), "llm_faults",
          "openai"),
    Drill("llm-hang", "the LLM hanging past the client timeout", _llm("hang"), "llm_faults",
          "openai"),
    Drill("redis-kill", "the Redis of job state and broker killed -9, then restarted",
          kill_redis, "submit_retries"),
    Drill("rabbitmq-restart", "RabbitMQ, the broker, stopped, then started again",
          restart_rabbitmq, "submit_retries", broker="rabbitmq"),
    Drill("s3-no-bucket", "the S3 bucket deleted with every version", delete_bucket,
          "wrote_after_bucket_loss"),
    Drill("poison-messages", "poison messages published straight onto the queue",
          publish_poison, "poison_failed"),
)  # fmt: skip


def run_drill(
    stack: ChaosStack,
    drill: Drill,
    *,
    outage_s: float,
    burst: int = 50,
    trickle_per_s: float = 2.0,
    say: Say = print,
) -> Counts:
    started = time.monotonic()
    faults_before = stack.llm.outage_answers
    load = Load(stack.api_url, stack.api_key, provider=drill.provider)
    say(f"[{drill.name}] {drill.what}; {burst} jobs, then {trickle_per_s:g}/s during the fault")
    load.burst(burst)
    stop = threading.Event()
    trickle = load.trickle(trickle_per_s, stop)
    in_flight = stack.in_flight()
    say(f"[{drill.name}] {in_flight} jobs queued or running as the fault starts")
    aftermath = drill.fault(stack, outage_s, say) or Aftermath()
    stop.set()
    trickle.join()
    time.sleep(0.5)  # submissions still in their retry loop finish
    say(f"[{drill.name}] {len(load.accepted)} jobs accepted; following them to their end")
    counts = count_jobs(stack, drill.name, load, aftermath, say)
    counts.in_flight_at_fault = in_flight
    counts.submit_retries = load.submit_retries
    counts.llm_faults = stack.llm.outage_answers - faults_before
    counts.felt = f"{getattr(counts, drill.felt)} {drill.felt.replace('_', ' ')}"
    counts.seconds = round(time.monotonic() - started, 1)
    stack.replace_dead_workers()
    return counts
