"""Job ids are checked whole (fullmatch), and artifacts live under a server-made id."""

from __future__ import annotations

import pytest

from core.state import is_job_id, new_job
from tests.helpers import make_job
from workers.storage.artifacts import artifact_key


@pytest.mark.parametrize("job_id", ["abc", "A-b_9", "x" * 64])
def test_ids_the_api_makes_are_job_ids(job_id: str) -> None:
    assert is_job_id(job_id)


@pytest.mark.parametrize(
    "job_id", ["", "x" * 65, "abc\n", "../../reports/evil", "a.b", "a:b", "a b", 42, None]
)
def test_anything_else_is_not(job_id: object) -> None:
    assert not is_job_id(job_id)


def test_a_new_job_gets_a_component_id_of_its_own() -> None:
    first, second = new_job("same-id", make_job()), new_job("same-id", make_job())
    assert first.component_id not in ("", "same-id")
    assert first.component_id != second.component_id


def test_artifact_keys_stay_in_their_folders() -> None:
    assert artifact_key("c0ffee", "component.tsx") == "components/c0ffee/component.tsx"
    assert artifact_key("c0ffee", "quality-report.html") == "reports/c0ffee/quality-report.html"
    for component_id, name in [("../../reports/evil", "component.tsx"), ("c0ffee", "../x"),
                               ("..", "component.tsx"), ("", "component.tsx")]:  # fmt: skip
        with pytest.raises(ValueError):
            artifact_key(component_id, name)
