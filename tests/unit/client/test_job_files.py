"""What `componentforge submit` reads: job files, arrays, JSON Lines and folders, and
files that hold no job, refused with the file and the place named (exit status 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from client.cli import main
from client.job_files import JobFileError, collect_jobs

JOB = {"component_name": "StatusBadge", "component_type": "badge",
       "source": {"figma_file_key": "abc123"}}  # fmt: skip


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_a_folder_gives_its_json_and_jsonl_jobs_in_name_order(tmp_path: Path) -> None:
    # Given a folder with an object file, an array file, a JSON Lines file, a sub-folder
    # and a file that is not a job file
    write(tmp_path / "b.json", json.dumps({**JOB, "component_name": "B"}))
    write(tmp_path / "a.json", json.dumps([{**JOB, "component_name": "A1"},
                                           {**JOB, "component_name": "A2"}]))  # fmt: skip
    write(tmp_path / "c.jsonl", "\n".join(json.dumps({**JOB, "component_name": n})
                                          for n in ("C1", "C2")) + "\n\n")  # fmt: skip
    write(tmp_path / "sub" / "d.json", json.dumps({**JOB, "component_name": "D"}))
    write(tmp_path / "notes.txt", "not a job")
    # When it is collected
    jobs = collect_jobs([tmp_path])
    # Then every job is there, in file-name order, each saying where it came from
    assert [job.body["component_name"] for job in jobs] == ["A1", "A2", "B", "C1", "C2", "D"]
    assert jobs[1].origin == f"{tmp_path / 'a.json'}[1]"
    assert jobs[4].origin == f"{tmp_path / 'c.jsonl'}:2"


def test_the_samples_folder_holds_jobs() -> None:
    jobs = collect_jobs([Path(__file__).resolve().parents[3] / "samples" / "exemplars"])
    assert len(jobs) >= 3
    assert all("component_name" in job.body for job in jobs)


@pytest.mark.parametrize(
    ("name", "text", "says"),
    [
        ("broken.json", '{"component_name": "A",\n  "source": }', "line 2 column 13"),
        ("lines.jsonl", json.dumps(JOB) + "\n{oops\n", "line 2 column 2"),
        ("number.json", "42", "the top level is a JSON number, not a job"),
        ("list.json", '[{"component_name": "A"}, "B"]', "item 1 is a JSON string"),
        ("empty.json", "[]", "an empty array"),
        ("blank.jsonl", "\n\n", "no jobs in it"),
    ],
)
def test_a_bad_file_is_named_with_where_it_goes_wrong(
    tmp_path: Path, name: str, text: str, says: str
) -> None:
    path = write(tmp_path / name, text)
    with pytest.raises(JobFileError) as caught:
        collect_jobs([path])
    assert str(path) in str(caught.value)
    assert says in str(caught.value)


def test_a_missing_path_and_an_empty_folder_are_refused(tmp_path: Path) -> None:
    with pytest.raises(JobFileError, match="no such file or folder"):
        collect_jobs([tmp_path / "nowhere.json"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(JobFileError, match=r"no \.json or \.jsonl job files"):
        collect_jobs([tmp_path / "empty"])


def test_submit_exits_2_naming_the_bad_file_before_any_request(tmp_path: Path) -> None:
    # Given a folder with one good and one broken job file (and no API at the address)
    write(tmp_path / "good.json", json.dumps(JOB))
    bad = write(tmp_path / "zbad.json", '{"component_name": ')
    # When it is submitted
    result = CliRunner().invoke(
        main, ["submit", str(tmp_path), "--url", "http://127.0.0.1:9", "--api-key", "cf_x"]
    )
    # Then nothing is sent: exit status 2, the file and the place are named, no traceback
    assert result.exit_code == 2, result.output
    assert f"{bad}: line 1 column 20: not valid JSON" in result.output
    assert "Traceback" not in result.output
