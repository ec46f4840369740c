"""`componentforge submit | wait | status | download | cancel`: jobs over the HTTP API
(README: Use it from the command line). Exit status: 0 when every job succeeded, 1 when
any failed, was cancelled or was refused, 2 for a usage error, 130 after Ctrl-C (the
jobs go on; the message says how to resume watching)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from client.api_options import EXIT_FAILED, EXIT_USAGE, CommandError, api_options, connected
from client.downloads import UnsafeArtifactKey
from client.http_api import ApiError, ComponentForgeApi, JsonDict
from client.job_files import JobFileError, collect_jobs
from client.progress import WatchedJob, watch
from client.submission import submit_jobs
from client.summary import summary_row

EXIT_INTERRUPTED = 130  # the shell's convention for Ctrl-C

plain_option = click.option(
    "--plain", is_flag=True, help="Plain lines instead of live bars (the default without a TTY)."
)


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--wait", "wait_", is_flag=True, help="Show live progress until every job ends.")
@plain_option
@click.option(
    "--idempotency-key-prefix",
    metavar="PREFIX",
    help="Derive an Idempotency-Key per request from it: the same command run again "
    "returns the same jobs instead of making new ones.",
)
@api_options
def submit(
    paths: tuple[Path, ...],
    wait_: bool,
    plain: bool,
    idempotency_key_prefix: str | None,
    url: str,
    api_key: str | None,
) -> None:
    """Submit jobs: JSON files (an object, or an array of them), JSON Lines files (one job
    a line) or folders of them. More than one job goes in batches of up to 100."""
    try:
        inputs = collect_jobs(list(paths))
    except JobFileError as exc:
        raise CommandError(str(exc), exit_code=EXIT_USAGE) from None
    with connected(url, api_key) as api:
        try:
            done = submit_jobs(api, inputs, idempotency_key_prefix=idempotency_key_prefix)
        except KeyboardInterrupt:
            raise CommandError(
                "interrupted while submitting: jobs already accepted run on; run the same "
                "command with the same --idempotency-key-prefix to send the rest without "
                "duplicates",
                exit_code=EXIT_INTERRUPTED,
            ) from None
        for job, error in done.refused:
            click.echo(f"refused {job.origin}: {error}", err=True)
        if not wait_:
            for job, job_id in done.accepted:
                click.echo(f"{job_id} {job.body.get('component_name', '')} {job.origin}")
            if done.accepted:
                click.echo(f"watch them: componentforge wait {_ids(done.accepted)}", err=True)
            sys.exit(EXIT_FAILED if done.refused or not done.accepted else 0)
        click.echo(f"submitted {len(done.accepted)} of {len(inputs)} jobs"
                   + (f" (batches {', '.join(done.batch_ids)})" if done.batch_ids else ""),
                   err=True)  # fmt: skip
        jobs = [WatchedJob(job_id, str(job.body.get("component_name", "")))
                for job, job_id in done.accepted]  # fmt: skip
        succeeded = _watch(api, jobs, plain=plain, batch_ids=done.batch_ids)
    sys.exit(0 if succeeded and not done.refused else EXIT_FAILED)


@click.command("wait")
@click.argument("job_ids", nargs=-1, required=True, metavar="ID...")
@plain_option
@api_options
def wait_command(job_ids: tuple[str, ...], plain: bool, url: str, api_key: str | None) -> None:
    """Show live progress until every job ends (then the summary table)."""
    with connected(url, api_key) as api:
        jobs = [_known(api, job_id) for job_id in dict.fromkeys(job_ids)]
        succeeded = _watch(api, jobs, plain=plain, batch_ids=[])
    sys.exit(0 if succeeded else EXIT_FAILED)


@click.command()
@click.argument("job_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="The status document as JSON.")
@click.option("--wait", "wait_s", type=click.FloatRange(min=0), metavar="SECONDS",
              help="Long-poll: answer when the job ends or after SECONDS.")  # fmt: skip
@api_options
def status(job_id: str, as_json: bool, wait_s: float | None, url: str, api_key: str | None) -> None:
    """A job's status document, summed up (or whole, with --json)."""
    with connected(url, api_key) as api:
        document = api.status(job_id, wait_s=wait_s)
    if as_json:
        click.echo(json.dumps(document, indent=2))
        return
    click.echo(describe(document))


