"""A job's paid calls (LLM answers, embeddings) kept in Redis as they are paid, so that
the job is billed for every attempt's, not only for the one that ended it.

Without it a job that failed after paying (a provider down at generate_code, after
propose_requirements was paid), or that was retried or redelivered, booked only its last
attempt's calls: a tenant could spend past its budget through jobs that fail late.

`paid-calls:{id}` is a hash, one field per call: "<attempt start>-<index>" -> the call as
JSON. Fields are named, so writing a call twice keeps it once, and they sort in the order
paid. An attempt writes its new calls with each step boundary's round trip and all of
them when it leaves with an error; the next delivery reads them with its mark-running
round trip; fail_job reads them to book the failed row. The hash expires with the job.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict

import redis

from config.settings import get_settings
from core.keys import paid_calls_key
from core.result import CostLine


class AttemptCalls:
    """One attempt's paid calls: the list the chain appends to, and how many of them
    were sent to Redis."""

    def __init__(self, job_id: str) -> None:
        self.job_id = job_id
        self.lines: list[CostLine] = []
        self._attempt = f"{time.time():017.6f}"
        self._sent = 0

    def send_new_in(self, pipe: redis.client.Pipeline) -> None:
        """Queue the calls paid since the last send."""
        self._queue(pipe, self._sent)
        self._sent = len(self.lines)

    def send_all(self, client: redis.Redis) -> None:
        """Write every call of the attempt (some sends may not have reached Redis)."""
        pipe = client.pipeline(transaction=False)
        self._queue(pipe, 0)
        if len(pipe):
            pipe.execute()

    def _queue(self, pipe: redis.client.Pipeline, start: int) -> None:
        if start >= len(self.lines):
            return
        key = paid_calls_key(self.job_id)
        fields = {
            f"{self._attempt}-{index:04d}": json.dumps(asdict(self.lines[index]))
            for index in range(start, len(self.lines))
        }
        pipe.hset(key, mapping=fields)
        pipe.expire(key, get_settings().job_state_ttl_s)


def read_in(pipe: redis.client.Pipeline, job_id: str) -> None:
    """Queue the read of the job's paid calls; `decode` its reply."""
    pipe.hgetall(paid_calls_key(job_id))


def decode(reply: dict[str, str] | None) -> list[CostLine]:
    """The calls, in the order they were paid."""
    if not reply:
        return []
    return [CostLine(**json.loads(reply[field])) for field in sorted(reply)]


def of_job(client: redis.Redis, job_id: str) -> list[CostLine]:
    """Every call the job's attempts have paid and written."""
    return decode(client.hgetall(paid_calls_key(job_id)))
