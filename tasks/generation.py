"""`generation.run`: the task a client of any language can publish by name.

A thin shim: it takes the job id (and, when the job came straight onto the queue, its
body), calls workers.pipeline.run, and turns failures into retry-or-fail.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
from typing import Any

import redis
from celery import Task
from celery.exceptions import Reject, Retry, SoftTimeLimitExceeded
from celery.worker.request import Request

import workers.process_hooks  # noqa: F401  (connects the worker signals)
from config.celery_app import app
from config.settings import get_settings
from core.errors import ComponentForgeError, DependencyUnavailable, JobTimedOut
from workers import green
from workers.clients import redis_client
from workers.observability import metrics
from workers.pipeline import queued
from workers.pipeline.failure import fail_job
from workers.pipeline.run import run_generation
from workers.pipeline.single_flight import WaitingForIdenticalJob
from workers.resilience.classification import describe, error_kind, is_transient, retry_after_s
from workers.resilience.dead_letters import UnrunnableMessage, dead_letter
from workers.resilience.hold import hold
from workers.resilience.lease import LeaseHeld
from workers.storage import job_state

logger = logging.getLogger(__name__)


class GenerationRequest(Request):
    """Runs in the worker's main process, which outlives a child killed at the hard limit."""

    _ack_deferred = False

    def acknowledge(self) -> None:
        if not self._ack_deferred:
            super().acknowledge()
            self._free_slot_if_unsettled()

    def reject(self, requeue: bool = False) -> None:
        super().reject(requeue)
        self._free_slot_if_unsettled()

    def _free_slot_if_unsettled(self) -> None:
        # Celery logs a failed ack or reject and goes on; on the gevent pool the message
        # would then keep its prefetch slot for good (green.forget_unsettled).
        if green.is_green():
            green.forget_unsettled(self.message)

    def on_timeout(self, soft: bool, timeout: float) -> None:
        if soft:
            super().on_timeout(soft, timeout)
            return
        # Celery's handler logs the time-out and acks the message: the ack waits until the
        # job's ending is recorded, or the job could stay `running` with no message.
        self._ack_deferred = True
        try:
            super().on_timeout(soft, timeout)
        finally:
            self._ack_deferred = False
        # billiard calls this before it kills the child: kill it first, or the child (its
        # soft-limit exception still pending) could end the job too, differently. On the
        # gevent pool the job's greenlet is already gone (its Timeout ended it) and
        # worker_pid names that greenlet, not a process.
        if self.worker_pid and not green.is_green():
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.worker_pid, signal.SIGKILL)
        job_id = self.kwargs.get("job_id") or self.id
        try:
            fail_job(
                job_id,
                JobTimedOut(
                    f"the job was stopped at the hard time limit ({timeout:.0f} s); "
                    "raise TASK_TIME_LIMIT_S if jobs of this kind need longer"
                ),
            )
        except Exception:
            logger.exception("job %s: could not record the hard time-out; requeued", job_id)
            self.reject(requeue=True)
            return
        self.acknowledge()


class GenerationTask(Task):
    Request = GenerationRequest


