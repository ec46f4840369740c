"""Replays this machine's spools from a thread of the worker's main process.

Spools live on local disk, so every worker machine replays its own; a Celery beat task
would run on whichever worker took it, which may not hold the files. Beat sending to a
broadcast queue would reach every worker, but on the Redis broker kombu's fanout
consumer ends the worker ("Unrecoverable error") when the broker restarts.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from config.settings import get_settings
from workers.observability import metrics
from workers.resilience import bookkeeping_spool, upload_spool
from workers.resilience.classification import is_transient
from workers.resilience.spool import Spool

logger = logging.getLogger(__name__)

# Uploads first: a replayed row may point at artifacts that must exist by then.
SPOOLS: tuple[tuple[str, Callable[[], Spool], Callable[[], int]], ...] = (
    ("uploads", upload_spool.spool, upload_spool.replay),
    ("bookkeeping", bookkeeping_spool.spool, bookkeeping_spool.replay),
)


def replay_once() -> None:
    for name, spool, replay in SPOOLS:
        if spool().pending():
            try:
                logger.info("replayed %d spooled %s items", replay(), name)
            except Exception as exc:
                if not is_transient(exc):
                    logger.exception("a spooled %s item could not be replayed", name)
        metrics.SPOOL_PENDING.labels(spool=name).set(len(spool().pending()))


def start() -> threading.Event:
    """Replay every SPOOL_REPLAY_INTERVAL_S; set the returned event to stop."""
    stop = threading.Event()
    interval_s = get_settings().spool_replay_interval_s

    def loop() -> None:
        while not stop.wait(interval_s):
            replay_once()

    threading.Thread(target=loop, name="spool-replay", daemon=True).start()
    return stop
