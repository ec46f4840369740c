"""Logging set-up shared by the API and the workers: one line per record, UTC."""

from __future__ import annotations

import logging
import time


def configure_logging(level: str = "INFO") -> None:
    formatter = logging.Formatter("%(asctime)sZ %(levelname)s %(name)s %(message)s")
    formatter.converter = time.gmtime
    handler = logging.StreamHandler()
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