@app.task(
    name="generation.run",
    base=GenerationTask,
    bind=True,
    # Idempotent (see workers.pipeline.run), so a lost worker's message may run again.
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=get_settings().retry_policy("task").attempts - 1,
)
def run(
    self: Task,
    job_id: str | None = None,
    request: dict[str, Any] | None = None,
    *unexpected_args: Any,
    **unexpected_kwargs: Any,
) -> None:
    # Any arguments are taken, so that a message Celery could not call the task with
    # still ends as a failed job under its id (with a row), not as a log line.
    named = job_id
    try:
        job_id = queued.job_id_of(self.request.id, named)
        try:
            queued.check_arguments(named, request, unexpected_args, unexpected_kwargs)
        except UnrunnableMessage as error:
            queued.refuse_if_taken(job_id, error)  # ends only a job of its own
            raise
        with metrics.JOBS_IN_FLIGHT.track_inprogress(), green.soft_time_limit(_soft_limit_s(self)):
            run_generation(job_id, request)
    except queued.RefusedMessage as refused:
        # Nothing is written under its id (it may not be safe, or not its own): kept as
        # it came, for the publisher to inspect.
        logger.warning("queued message %r refused: %s", self.request.id[:80], refused)
        dead_letter(self, str(refused))
    except LeaseHeld as held:
        # Not a failure: another delivery is running it. Look again when its lease lapses.
        wait_s = held.retry_in_s
        retry = lambda: self.retry(countdown=wait_s, max_retries=None, throw=False)  # noqa: E731
        raise hold(job_id, "publish its retry", retry) from None
    except WaitingForIdenticalJob as waiting:
        # Not a failure either: back to the queue without holding a pool process.
        countdown = waiting.retry_in_s
        requeue = lambda: _requeue(self, countdown)  # noqa: E731
        raise hold(job_id, "publish its requeue", requeue) from None
    except SoftTimeLimitExceeded:
        _fail(
            job_id,
            JobTimedOut(
                f"the job ran past the soft time limit ({get_settings().task_soft_time_limit_s}"
                " s); raise TASK_SOFT_TIME_LIMIT_S if jobs of this kind need longer"
            ),
            None,
        )
    except UnrunnableMessage as error:
        _fail(job_id, error, request)
        dead_letter(self, str(error))  # kept as it came, for the publisher to inspect
    except ComponentForgeError as error:
        if isinstance(error, DependencyUnavailable):
            _retry_or_fail(self, job_id, error, request)
        else:
            _fail(job_id, error, request)
    except Exception as exc:
        if is_transient(exc):
            _retry_or_fail(self, job_id, exc, request)
            return
        # A bug, not bad input: end the job with a reason, then let Celery count the failure.
        logger.exception("job %s: unexpected error", job_id)
        _fail(
            job_id,
            ComponentForgeError(
                f"internal error ({type(exc).__name__}); the operators have the traceback"
            ),
            request,
        )
        raise


def _soft_limit_s(task: Task) -> float:
    """The soft limit this delivery runs under: its message's, else the app's."""
    limits = task.request.timelimit or (None, None)
    return float(limits[1] or task.app.conf.task_soft_time_limit)


def _retry_or_fail(
    task: Task, job_id: str, exc: BaseException, request: dict[str, Any] | None
) -> None:
    """Retry under the "task" policy; fail the job once it is spent or the error's kind
    is not one the policy retries."""
    reason = describe(exc)
    policy = get_settings().retry_policy("task")
    spent = task.request.retries >= task.max_retries
    if spent or error_kind(exc) not in policy.retry_on:
        error = DependencyUnavailable(
            f"{reason} — gave up after {task.request.retries + 1} attempts; "
            "resubmit once the dependency is back"
        )
        _fail(job_id, error, request)
        if spent:
            dead_letter(task, str(error))  # kept, to inspect or move back once it is fixed
        return
    # A server's Retry-After or an open circuit's remaining time is the least wait.
    countdown = policy.delay_s(task.request.retries, retry_after_s(exc))
    logger.warning("job %s: %s; retry in %.1f s", job_id, reason, countdown)
    with contextlib.suppress(redis.RedisError):  # Redis may be the dependency that is down
        job_state.mark_retrying(redis_client(), job_id)
    # Celery's retry() rejects the message without requeue when it cannot publish the
    # retry (the broker is down), which would drop the job: hold it instead.
    retry = lambda: task.retry(exc=exc, countdown=countdown, throw=False)  # noqa: E731
    raise hold(job_id, "publish its retry", retry)


def _requeue(task: Task, countdown: float) -> Retry:
    """Publish the message again after `countdown` with its retry count unchanged: a job
    waiting for an identical one must not spend the retries kept for dependencies that
    are down. Celery's retry() would count one."""
    request = task.request
    again = task.signature_from_request(request, countdown=countdown, retries=request.retries)
    try:
        again.apply_async()
    except Exception as exc:  # like retry(): `hold` tries again, then gives the message back
        raise Reject(exc, requeue=False) from exc
    return Retry(when=countdown, sig=again)


def _fail(job_id: str, error: ComponentForgeError, request: dict[str, Any] | None) -> None:
    """fail_job, held until it is recorded: the message is acked only after that."""
    hold(job_id, "record its failure", lambda: fail_job(job_id, error, request=request))
