"""The generations row type: each path's row, the insert's values, the spool's round trip."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from core.result import JobCost, JobResult
from core.state import JobState, JobStatus, decode, new_job
from workers.resilience.spool import Spool
from workers.storage.generation_row import GenerationRow

SPEC = {"component_type": "button", "component_name": "PrimaryButton", "tenant_id": "acme"}


def make_result(**overrides: Any) -> JobResult:
    values: dict[str, Any] = {
        "component_id": "job1",
        "artifacts": {"component.tsx": "components/job1/component.tsx"},
        "quality": {"score": 0.9, "passed": True},
        "pattern_id": "button-primary",
        "cost": JobCost(usd=0.25, prompt_tokens=10, completion_tokens=5),
        "cache_key": "exact:abc",
    }
    return JobResult(**(values | overrides))


def spooled(row: GenerationRow, tmp_path: Path) -> GenerationRow:
    """The row after a trip through the bookkeeping spool's JSON file."""
    spool = Spool(tmp_path)
    spool.put(row.id, {"row": row.values()})
    found: list[GenerationRow] = []
    spool.drain(lambda item: found.append(GenerationRow.from_values(item["row"])))
    return found[0]


def test_a_succeeded_row_carries_the_result_and_its_cost() -> None:
    # Given a job that ran and its result
    state = new_job("job1", SPEC, created_at=100.0)
    state.cache_key = "exact:abc"
    result = make_result()
    # When its row is built
    row = GenerationRow.succeeded(
        state, result, attempts=2, started_at=101.0, finished_at=102.5, duration_ms=1500.0,
        cache_layer="L4", provider="template", model=None, trace_id=None,
    )  # fmt: skip
    # Then the columns come from the state and the result
    values = row.values()
    assert values["tenant_id"] == "acme" and values["attempts"] == 2
    assert values["cost_usd"] == Decimal("0.25") and values["quality_score"] == 0.9
    assert values["result"] == result.as_dict()
    assert values["started_at"] == datetime.fromtimestamp(101.0, UTC)
    # And the columns it leaves NULL are left out (None would be JSON null in `result`)
    assert "error_type" not in values and "model" not in values


def test_a_failed_row_of_a_job_never_started_has_no_result() -> None:
    state = JobState(
        id="job2", status=JobStatus.FAILED, spec={}, component_type="card",
        component_name="", cache_key="", created_at=50.0, attempts=1,
    )  # fmt: skip
    row = GenerationRow.failed(
        state, error_type="invalid_job", error_message="bad", finished_at=50.0, trace_id=None
    )
    values = row.values()
    assert values["success"] is False and values["duration_ms"] == 0.0
    assert "result" not in values and "started_at" not in values and "cache_key" not in values


def test_rows_survive_the_spool(tmp_path: Path) -> None:
    row = GenerationRow.succeeded(
        new_job("job3", SPEC, created_at=1.0), make_result(), attempts=1, started_at=1.0,
        finished_at=2.0, duration_ms=1000.0, cache_layer="L1", provider="template",
        model=None, trace_id="t",
    )  # fmt: skip
    unrunnable = GenerationRow.unrunnable(
        "job4", error_type="unknown_task", error_message="x", at=3.0
    )
    assert spooled(row, tmp_path / "a") == row
    assert spooled(unrunnable, tmp_path / "b") == unrunnable


def test_an_item_spooled_before_the_row_type_replays(tmp_path: Path) -> None:
    # Given an item as the spool held it when rows were plain dicts (columns left out)
    old = {
        "id": "job5", "component_type": "", "component_name": "", "tenant_id": None,
        "session_id": None, "created_at": {"$datetime": "2025-01-01T00:00:00+00:00"},
        "finished_at": {"$datetime": "2025-01-01T00:00:01+00:00"}, "attempts": 1,
        "started_at": {"$datetime": "2025-01-01T00:00:00+00:00"}, "duration_ms": 0.0,
        "success": False, "error_type": "invalid_message", "error_message": "m",
    }  # fmt: skip
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / f"{0:020d}-job5.json").write_text(json.dumps({"row": old}))
    # When it is replayed, then it is the same row
    found: list[GenerationRow] = []
    Spool(tmp_path).drain(lambda item: found.append(GenerationRow.from_values(item["row"])))
    assert found[0].values() == {
        **{k: v for k, v in old.items() if v is not None and not isinstance(v, dict)},
        "created_at": datetime(2025, 1, 1, tzinfo=UTC),
        "finished_at": datetime(2025, 1, 1, 0, 0, 1, tzinfo=UTC),
        "started_at": datetime(2025, 1, 1, tzinfo=UTC),
        "prompt_tokens": 0,
        "completion_tokens": 0,
        "cost_usd": Decimal(0),
        "saved_usd": Decimal(0),
        "status": "failed",  # an older row names none: its success says which
    }


def test_a_result_reads_back_from_the_job_state_as_written() -> None:
    # Given a result with a degradation, as the job's hash holds it
    result = make_result(uploads="pending", trace_url="https://smith/r/1")
    raw = {"status": "succeeded", "created_at": "1.0", "result": json.dumps(result.as_dict())}
    # Then decoding gives the same result, and its JSON names only what happened
    state = decode("job1", raw)
    assert state is not None and state.result == result
    assert state.status is JobStatus.SUCCEEDED
    assert "uploads" in result.as_dict() and "bookkeeping" not in result.as_dict()


def test_a_cancelled_row_says_so_in_status_and_not_in_success(tmp_path: Path) -> None:
    # Given a job stopped on request while running
    state = new_job("job3", SPEC, created_at=100.0)
    state.status, state.started_at, state.attempts = JobStatus.RUNNING, 101.0, 1
    # When its row is built
    row = GenerationRow.cancelled(
        state, message="cancelled by key abc at generate_code", finished_at=103.0, trace_id=None
    )
    # Then it is cancelled, not succeeded, with no result, and stays so through the spool
    values = row.values()
    assert values["status"] == "cancelled" and values["success"] is False
    assert values["error_type"] == "cancelled"
    assert values["error_message"] == "cancelled by key abc at generate_code"
    assert "result" not in values
    assert spooled(row, tmp_path).values() == values


def test_status_follows_success_for_rows_that_do_not_name_one() -> None:
    # A row spooled by an older version has no status: success says which
    old = {"id": "j", "component_type": "button", "component_name": "B", "success": True,
           "created_at": datetime(2026, 1, 1, tzinfo=UTC),
           "finished_at": datetime(2026, 1, 1, tzinfo=UTC)}  # fmt: skip
    assert GenerationRow.from_values(old).values()["status"] == "succeeded"
    assert GenerationRow.from_values({**old, "success": False}).values()["status"] == "failed"
