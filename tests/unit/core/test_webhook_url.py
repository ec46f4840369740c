"""options.webhook_url's form and the tenant allow-list's matching."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from config.settings import get_settings
from core.spec import Options
from core.webhook_url import MAX_URL_CHARS, check_host_pattern, check_url, host_allowed


def test_an_https_url_gives_its_host_in_lower_case() -> None:
    assert check_url("https://Hooks.Example.com:8443/cf?x=1", allow_http=False) == (
        "hooks.example.com"
    )


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("http://hooks.example.com/", "WEBHOOK_ALLOW_HTTP"),
        ("ftp://hooks.example.com/", "scheme"),
        ("hooks.example.com/cf", "scheme"),
        ("https://user:pass@hooks.example.com/", "credentials"),
        ("https://user@hooks.example.com/", "credentials"),
        ("https://hooks.example.com/cf#part", "fragment"),
        ("https://hooks.example.com/cf#", "fragment"),
        ("https:///cf", "no host"),
        ("https://hooks.example.com:99999/", "not a valid URL"),
        ("https://hooks.example.com/a b", "whitespace"),
        ("https://hooks.example.com/" + "a" * MAX_URL_CHARS, "over 2048"),
    ],
)
def test_urls_a_webhook_may_not_have(url: str, said: str) -> None:
    with pytest.raises(ValueError, match=said):
        check_url(url, allow_http=False)


def test_http_only_with_the_development_setting() -> None:
    assert check_url("http://127.0.0.1:8080/hook", allow_http=True) == "127.0.0.1"


@pytest.mark.parametrize(
    ("host", "allowed", "expected"),
    [
        ("hooks.example.com", ["hooks.example.com"], True),
        ("HOOKS.example.com.", ["hooks.example.com"], True),
        ("a.example.com", ["*.example.com"], True),
        ("a.b.example.com", ["*.example.com"], True),
        ("example.com", ["*.example.com"], False),
        ("evil-example.com", ["*.example.com"], False),
        ("example.com.evil.net", ["example.com"], False),
        ("hooks.example.com", [], False),
        ("hooks.example.com", None, False),
    ],
)
def test_the_allow_list(host: str, allowed: list[str] | None, expected: bool) -> None:
    assert host_allowed(host, allowed) is expected


def test_allow_list_entries_are_host_names() -> None:
    assert check_host_pattern(" *.Example.com ") == "*.example.com"
    assert check_host_pattern("localhost") == "localhost"
    assert check_host_pattern("::1") == "::1"
    for bad in ("https://x.com", "x.com/path", "", "*", "a..b"):
        with pytest.raises(ValueError, match="host name"):
            check_host_pattern(bad)


def test_options_refuse_an_http_url_by_default() -> None:
    with pytest.raises(ValidationError, match="webhook_url"):
        Options.model_validate({"webhook_url": "http://hooks.example.com/"})
    assert Options.model_validate({"webhook_url": "https://hooks.example.com/"}).webhook_url


def test_options_take_http_with_the_development_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBHOOK_ALLOW_HTTP", "true")
    get_settings.cache_clear()
    try:
        options = Options.model_validate({"webhook_url": "http://localhost:9/hook"})
        assert options.webhook_url == "http://localhost:9/hook"
    finally:
        monkeypatch.delenv("WEBHOOK_ALLOW_HTTP")
        get_settings.cache_clear()
