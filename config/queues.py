"""Queue names derived from the generation queue's."""

from __future__ import annotations


def dead_letter_queue(queue: str) -> str:
    """Where messages from `queue` that cannot or will no longer run are kept."""
    return f"{queue}.dead"
