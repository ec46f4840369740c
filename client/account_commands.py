"""`componentforge usage` and `componentforge cache invalidate KEY`: the caller's tenant,
over the HTTP API (README: Quotas, budgets and usage; Using the API)."""

from __future__ import annotations

import json

import click

from client.api_options import api_options, connected


@click.command()
@click.option("--json", "as_json", is_flag=True, help="The answer of GET /v1/usage as JSON.")
@api_options
def usage(as_json: bool, url: str, api_key: str | None) -> None:
    """The tenant's month to date: jobs, spend, savings, budget, limits."""
    with connected(url, api_key) as api:
        answer = api.usage()
    if as_json:
        click.echo(json.dumps(answer, indent=2))
        return
    jobs = answer.get("jobs") or {}
    limits = answer.get("limits") or {}
    lines = [
        ("tenant", answer.get("tenant")),
        ("month", answer.get("month")),
        ("jobs", f"{jobs.get('succeeded', 0)} succeeded, {jobs.get('failed', 0)} failed, "
                 f"{answer.get('in_flight', 0)} in flight, {jobs.get('cache_hits', 0)} from a "
                 "cache"),
        ("spend usd", f"{answer.get('spend_usd', 0):.4f} (saved {answer.get('saved_usd', 0):.4f})"),
        ("budget usd", f"{answer.get('budget_usd', 0):.2f} "
                       f"({answer.get('remaining_usd', 0):.4f} remaining)"),
        ("limits", f"{limits.get('requests_per_minute')} submissions/min, "
                   f"{limits.get('max_in_flight')} in flight"),
    ]  # fmt: skip
    width = max(len(label) for label, _ in lines)
    click.echo("\n".join(f"{label.ljust(width)}  {value}" for label, value in lines))


@click.group()
def cache() -> None:
    """The tenant's cache entries."""


@cache.command()
@click.argument("key", metavar="KEY")
@api_options
def invalidate(key: str, url: str, api_key: str | None) -> None:
    """Drop one L1 entry (KEY: exact:<sha256>, the cache_key of a status document)."""
    with connected(url, api_key) as api:
        api.invalidate_cache(key)
    click.echo(f"invalidated {key}")
