"""The table that ends a watch: one row per job from its status document (id, name,
status, cache layer, latency = finished_at - created_at, quality, cost), as a rich Table
for a terminal or as aligned plain text for logs and CI."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.table import Table

COLUMNS = ("id", "name", "status", "cache", "latency", "quality", "cost usd")


def summary_row(job_id: str, name: str, document: dict[str, Any] | None) -> list[str]:
    """The cells of one job; `document` is None when the job could not be watched."""
    if document is None:
        return [job_id, name, "unknown", "-", "-", "-", "-"]
    status = str(document.get("status"))
    error = document.get("error") or {}
    if error.get("type") and error["type"] != status:  # a cancelled job's type is "cancelled"
        status = f"{status}: {error['type']}"
    result = document.get("result") or {}
    quality = result.get("quality") or {}
    cost = result.get("cost") or {}
    return [
        job_id,
        name or str(document.get("component_name", "")),
        status,
        document.get("cache_layer") or "-",
        _latency(document.get("created_at"), document.get("finished_at")),
        _quality(quality),
        f"{cost['usd']:.4f}" if isinstance(cost.get("usd"), int | float) else "-",
    ]


def plain_table(rows: list[list[str]]) -> str:
    """Columns padded to their widest cell, a dashed rule under the header."""
    everything = [list(COLUMNS), *rows]
    widths = [max(len(row[i]) for row in everything) for i in range(len(COLUMNS))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
             for row in everything]  # fmt: skip
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def rich_table(rows: list[list[str]]) -> Table:
    table = Table(*COLUMNS, title="jobs")
    for row in rows:
        style = "green" if row[2] == "succeeded" else "red"
        table.add_row(*row, style=style)
    return table


def _latency(created_at: str | None, finished_at: str | None) -> str:
    if not created_at or not finished_at:
        return "-"
    try:
        seconds = (_when(finished_at) - _when(created_at)).total_seconds()
    except ValueError:
        return "-"
    return f"{seconds:.2f} s"


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _quality(quality: dict[str, Any]) -> str:
    score = quality.get("score")
    if not isinstance(score, int | float):
        return "-"
    passed = quality.get("passed")
    verdict = "" if passed is None else (" passed" if passed else " failed")
    return f"{score:.2f}{verdict}"
