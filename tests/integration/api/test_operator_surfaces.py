"""/metrics and /dashboard are operator surfaces: nothing without credentials; the worker's
own /metrics listens on this machine only unless told otherwise."""

from __future__ import annotations

import secrets
from collections.abc import Callable

import httpx
import psutil
import pytest

from devstack.processes import ManagedProcess
from tests.conftest import Keys, bearer

pytestmark = pytest.mark.integration


def test_dashboard_without_a_key_is_a_basic_challenge(api: httpx.Client) -> None:
    # When a browser opens the page with no credentials
    page = httpx.get(f"{api.base_url}/dashboard")

    # Then it is asked for them (HTTP Basic, so it prompts) and shown nothing
    assert page.status_code == 401
    assert page.headers["www-authenticate"].startswith("Basic ")
    assert 'id="cards"' not in page.text


def test_dashboard_with_a_key_as_basic_password_is_served(api: httpx.Client, keys: Keys) -> None:
    page = httpx.get(f"{api.base_url}/dashboard", auth=("anyone", keys.read))
    assert page.status_code == 200
    assert 'id="cards"' in page.text


def test_metrics_needs_the_scrape_token_or_an_admin_key(
    start_api: Callable[..., httpx.Client], keys: Keys
) -> None:
    # Given an API with a scrape token
    token = secrets.token_urlsafe(32)
    api = start_api(env={"METRICS_TOKEN": token})
    url = f"{api.base_url}/metrics"

    # Then no credentials, a wrong token and a key below admin are refused
    assert httpx.get(url).status_code == 401
    assert httpx.get(url, headers=bearer(token[:-1] + "x")).status_code == 401
    assert httpx.get(url, headers=bearer(keys.submit)).status_code == 403
    # And the token and an admin's key read the metrics
    for credential in (token, keys.admin):
        answer = httpx.get(url, headers=bearer(credential))
        assert answer.status_code == 200
        assert "http_requests_total" in answer.text


def test_metrics_without_a_token_configured_needs_an_admin_key(
    api: httpx.Client, keys: Keys
) -> None:
    url = f"{api.base_url}/metrics"
    assert httpx.get(url).status_code == 401
    assert httpx.get(url, headers={"Authorization": "Basic"}).status_code == 401
    assert httpx.get(url, headers=bearer(keys.admin)).status_code == 200


def test_worker_metrics_listen_on_loopback_only(worker: ManagedProcess) -> None:
    # Given a worker started with the default WORKER_METRICS_HOST
    assert worker.metrics_url
    port = int(worker.metrics_url.rsplit(":", 1)[1].split("/")[0])

    # Then its metrics listener is bound to 127.0.0.1, not to every interface
    listening = [
        c.laddr.ip
        for c in psutil.Process(worker.pid).net_connections(kind="inet")
        if c.status == psutil.CONN_LISTEN and c.laddr.port == port
    ]
    assert listening == ["127.0.0.1"]
    assert httpx.get(worker.metrics_url).status_code == 200
