"""/dashboard: live numbers from Postgres and Redis, rendered in a real headless Chromium."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.conftest import Keys, bearer
from tests.helpers import ROOT, make_job, submit_and_wait

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("worker")]
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--virtual-time-budget=8000", "--window-size=1400,1100",
]  # fmt: skip


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip("Chromium is not installed (Debian package chromium); .ci/run installs it")
    return path


def test_summary_counts_the_jobs_just_run(api: httpx.Client, keys: Keys) -> None:
    before = api.get("/v1/dashboard/summary").json()
    body = make_job(component_name="DashboardRadio", component_type="radio")
    submit_and_wait(api, body)
    submit_and_wait(api, body)  # an L1 hit
    failed = submit_and_wait(api, make_job(source={"figma_file_key": "Missing"}, tokens=None))
    assert failed["status"] == "failed"

    after = api.get("/v1/dashboard/summary").json()

    assert after["totals"]["jobs"] - before["totals"]["jobs"] == 3
    assert after["totals"]["succeeded"] - before["totals"]["succeeded"] == 2
    assert after["totals"]["failed"] - before["totals"]["failed"] == 1
    assert after["recent"][0]["id"] == failed["id"]
    radio = next(r for r in after["by_type"] if r["component_type"] == "radio")
    assert radio["succeeded"] >= 2
    assert any(c["layer"] == "L1" and c["hits"] >= 1 for c in after["cache"])
    assert after["live"]["queued"] is None  # deployment-wide: not a tenant's to see
    assert api.get("/v1/dashboard/summary", headers=bearer(keys.admin)).json()["live"] == {
        "queued": 0
    }


def test_page_renders_the_numbers_in_chromium(api: httpx.Client, tmp_path: Path) -> None:
    browser = chromium()
    submit_and_wait(api, make_job(component_name="ScreenshotTabs", component_type="tabs"))
    totals = api.get("/v1/dashboard/summary").json()["totals"]
    url = f"{api.base_url}/dashboard"
    profile = ["--user-data-dir=" + str(tmp_path / "profile")]

    dom = subprocess.run(
        [browser, *CHROMIUM_FLAGS, *profile, "--dump-dom", url],
        capture_output=True, text=True, timeout=60, check=True,
    ).stdout  # fmt: skip
    screenshot = tmp_path / "dashboard.png"
    subprocess.run(
        [browser, *CHROMIUM_FLAGS, *profile, f"--screenshot={screenshot}", url],
        capture_output=True, timeout=60, check=True,
    )  # fmt: skip

    jobs = re.search(r'id="stat-jobs">(\d+)<', dom)
    succeeded = re.search(r'id="stat-succeeded">(\d+)<', dom)
    assert jobs and int(jobs.group(1)) == totals["jobs"]
    assert succeeded and int(succeeded.group(1)) == totals["succeeded"]
    assert "ScreenshotTabs" in dom
    assert screenshot.stat().st_size > 10_000  # a rendered page, not a blank one
    keep = ROOT / ".run" / "dashboard.png"
    keep.parent.mkdir(exist_ok=True)
    shutil.copy(screenshot, keep)
