"""`componentforge submit | wait | status | download | cancel | usage | cache` against a
real API and worker, as CI runs them (no TTY: plain lines, then the table as text), and
once as the installed script in a subprocess."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result

from client.cli import main
from client.job_watch import STREAMS_UP_TO
from tests.conftest import Keys
from tests.helpers import make_job, submit_and_wait

pytestmark = pytest.mark.integration

SCRIPT = Path(sys.executable).parent / "componentforge"
SAMPLES = Path(__file__).resolve().parents[3] / "samples"


@pytest.fixture
def cli(api: httpx.Client, keys: Keys) -> Callable[..., Result]:
    """The console script in this process, pointed at the run's API with tenant-a's key."""

    def run(*args: str, url: str | None = None) -> Result:
        env = {
            "COMPONENTFORGE_API_KEY": keys.submit,
            "COMPONENTFORGE_URL": url or str(api.base_url),
        }
        return CliRunner(env=env).invoke(main, list(args))

    return run


def write_jobs(folder: Path, bodies: list[dict[str, Any]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for index, body in enumerate(bodies):
        (folder / f"job-{index}.json").write_text(json.dumps(body))
    return folder


def table_rows(output: str) -> dict[str, list[str]]:
    """The summary table's rows by job id (the lines after the dashed rule)."""
    lines = output.splitlines()
    rule = next(i for i, line in enumerate(lines) if line.startswith("----"))
    assert lines[rule - 1].split()[:3] == ["id", "name", "status"], output
    return {line.split()[0]: line.split() for line in lines[rule + 1 :] if line.strip()}


def test_submit_a_folder_with_wait_ends_with_a_table_and_exit_0(
    cli: Callable[..., Result], worker: object, tmp_path: Path
) -> None:
    # Given a folder of three job files
    names = [f"Badge{uuid.uuid4().hex[:6]}" for _ in range(3)]
    folder = write_jobs(tmp_path / "jobs", [make_job(component_name=n) for n in names])
    # When it is submitted with --wait, without a TTY
    result = cli("submit", str(folder), "--wait")
    # Then every job succeeded (exit 0) and the table shows each with its layer and cost
    assert result.exit_code == 0, result.output
    rows = table_rows(result.output)
    assert sorted(row[1] for row in rows.values()) == sorted(names)
    for row in rows.values():
        assert row[2:4] == ["succeeded", "L4"], result.output
        assert row[4] == "-" or float(row[4]) >= 0  # latency "<n> s"
    # and each job's end was a plain line "<id> <name> succeeded (L4)" before the table
    for job_id, row in rows.items():
        assert f"{job_id} {row[1]} succeeded (L4)" in result.output


def test_status_and_download_write_every_artifact_at_its_key(
    cli: Callable[..., Result], api: httpx.Client, worker: object, tmp_path: Path
) -> None:
    # Given a job that succeeded
    done = submit_and_wait(api, make_job(component_name="DownloadMe"))
    job_id = done["id"]
    # When its status is asked for, for people and as JSON
    human = cli("status", job_id)
    raw = cli("status", job_id, "--json")
    # Then both say it succeeded
    assert human.exit_code == 0, human.output
    assert "succeeded" in human.output and "DownloadMe (button)" in human.output
    assert json.loads(raw.output)["result"]["component_id"] == done["result"]["component_id"]
    # When it is downloaded
    out = tmp_path / "out"
    result = cli("download", job_id, "--out", str(out))
    # Then every artifact is under out/ at its S3 key, with the bytes S3 holds
    assert result.exit_code == 0, result.output
    keys = {a["key"] for a in done["result"]["artifacts"].values()}
    written = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert written == keys
    component = done["result"]["artifacts"]["component.tsx"]
    assert (out / component["key"]).read_bytes() == httpx.get(component["url"]).content
    assert "export" in (out / component["key"]).read_text()


def test_a_failing_job_exits_1_and_shows_why(
    cli: Callable[..., Result], worker: object, tmp_path: Path
) -> None:
    # Given a job whose Figma file does not exist
    body = make_job(component_name="NoSuchFile", source={"figma_file_key": "Missing"}, tokens=None)
    path = tmp_path / "failing.json"
    path.write_text(json.dumps(body))
    # When it is submitted and watched
    result = cli("submit", str(path), "--wait")
    # Then the exit status is 1 and the table says it failed, and why
    assert result.exit_code == 1, result.output
    (row,) = table_rows(result.output).values()
    assert row[2] == "failed:" and row[3] == "figma_error", row


