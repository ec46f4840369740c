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


def signed_in(api: httpx.Client, key: str) -> str:
    """The page's URL with the key as Basic credentials, as a browser's prompt would send."""
    return f"http://operator:{key}@{api.base_url.host}:{api.base_url.port}/dashboard"


def dump_dom(browser: str, url: str, profile: Path) -> str:
    return subprocess.run(
        [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
        capture_output=True, text=True, timeout=60, check=True,
    ).stdout  # fmt: skip


def test_page_renders_the_numbers_in_chromium(
    api: httpx.Client, keys: Keys, tmp_path: Path
) -> None:
    browser = chromium()
    submit_and_wait(api, make_job(component_name="ScreenshotTabs", component_type="tabs"))
    totals = api.get("/v1/dashboard/summary").json()["totals"]
    url = signed_in(api, keys.submit)
    profile = ["--user-data-dir=" + str(tmp_path / "profile")]

    dom = dump_dom(browser, url, tmp_path / "profile")
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
    assert 'id="notice" role="alert" hidden=""' in dom  # no error shown
    assert re.search(r'id="tenants-section"[^>]*hidden', dom)  # a tenant sees no others
    assert screenshot.stat().st_size > 10_000  # a rendered page, not a blank one
    keep = ROOT / ".run" / "dashboard.png"
    keep.parent.mkdir(exist_ok=True)
    shutil.copy(screenshot, keep)


def test_page_shows_an_admin_every_tenant(api: httpx.Client, keys: Keys, tmp_path: Path) -> None:
    # Given jobs of tenant-a and of tenant-b
    browser = chromium()
    submit_and_wait(api, make_job(component_name="TenantATabs", component_type="tabs"))
    with httpx.Client(base_url=api.base_url, headers=bearer(keys.other), timeout=30) as other:
        submit_and_wait(other, make_job(component_name="TenantBTabs", component_type="tabs"))
    by_tenant = api.get("/v1/dashboard/summary", headers=bearer(keys.admin)).json()["by_tenant"]

    # When an admin opens the page
    dom = dump_dom(browser, signed_in(api, keys.admin), tmp_path / "profile")

    # Then a row per tenant shows its jobs, failures, cost and savings
    table = re.search(r'<table id="tenants">(.*?)</table>', dom, re.S)
    assert table and not re.search(r'id="tenants-section"[^>]*hidden', dom)
    rows = {
        cells[0]: cells[1:]
        for cells in (re.findall(r"<td[^>]*>([^<]*)</td>", row)
                      for row in re.findall(r"<tr>(.*?)</tr>", table.group(1)))
        if cells
    }  # fmt: skip
    assert {"tenant-a", "tenant-b"} <= set(rows)
    for row in by_tenant:
        assert rows[row["tenant"]][:2] == [str(row["jobs"]), str(row["failed"])]
        assert rows[row["tenant"]][2] == f"{float(row['cost_usd']):.4f}"