@click.command()
@click.argument("job_id", metavar="ID")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="Folder the artifacts go under, at their S3 keys.",
)
@api_options
def download(job_id: str, out_dir: Path, url: str, api_key: str | None) -> None:
    """Every artifact of a succeeded job, written as OUT/<S3 key>."""
    with connected(url, api_key) as api:
        try:
            written = api.download(job_id, out_dir)
        except UnsafeArtifactKey as exc:
            raise CommandError(str(exc)) from None
    for path in written:
        click.echo(str(path))


@click.command()
@click.argument("job_id", metavar="ID")
@api_options
def cancel(job_id: str, url: str, api_key: str | None) -> None:
    """Cancel a job: a queued one never runs; a running one stops at its next step."""
    with connected(url, api_key) as api:
        document = api.cancel(job_id)
    if document.get("status") == "cancelled":
        click.echo(f"cancelled {job_id}")
    else:
        click.echo(f"cancel requested: {job_id} is {document.get('status')} and stops at its "
                   f"next step (see it end: componentforge wait {job_id})")  # fmt: skip


def describe(document: JsonDict) -> str:
    """The status document as `label  value` lines, for people."""
    row = dict(zip(("id", "name", "status", "cache", "latency", "quality", "cost"),
                   summary_row(document["id"], "", document), strict=True))  # fmt: skip
    result = document.get("result") or {}
    lines: list[tuple[str, Any]] = [
        ("id", document["id"]),
        ("component", f"{document.get('component_name')} ({document.get('component_type')})"),
        ("status", document.get("status")),
        ("stage", document.get("stage")),
        ("cache layer", document.get("cache_layer")),
        ("attempts", document.get("attempts")),
        ("created", document.get("created_at")),
        ("finished", document.get("finished_at")),
        ("latency", row["latency"]),
    ]
    if document.get("cancel_requested"):
        lines.append(("cancel", "requested: stops at the next step"))
    if document.get("error"):
        error = document["error"]
        lines.append(("error", f"{error.get('type')}: {error.get('message')}"))
    if result:
        lines += [("quality", row["quality"]), ("cost usd", row["cost"])]
        lines += [("artifact", a.get("key")) for a in (result.get("artifacts") or {}).values()]
        lines.append(("trace", result.get("trace_url")))
    webhook = document.get("webhook")
    if webhook:
        tries = len(webhook.get("attempts") or [])
        lines.append(("webhook", f"{webhook.get('state')} ({tries} attempts) {webhook.get('url')}"))
    shown = [(label, value) for label, value in lines if value not in (None, "", "-")]
    width = max(len(label) for label, _ in shown)
    return "\n".join(f"{label.ljust(width)}  {value}" for label, value in shown)


def _known(api: ComponentForgeApi, job_id: str) -> WatchedJob:
    """The job as it is now (named, and already ended if it is): an unknown id is an
    error before anything is watched."""
    try:
        document = api.status(job_id)
    except ApiError as exc:
        if exc.status == 404:
            raise CommandError(f"no job {job_id} for this key's tenant (404)") from None
        raise
    job = WatchedJob(job_id, str(document.get("component_name", "")), document["status"],
                     document.get("stage"), document.get("cache_layer"))  # fmt: skip
    if document["status"] in ("succeeded", "failed", "cancelled"):
        job.document = document
    return job


def _watch(
    api: ComponentForgeApi, jobs: list[WatchedJob], *, plain: bool, batch_ids: list[str]
) -> bool:
    """Watch until every job ended; True when all succeeded. Ctrl-C exits (130) with
    the command that resumes."""
    if not jobs:
        return False
    try:
        outcome = watch(api, jobs, plain=plain or not sys.stdout.isatty(), batch_ids=batch_ids)
    except KeyboardInterrupt:
        left = [job.id for job in jobs if not job.ended] or [job.id for job in jobs]
        click.echo(f"\nstopped watching; the jobs go on. Resume with: componentforge wait "
                   f"{' '.join(left)}", err=True)  # fmt: skip
        sys.exit(EXIT_INTERRUPTED)
    return outcome.all_succeeded


def _ids(accepted: list[tuple[Any, str]]) -> str:
    return " ".join(job_id for _, job_id in accepted)