def test_a_refused_job_shows_its_field_and_exits_1(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(make_job(component_type="spaceship")))
    result = cli("submit", str(path))
    assert result.exit_code == 1, result.output
    assert f"refused {path}:" in result.output and "component_type" in result.output
    assert "Traceback" not in result.output


def test_cancel_a_queued_job_then_wait_exits_1(
    start_api: Callable[..., httpx.Client], keys: Keys, tmp_path: Path
) -> None:
    # Given an API whose queue no worker reads, so a job stays queued
    idle = start_api(env={"GENERATION_QUEUE": f"idle-{uuid.uuid4().hex[:8]}"})
    env = {"COMPONENTFORGE_API_KEY": keys.submit, "COMPONENTFORGE_URL": str(idle.base_url)}
    runner = CliRunner(env=env)
    submitted = idle.post("/v1/generations", json=make_job(component_name="Unwanted"))
    job_id = submitted.json()["id"]
    # When it is cancelled (twice: cancelling is idempotent)
    first = runner.invoke(main, ["cancel", job_id])
    again = runner.invoke(main, ["cancel", job_id])
    # Then it is cancelled, and waiting on it ends at once with exit status 1
    assert first.exit_code == 0, first.output
    assert first.output.strip() == f"cancelled {job_id}"
    assert again.exit_code == 0 and again.output.strip() == f"cancelled {job_id}"
    waited = runner.invoke(main, ["wait", job_id])
    assert waited.exit_code == 1, waited.output
    assert table_rows(waited.output)[job_id][2] == "cancelled"


def test_cancel_an_ended_job_is_an_error(
    cli: Callable[..., Result], api: httpx.Client, worker: object
) -> None:
    done = submit_and_wait(api, make_job(component_name="AlreadyDone"))
    result = cli("cancel", done["id"])
    assert result.exit_code == 1, result.output
    assert "(409)" in result.output and "Traceback" not in result.output


def test_usage_and_cache_invalidate(
    cli: Callable[..., Result], api: httpx.Client, worker: object
) -> None:
    # Given a job that stored an L1 entry
    done = submit_and_wait(api, make_job(component_name="Cached"))
    # When the usage is shown and the entry invalidated twice
    usage = cli("usage")
    first = cli("cache", "invalidate", done["cache_key"])
    second = cli("cache", "invalidate", done["cache_key"])
    # Then the usage names the tenant; the first invalidation works, the second is a 404
    assert usage.exit_code == 0 and "tenant-a" in usage.output, usage.output
    assert first.exit_code == 0 and first.output.strip() == f"invalidated {done['cache_key']}"
    assert second.exit_code == 1 and "(404)" in second.output, second.output


def test_a_bad_key_exits_2(cli: Callable[..., Result], api: httpx.Client) -> None:
    result = CliRunner(
        env={"COMPONENTFORGE_API_KEY": "cf_zzzzzzzz_nope", "COMPONENTFORGE_URL": str(api.base_url)}
    ).invoke(main, ["usage"])
    assert result.exit_code == 2, result.output
    assert "(401)" in result.output and "nope" not in result.output


def test_the_installed_script_submits_the_exemplars_and_waits(
    api: httpx.Client, keys: Keys, worker: object
) -> None:
    # Given the samples' folder of exemplar jobs and the installed script, without a TTY
    env = {**os.environ, "COMPONENTFORGE_URL": str(api.base_url)}
    env.pop("COMPONENTFORGE_API_KEY", None)
    # When it runs without a key, then with one
    no_key = subprocess.run([str(SCRIPT), "submit", str(SAMPLES / "exemplars"), "--wait"],
                            env=env, capture_output=True, text=True, timeout=60)  # fmt: skip
    done = subprocess.run(
        [str(SCRIPT), "submit", str(SAMPLES / "exemplars"), "--wait"],
        env={**env, "COMPONENTFORGE_API_KEY": keys.submit},
        capture_output=True,
        text=True,
        timeout=110,
    )
    # Then without a key it is a usage error saying how to set one
    assert no_key.returncode == 2, no_key.stderr
    assert "COMPONENTFORGE_API_KEY" in no_key.stderr
    # and with one every exemplar succeeds and the table lists them all
    assert done.returncode == 0, done.stdout + done.stderr
    rows = table_rows(done.stdout)
    assert len(rows) == len(list((SAMPLES / "exemplars").glob("*.json")))
    assert {row[2] for row in rows.values()} == {"succeeded"}


