"""/dashboard: live numbers from Postgres and Redis (/dashboard/data), scoped to the
caller's tenant, rendered in a real headless Chromium with a screenshot."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Keys, bearer
from tests.helpers import ROOT, make_job, submit_and_wait

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("worker")]
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--virtual-time-budget=8000",
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


def run_chromium(browser: str, profile: Path, *args: str, size: str = "1280,800") -> str:
    return subprocess.run(
        [browser, *CHROMIUM_FLAGS, f"--window-size={size}", f"--user-data-dir={profile}", *args],
        capture_output=True, text=True, timeout=60, check=True,
    ).stdout  # fmt: skip


def by_id(dom: str, element_id: str) -> str:
    """The markup from the element with that id to the end of its line of siblings (enough
    for the regular expressions below: the page puts no id inside another's text)."""
    found = re.search(rf'id="{element_id}"(.*?)(?=<section|<div class="row"|$)', dom, re.S)
    assert found, f"no element {element_id!r} in the page"
    return found.group(1)


def card_value(dom: str, card: str) -> str:
    found = re.search(rf'id="{card}".*?<div class="value" data-value="([^"]*)"', dom, re.S)
    assert found, f"card {card!r} has no value"
    return found.group(1)


def a_batch(api: httpx.Client, other: httpx.Client) -> dict[str, list[dict[str, Any]]]:
    """Jobs of two tenants through the worker: L4 generations, an L1 hit, a failure."""
    tabs = make_job(component_name="DashATabs", component_type="tabs")
    radio = make_job(component_name="DashARadio", component_type="radio")
    missing = make_job(source={"figma_file_key": "Missing"}, tokens=None)
    jobs = {
        "a": [submit_and_wait(api, body) for body in (tabs, radio, tabs, missing)],
        "b": [submit_and_wait(other, make_job(component_name="DashBTabs", component_type="tabs"))],
    }
    assert jobs["a"][2]["cache_layer"] == "L1"  # the same body again
    return jobs


@pytest.fixture
def other(api: httpx.Client, keys: Keys) -> Iterator[httpx.Client]:
    """tenant-b's client."""
    with httpx.Client(base_url=api.base_url, headers=bearer(keys.other), timeout=30) as client:
        yield client


def test_data_is_scoped_to_the_tenant_and_an_admin_sees_all(
    api: httpx.Client, other: httpx.Client, keys: Keys
) -> None:
    jobs = a_batch(api, other)

    mine = api.get("/dashboard/data").json()
    theirs = other.get("/dashboard/data").json()
    admin = api.get("/dashboard/data", headers=bearer(keys.admin)).json()

    ids = {name: {r["id"] for r in doc["recent"]} for name, doc in
           (("mine", mine), ("theirs", theirs), ("admin", admin))}  # fmt: skip
    a_ids, b_ids = {j["id"] for j in jobs["a"]}, {j["id"] for j in jobs["b"]}
    assert a_ids <= ids["mine"] and not ids["mine"] & b_ids
    assert b_ids <= ids["theirs"] and not ids["theirs"] & a_ids
    assert (a_ids | b_ids) <= ids["admin"]
    assert {r["tenant"] for r in admin["by_tenant"]} >= {"tenant-a", "tenant-b"}
    assert mine["by_tenant"] == [] and theirs["by_tenant"] == []
    # The ladder: tenant-a's hit came from L1, its generations from L4; L2/L3 say so.
    ladder = {layer["layer"]: layer for layer in mine["ladder"]}
    assert ladder["L1"]["jobs"] >= 1 and ladder["L4"]["jobs"] >= 2
    assert ladder["L4"]["p50_ms"] > 0
    assert not ladder["L2"]["enabled"] and not ladder["L3"]["enabled"]
    assert not ladder["L0"]["available"]  # deployment-wide: an admin's
    assert {layer["layer"]: layer for layer in admin["ladder"]}["L0"]["available"]
    # Cards against targets, and trends that hold the batch.
    cards = mine["cards"]
    assert cards["jobs_today"]["last_24h"] >= 4
    assert cards["error_rate"]["value"] > 0 and cards["error_rate"]["status"] == "warn"
    assert cards["l4_p50_s"]["status"] == "pass"
    trends = mine["trends"]
    assert len(trends["t"]) == len(trends["jobs"]["succeeded"]) == 25  # 24 h + this hour
    assert sum(trends["jobs"]["succeeded"]) >= 3 and sum(trends["jobs"]["failed"]) >= 1
    assert "L4" in trends["latency_ms"] and any(trends["l1_hit_rate"])
    # Recent components link to their status, their artifacts and (none here) a trace.
    newest = next(r for r in mine["recent"] if r["id"] == jobs["a"][0]["id"])
    assert newest["status"] == "succeeded" and newest["quality_score"] is not None
    assert newest["status_url"] == f"/v1/generations/{newest['id']}"
    assert newest["artifacts"] and api.get(newest["status_url"]).status_code == 200
    # Infrastructure facts are an admin's; every service is up.
    assert mine["infrastructure"] is None
    assert admin["infrastructure"]["postgres"]["connections"] >= 1
    assert admin["infrastructure"]["s3"]["objects"] >= 1
    assert set(admin["services"]) == {"broker", "redis", "postgres", "s3"}
    assert all(admin["services"].values())
    assert "llm" in admin["circuits"]


def test_page_and_assets_stay_on_the_origin(api: httpx.Client) -> None:
    page = api.get("/dashboard")
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "<script>" not in page.text  # no inline script: the policy would refuse it
    assets = re.findall(r'(?:src|href)="(/dashboard/assets/[^"]+)"', page.text)
    assert len(assets) == 4
    for asset in assets:
        answer = httpx.get(str(api.base_url.join(asset)))  # no key: they hold no data
        assert answer.status_code == 200, asset
        code = re.sub(r"/\*.*?\*/", "", answer.text, flags=re.S)  # a licence comment names its home
        assert not re.search(r"https?://", code), f"{asset} names another origin"
    assert not re.search(r"https?://", page.text)
    assert api.get("/dashboard/assets/dashboard.html").status_code == 404  # scripts and styles only
    assert api.get("/dashboard/assets/%2e%2e/routes/dashboard.py").status_code == 404


def test_page_renders_live_numbers_in_chromium(
    api: httpx.Client, other: httpx.Client, keys: Keys, tmp_path: Path
) -> None:
    # Given a batch of jobs of two tenants
    browser = chromium()
    jobs = a_batch(api, other)
    data = api.get("/dashboard/data").json()

    # When tenant-a's key opens the page (and once more for a screenshot)
    dom = run_chromium(browser, tmp_path / "profile", "--dump-dom", signed_in(api, keys.submit))
    screenshot = tmp_path / "dashboard.png"
    page = signed_in(api, keys.submit)
    run_chromium(
        browser, tmp_path / "profile", f"--screenshot={screenshot}", page, size="1280,1750"
    )

    # Then the page has drawn the live numbers: cards, ladder bars, charts, components
    assert re.search(r'<body[^>]*data-ready="true"', dom)
    assert 'id="notice" role="alert" hidden=""' in dom  # no error shown
    l1 = data["cards"]["l1_hit_rate"]["value"]
    assert card_value(dom, "card-l1") == f"{100 * l1:.1f}%"
    assert card_value(dom, "card-jobs") == str(data["cards"]["jobs_today"]["value"])
    assert re.search(r'class="card pass" id="card-l4"', dom)
    assert re.search(r'class="card warn" id="card-errors"', dom)
    ladder = by_id(dom, "ladder")
    assert re.search(r'data-layer="L1" data-rate="0\.\d+"', ladder)
    assert re.search(r'data-layer="L4" data-rate="0\.\d+"', ladder)
    assert ladder.count("not enabled") == 2  # L2 and L3: the tests' API runs with them off
    for chart in ("chart-jobs", "chart-latency", "chart-hits", "chart-spend"):
        drawn = re.search(rf'id="{chart}" class="plot" data-points="(\d+)"><div class="uplot', dom)
        assert drawn, f"{chart} was not drawn"
        if chart != "chart-spend":  # the template provider spends nothing
            assert int(drawn.group(1)) > 0, f"{chart} has no data"
    recent = by_id(dom, "recent")
    assert all(f'data-id="{job["id"]}"' in recent for job in jobs["a"])
    assert "DashBTabs" not in dom  # tenant-b's
    assert re.search(r'id="tenants-section"[^>]*hidden', dom)
    assert screenshot.stat().st_size > 30_000  # a rendered page, not a blank one
    keep = ROOT / ".run" / "dashboard.png"
    keep.parent.mkdir(exist_ok=True)
    shutil.copy(screenshot, keep)


def test_page_shows_an_admin_every_tenant(
    api: httpx.Client, other: httpx.Client, keys: Keys, tmp_path: Path
) -> None:
    # Given jobs of tenant-a and of tenant-b
    browser = chromium()
    jobs = a_batch(api, other)
    by_tenant = api.get("/dashboard/data", headers=bearer(keys.admin)).json()["by_tenant"]

    # When an admin opens the page
    dom = run_chromium(browser, tmp_path / "profile", "--dump-dom", signed_in(api, keys.admin))
    screenshot = tmp_path / "dashboard-admin.png"
    page = signed_in(api, keys.admin)
    run_chromium(
        browser, tmp_path / "profile", f"--screenshot={screenshot}", page, size="1280,1900"
    )

    # Then both tenants' components show, a row per tenant, and the storage facts
    assert re.search(r'<body[^>]*data-ready="true"', dom)
    assert f'data-id="{jobs["a"][0]["id"]}"' in dom and f'data-id="{jobs["b"][0]["id"]}"' in dom
    assert "all tenants (admin)" in dom and "Database size" in dom and "Versioning" in dom
    table = re.search(r'<table id="tenants" class="table">(.*?)</table>', dom, re.S)
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
    assert screenshot.stat().st_size > 30_000
    shutil.copy(screenshot, ROOT / ".run" / "dashboard-admin.png")
