"""A message published straight onto the queue is checked as the API checks a request:
its arguments and the body's size, before anything runs."""

from __future__ import annotations

from typing import Any

import pytest

from config.settings import get_settings
from core.errors import InvalidJob
from tests.helpers import make_job
from workers.pipeline.queued import (
    RefusedMessage,
    check_arguments,
    check_size,
    check_strict_json,
    job_id_of,
)
from workers.resilience.dead_letters import UnrunnableMessage


def test_a_job_is_named_by_its_job_id_else_by_its_task_id() -> None:
    assert job_id_of("task-1", "job-1") == "job-1"
    assert job_id_of("task-1", None) == "task-1"
    assert job_id_of("task-1", 42) == "task-1"


@pytest.mark.parametrize(
    ("task_id", "job_id"),
    [
        ("task-1", "x" * 65),
        ("task-1", "../../reports/evil"),
        ("task-1", "job-1\n"),  # `$` would let a trailing newline through
        ("task-1", "a.b"),
        ("../../reports/evil", None),
        ("bad id with spaces", 42),
    ],
)
def test_an_id_the_api_could_not_have_made_is_refused(task_id: str, job_id: Any) -> None:
    with pytest.raises(RefusedMessage) as raised:
        job_id_of(task_id, job_id)
    assert "is not 1..64 letters, digits, - or _" in str(raised.value)


def test_what_generation_run_takes_passes() -> None:
    check_arguments("job-1", None, (), {})
    check_arguments(None, make_job(), (), {})


@pytest.mark.parametrize(
    ("job_id", "request_body", "extra_args", "extra_kwargs", "said"),
    [
        (None, {}, (), {"priority_hint": 3}, "unknown keyword arguments 'priority_hint'"),
        ("job-1", None, ("surplus",), {}, "1 positional arguments too many"),
        (123, None, (), {}, "job_id is a number, not a string"),
        (None, ["a", "b"], (), {}, "request is an array, not a JSON object"),
        (None, "{}", (), {}, "request is a string, not a JSON object"),
    ],
)
def test_arguments_it_does_not_take_make_an_invalid_message(
    job_id: Any, request_body: Any, extra_args: tuple[Any, ...], extra_kwargs: dict[str, Any],
    said: str,
) -> None:  # fmt: skip
    with pytest.raises(UnrunnableMessage) as raised:
        check_arguments(job_id, request_body, extra_args, extra_kwargs)
    assert raised.value.error_type == "invalid_message"
    assert said in str(raised.value)


def test_a_body_over_the_api_limit_is_invalid_naming_it() -> None:
    limit = get_settings().max_body_bytes
    body = make_job(tokens={"colors": {"pad": "x" * limit}})
    with pytest.raises(InvalidJob) as raised:
        check_size(body)
    assert f"{limit}-byte limit (MAX_BODY_BYTES" in str(raised.value)
    check_size(make_job())  # an ordinary body passes


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (make_job(component_name="X\ud800"), "component_name: the string holds a lone"),
        (make_job(tokens={"spacing": {"md": float("inf")}}), "tokens.spacing.md: inf is not"),
    ],
    ids=["lone-surrogate", "infinity"],
)
def test_what_the_api_refuses_as_malformed_json_is_invalid(body: dict[str, Any], said: str) -> None:
    with pytest.raises(InvalidJob) as raised:
        check_strict_json(body)
    assert said in str(raised.value)
    assert "400 malformed_json" in str(raised.value)
    check_strict_json(make_job())  # an ordinary body passes