def test_ctrl_c_stops_watching_not_the_job(
    start_api: Callable[..., httpx.Client], keys: Keys
) -> None:
    # Given a job that stays queued (no worker reads the API's queue), watched by the script
    idle = start_api(env={"GENERATION_QUEUE": f"idle-{uuid.uuid4().hex[:8]}"})
    job_id = idle.post("/v1/generations", json=make_job(component_name="StillQueued")).json()["id"]
    env = {**os.environ, "COMPONENTFORGE_URL": str(idle.base_url),
           "COMPONENTFORGE_API_KEY": keys.submit}  # fmt: skip
    watching = subprocess.Popen([str(SCRIPT), "wait", job_id], env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    assert watching.stdout is not None
    first_line = watching.stdout.readline()  # the job's state: it is being watched
    # When Ctrl-C is pressed
    watching.send_signal(signal.SIGINT)
    _, stderr = watching.communicate(timeout=30)
    # Then the script stops (130), says how to resume, and the job is still queued
    assert first_line.split() == [job_id, "StillQueued", "queued"]
    assert watching.returncode == 130, stderr
    assert f"Resume with: componentforge wait {job_id}" in stderr
    assert "Traceback" not in stderr
    assert idle.get(f"/v1/generations/{job_id}").json()["status"] == "queued"


def test_many_jobs_from_json_lines_are_watched_by_polling_their_batch(
    cli: Callable[..., Result], worker: object, tmp_path: Path
) -> None:
    # Given more jobs than get a stream each, as JSON Lines, and an idempotency key prefix
    count = STREAMS_UP_TO + 2
    # (one body: the first generates, the others are served from its result, quickly)
    path = tmp_path / "many.jsonl"
    path.write_text("\n".join([json.dumps(make_job(component_name="Many"))] * count))
    prefix = f"many-{uuid.uuid4().hex[:8]}"
    # When they are submitted with --wait, then submitted again with the same prefix
    waited = cli("submit", str(path), "--wait", "--idempotency-key-prefix", prefix)
    again = cli("submit", str(path), "--idempotency-key-prefix", prefix)
    # Then all succeeded, and the rerun made no new jobs: it printed the same ids
    assert waited.exit_code == 0, waited.output
    rows = table_rows(waited.output)
    assert len(rows) == count and {row[2] for row in rows.values()} == {"succeeded"}
    assert again.exit_code == 0, again.output
    rerun_ids = {line.split()[0] for line in again.stdout.splitlines()}
    assert rerun_ids == set(rows)


def test_cancel_a_running_job_then_wait_shows_it_cancelled(
    start_api: Callable[..., httpx.Client],
    start_worker: Callable[..., object],
    keys: Keys,
) -> None:
    # Given a slow worker (each step pauses) on a queue of its own, running a job
    queue = f"slow-{uuid.uuid4().hex[:8]}"
    start_worker(queue=queue, env={"TEMPLATE_DELAY_MS": "800"})
    slow = start_api(env={"GENERATION_QUEUE": queue})
    runner = CliRunner(
        env={"COMPONENTFORGE_API_KEY": keys.submit, "COMPONENTFORGE_URL": str(slow.base_url)}
    )
    job_id = slow.post("/v1/generations", json=make_job(component_name="Runaway")).json()["id"]
    deadline = time.monotonic() + 30
    while slow.get(f"/v1/generations/{job_id}").json()["status"] != "running":
        assert time.monotonic() < deadline, "the job never started"
        time.sleep(0.05)
    # When it is cancelled, then waited on
    cancelled = runner.invoke(main, ["cancel", job_id])
    waited = runner.invoke(main, ["wait", job_id])
    # Then the cancel is acknowledged as asked of a running job, and the wait ends with it
    # cancelled: exit status 1, no artifacts
    assert cancelled.exit_code == 0, cancelled.output
    assert cancelled.output.startswith(f"cancel requested: {job_id} is running"), cancelled.output
    assert waited.exit_code == 1, waited.output
    assert table_rows(waited.output)[job_id][2] == "cancelled", waited.output
    assert slow.get(f"/v1/generations/{job_id}").json()["result"] is None
