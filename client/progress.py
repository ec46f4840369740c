"""Watching jobs until they end: a live rich display on a terminal (an overall bar with
done/total, rate and ETA, and a line per unfinished job with its stage), or, without a
TTY, plain lines `<id> <name> <stage>` on each change. Either way it ends with the summary
table. Updates come from client.job_watch; Ctrl-C (KeyboardInterrupt) stops the watch,
never the jobs: the caller says how to resume."""

from __future__ import annotations

import queue
from dataclasses import dataclass, field
from typing import Any, Protocol

import click
from rich.console import Console, Group
from rich.live import Live
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from client.http_api import ComponentForgeApi, JsonDict
from client.job_watch import ENDED, JobUpdate, Updates, start_watching
from client.summary import plain_table, rich_table, summary_row

JOB_LINES_SHOWN = 20  # unfinished jobs listed under the bar; the rest are counted


@dataclass
class WatchedJob:
    id: str
    name: str
    status: str = "queued"
    stage: str | None = None
    cache_layer: str | None = None
    document: JsonDict | None = None
    problem: str | None = None

    @property
    def ended(self) -> bool:
        """Its end is known: the full status document came (a `state` event saying
        "succeeded" comes just before it), or the job cannot be watched."""
        return self.document is not None or self.problem is not None

    @property
    def where(self) -> str:
        """What the job is doing, in a word or two."""
        if self.problem:
            return f"unknown ({self.problem})"
        if self.status == "running" and self.stage:
            return self.stage
        if self.status in ENDED and self.cache_layer:
            return f"{self.status} ({self.cache_layer})"
        return self.status


@dataclass
class WatchOutcome:
    jobs: list[WatchedJob] = field(default_factory=list)

    @property
    def all_succeeded(self) -> bool:
        return all(job.document is not None and job.status == "succeeded" for job in self.jobs)

    @property
    def unfinished(self) -> list[str]:
        return [job.id for job in self.jobs if not job.ended]


class View(Protocol):
    def changed(self, job: WatchedJob, done: int) -> None: ...
    def finish(self, jobs: list[WatchedJob]) -> None: ...
    def stop(self) -> None: ...


def watch(
    api: ComponentForgeApi,
    jobs: list[WatchedJob],
    *,
    plain: bool,
    batch_ids: list[str] | None = None,
    console: Console | None = None,
) -> WatchOutcome:
    """Follow `jobs` until each ended (or cannot be watched); KeyboardInterrupt passes
    through after the display is put away, with the outcome so far lost to no one: the
    caller holds `jobs`, which are updated in place."""
    console = console or Console()
    by_id = {job.id: job for job in jobs}
    updates: Updates = queue.Queue()
    unended = [job.id for job in jobs if not job.ended]
    start_watching(api, unended, updates, batch_ids=batch_ids or [])
    view: View = PlainView() if plain else RichView(console, jobs)
    for job in jobs:  # where each job starts from: a line even for one that never changes
        view.changed(job, _done(jobs))
    try:
        while not all(job.ended for job in jobs):
            try:
                update = updates.get(timeout=0.25)  # short: Ctrl-C is seen at once
            except queue.Empty:
                continue
            job = by_id.get(update.job_id)
            if job is None or job.ended or not _apply(job, update):
                continue
            view.changed(job, _done(jobs))
    finally:
        view.stop()
    view.finish(jobs)
    return WatchOutcome(jobs)


def _apply(job: WatchedJob, update: JobUpdate) -> bool:
    """Take the update; False when it changes nothing that is shown."""
    before = (job.status, job.stage, job.cache_layer, job.problem)
    job.status, job.stage = update.status, update.stage
    job.cache_layer = update.cache_layer or job.cache_layer
    job.problem = update.problem
    if update.document is not None:
        job.document = update.document
        job.name = job.name or str(update.document.get("component_name", ""))
    return (job.status, job.stage, job.cache_layer, job.problem) != before


def _done(jobs: list[WatchedJob]) -> int:
    return sum(1 for job in jobs if job.ended)


def _rows(jobs: list[WatchedJob]) -> list[list[str]]:
    return [summary_row(job.id, job.name, job.document) for job in jobs]


class PlainView:
    """`<id> <name> <stage>` per change, then the table as text: readable in CI logs."""

    def changed(self, job: WatchedJob, done: int) -> None:
        self._print(f"{job.id} {job.name} {job.where}")

    def finish(self, jobs: list[WatchedJob]) -> None:
        self._print(plain_table(_rows(jobs)))

    def stop(self) -> None:
        pass

    def _print(self, text: str) -> None:
        click.echo(text)  # as is: no markup, no wrapping at 80 columns


class _RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:.2f} jobs/s" if speed else "- jobs/s", style="cyan")


class RichView:
    """The live display, redrawn ~8 times a second by rich."""

    def __init__(self, console: Console, jobs: list[WatchedJob]) -> None:
        self.console = console
        self.jobs = jobs
        self.progress = Progress(
            TextColumn("[bold]jobs"),
            BarColumn(),
            MofNCompleteColumn(),
            _RateColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            TimeElapsedColumn(),
            console=console,
        )
        self.task = self.progress.add_task("jobs", total=len(jobs))
        self.live = Live(self._render(), console=console, refresh_per_second=8, transient=False)
        self.live.start()

    def changed(self, job: WatchedJob, done: int) -> None:
        self.progress.update(self.task, completed=done)
        self.live.update(self._render())

    def finish(self, jobs: list[WatchedJob]) -> None:
        self.console.print(rich_table(_rows(jobs)))

    def stop(self) -> None:
        self.live.update(self._render())
        self.live.stop()

    def _render(self) -> Group:
        running = [job for job in self.jobs if not job.ended]
        lines = Table.grid(padding=(0, 2))
        for job in running[:JOB_LINES_SHOWN]:
            lines.add_row(Text(job.id, style="dim"), Text(job.name), Text(job.where, "yellow"))
        more: Any = (
            Text(f"… and {len(running) - JOB_LINES_SHOWN} more", style="dim")
            if len(running) > JOB_LINES_SHOWN
            else Text("")
        )
        return Group(self.progress, lines, more)
