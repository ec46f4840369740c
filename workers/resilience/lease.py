"""A renewable lease on a job, so two deliveries of one message never run it at once.

A message can be delivered twice: the Redis broker redelivers after its visibility
timeout, and a lost worker's message is requeued. The holder renews the lease every
ttl/3 seconds; a holder that dies stops renewing, so its lease lapses. A holder on this
machine whose process is gone is detected at once instead. One thread per process renews
all of its leases: a thread per job cost a start and a join on every job.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time

import redis

from core.keys import lease_key

logger = logging.getLogger(__name__)

# Renew or release only if we still own it (compare-and-act in one step).
_RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end"  # noqa: E501
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"  # noqa: E501
_STEAL = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('set', KEYS[1], ARGV[2], 'PX', ARGV[3]) else return 0 end"  # noqa: E501


class LeaseHeld(Exception):
    """Another live delivery runs this job; try again once its lease could lapse."""

    def __init__(self, job_id: str, retry_in_s: float) -> None:
        super().__init__(f"job {job_id} is running elsewhere; retry in {retry_in_s:.0f}s")
        self.retry_in_s = retry_in_s


def _owner_token() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def holder_is_dead_here(token: str) -> bool:
    """A lease token (`host:pid:thread`) of a process on this machine that is gone."""
    host, _, rest = token.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class JobLease:
    def __init__(self, client: redis.Redis, job_id: str, *, ttl_s: int) -> None:
        self._client = client
        self._job_id = job_id
        self._key = lease_key(job_id)
        self._ttl_ms = ttl_s * 1000
        self._token = _owner_token()
        self._released = False

    @property
    def renew_every_s(self) -> float:
        return self._ttl_ms / 3000

    def acquire(self, *, read_key: str | None = None) -> dict[str, str] | None:
        """Take the lease or raise LeaseHeld.

        With `read_key` (a hash), also read it in the same round trip and return it; None
        means it must be read again (the lease was taken over from a dead holder).
        """
        pipe = self._client.pipeline(transaction=False)
        pipe.set(self._key, self._token, nx=True, px=self._ttl_ms)
        if read_key is not None:
            pipe.hgetall(read_key)
        results = pipe.execute()
        if results[0]:
            _renewer().add(self)
            return results[1] if read_key is not None else None
        self._take_over()
        return None

    def _take_over(self) -> None:
        holder = self._client.get(self._key)
        stolen = (
            holder is not None
            and holder_is_dead_here(holder)
            and self._client.eval(_STEAL, 1, self._key, holder, self._token, self._ttl_ms)
        )
        if stolen:
            logger.warning("job %s: took over the lease of dead process %s", self._job_id, holder)
            _renewer().add(self)
            return
        remaining_ms = self._client.pttl(self._key)
        raise LeaseHeld(self._job_id, max(remaining_ms, 1000) / 1000)

    def renew(self) -> bool:
        """Extend the lease; False once it is lost (someone else holds it now)."""
        try:
            if self._client.eval(_RENEW, 1, self._key, self._token, self._ttl_ms):
                return True
            logger.warning("job %s: lease lost", self._job_id)
            return False
        except redis.RedisError:
            logger.warning("job %s: could not renew lease", self._job_id, exc_info=True)
            return True  # tried again at the next turn

    def release_in(self, pipe: redis.client.Pipeline) -> None:
        """Queue the release into a pipeline that writes the job's end state."""
        _renewer().discard(self)
        pipe.eval(_RELEASE, 1, self._key, self._token)
        self._released = True

    def release(self) -> None:
        _renewer().discard(self)
        if self._released:
            return
        try:
            self._client.eval(_RELEASE, 1, self._key, self._token)
        except redis.RedisError:
            logger.warning("job %s: could not release lease; it lapses", self._job_id)


class _Renewer:
    """Renews the leases its process holds, each every renew_every_s, from one thread.
    A renewal racing a release is harmless: both act only while the token is theirs."""

    IDLE_S = 60.0  # how long it sleeps holding no lease (an added lease wakes it)

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._due: dict[JobLease, float] = {}  # lease -> when to renew it (monotonic)
        self._wakes_at = 0.0
        self._wake = threading.Event()
        threading.Thread(target=self._loop, name="lease-renewer", daemon=True).start()

    def add(self, lease: JobLease) -> None:
        with self._lock:
            due = time.monotonic() + lease.renew_every_s
            self._due[lease] = due
            sooner = due < self._wakes_at
        if sooner:
            self._wake.set()

    def discard(self, lease: JobLease) -> None:
        with self._lock:
            self._due.pop(lease, None)

    def _loop(self) -> None:
        while True:
            self._wake.clear()
            with self._lock:
                now = time.monotonic()
                due = [lease for lease, at in self._due.items() if at <= now]
                for lease in due:
                    self._due[lease] = now + lease.renew_every_s
                self._wakes_at = min(self._due.values(), default=now + self.IDLE_S)
            for lease in due:
                if not lease.renew():
                    self.discard(lease)
            self._wake.wait(max(self._wakes_at - time.monotonic(), 0))


_process_renewer: _Renewer | None = None
_renewer_lock = threading.Lock()


def _renewer() -> _Renewer:
    global _process_renewer
    with _renewer_lock:
        if _process_renewer is None:
            _process_renewer = _Renewer()
        return _process_renewer


def _forget_renewer() -> None:
    """In a forked child: its parent's renewer thread did not come along."""
    global _process_renewer, _renewer_lock
    _process_renewer = None
    _renewer_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_renewer)
