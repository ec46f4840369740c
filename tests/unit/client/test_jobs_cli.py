"""The HTTP commands without an API: a missing key is a usage error (2) that says how to
set one, an API that cannot be reached is a one-line failure (1), refusals read as their
message and fields, the key never shows, and the summary's cells come from the document."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from client.cli import main
from client.http_api import ApiError
from client.job_files import JobInput
from client.submission import BATCH_SIZE, submit_jobs
from client.summary import summary_row

SAMPLE_JOB = str(Path(__file__).resolve().parents[3] / "samples" / "job.json")
NOWHERE = "http://127.0.0.1:9"  # the discard port: nothing listens
SECRET_KEY = "cf_abcd1234_sEcReTsEcReTsEcReT"


@pytest.mark.parametrize(
    "args",
    [
        ["submit", SAMPLE_JOB],
        ["status", "j1"],
        ["wait", "j1"],
        ["download", "j1"],
        ["cancel", "j1"],
        ["usage"],
        ["cache", "invalidate", "exact:00"],
    ],
)
def test_a_missing_key_exits_2_saying_how_to_set_it(args: list[str]) -> None:
    result = CliRunner(env={"COMPONENTFORGE_API_KEY": None}).invoke(main, args)
    assert result.exit_code == 2, result.output
    assert "set COMPONENTFORGE_API_KEY" in result.output
    assert "Traceback" not in result.output


def test_an_unreachable_api_exits_1_in_one_line_without_the_key() -> None:
    result = CliRunner(env={"COMPONENTFORGE_API_KEY": SECRET_KEY}).invoke(
        main, ["status", "j1", "--url", NOWHERE]
    )
    assert result.exit_code == 1, result.output
    assert f"cannot reach the API at {NOWHERE}" in result.output
    assert "sEcReT" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_an_api_error_reads_as_message_status_and_fields() -> None:
    error = ApiError(
        422,
        "validation_error",
        "invalid request",
        [{"field": "requirements.props.0.type", "reason": "unknown type 'int'"}],
    )
    assert str(error) == "invalid request (422): requirements.props.0.type: unknown type 'int'"
    assert str(ApiError(404, "not_found", "no such job")) == "no such job (404)"


def test_the_summary_row_shows_latency_quality_cost_and_the_error() -> None:
    succeeded = {
        "status": "succeeded",
        "cache_layer": "L4",
        "component_name": "Badge",
        "created_at": "2026-11-26T06:00:00+00:00",
        "finished_at": "2026-11-26T06:00:01.25+00:00",
        "error": None,
        "result": {"quality": {"score": 0.9166, "passed": True}, "cost": {"usd": 0.00123}},
    }
    assert summary_row("j1", "", succeeded) == [
        "j1",
        "Badge",
        "succeeded",
        "L4",
        "1.25 s",
        "0.92 passed",
        "0.0012",
    ]
    failed = {
        "status": "failed",
        "cache_layer": None,
        "created_at": "2026-11-26T06:00:00Z",
        "finished_at": None,
        "error": {"type": "figma_error", "message": "404"},
        "result": None,
    }
    assert summary_row("j2", "Card", failed) == [
        "j2",
        "Card",
        "failed: figma_error",
        "-",
        "-",
        "-",
        "-",
    ]


class BatchApi:
    """Answers like the batch endpoint: item 1 of every batch refused; 413 above `max_jobs`."""

    def __init__(self, *, max_jobs: int = BATCH_SIZE, has_batches: bool = True) -> None:
        self.max_jobs, self.has_batches = max_jobs, has_batches
        self.batches: list[tuple[int, str | None]] = []
        self.singles = 0

    def submit_batch(self, jobs: list[dict[str, Any]], *, idempotency_key: str | None) -> Any:
        if not self.has_batches:
            raise ApiError(405, "method_not_allowed", "Method Not Allowed")
        if len(jobs) > self.max_jobs:
            raise ApiError(413, "payload_too_large", "body over 1 MiB")
        self.batches.append((len(jobs), idempotency_key))
        items: list[dict[str, Any]] = [
            {"index": i, "id": f"{job['n']}"} for i, job in enumerate(jobs) if i != 1
        ]
        items.append(
            {
                "index": 1,
                "error": {
                    "type": "validation_error",
                    "message": "bad",
                    "fields": [{"field": "tokens", "reason": "x"}],
                },
            }
        )
        return {"id": f"b{len(self.batches)}", "items": items}

    def submit(self, job: dict[str, Any], *, idempotency_key: str | None) -> Any:
        self.singles += 1
        return {"id": f"{job['n']}"}


def inputs(count: int) -> list[JobInput]:
    return [JobInput(f"jobs.jsonl:{n + 1}", {"n": n}) for n in range(count)]


def test_many_jobs_go_in_batches_of_at_most_100_with_per_item_refusals() -> None:
    api = BatchApi()
    done = submit_jobs(api, inputs(250), idempotency_key_prefix="run7")  # type: ignore[arg-type]
    assert api.batches == [(100, "run7-0-100"), (100, "run7-100-200"), (50, "run7-200-250")]
    assert done.batch_ids == ["b1", "b2", "b3"]
    assert [job.origin for job, _ in done.refused] == [
        "jobs.jsonl:2",
        "jobs.jsonl:102",
        "jobs.jsonl:202",
    ]
    assert str(done.refused[0][1]) == "bad (422): tokens: x"
    assert len(done.accepted) == 247
    assert all(job.body["n"] == int(job_id) for job, job_id in done.accepted)


def test_a_batch_too_large_is_halved_and_no_batch_route_means_one_by_one() -> None:
    halved = BatchApi(max_jobs=30)
    submit_jobs(halved, inputs(100))  # type: ignore[arg-type]
    assert [size for size, _ in halved.batches] == [25, 25, 25, 25]
    old_server = BatchApi(has_batches=False)
    done = submit_jobs(old_server, inputs(3))  # type: ignore[arg-type]
    assert old_server.singles == 3 and len(done.accepted) == 3 and not done.batch_ids
