"""api.auth: where a key is read from, and what a refusal looks like (no services: look-ups
are put in the cache with `remember`, as if Postgres had answered)."""

from __future__ import annotations

import base64

import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request

from api import auth
from api.auth import UNAUTHORIZED, presented_key, remember
from core.access import Principal, Role, new_key
from tests.helpers import make_job


def request_with(authorization: bytes | None, *, path: str = "/dashboard") -> Request:
    headers = [] if authorization is None else [(b"authorization", authorization)]
    return Request({"type": "http", "method": "GET", "path": path, "headers": headers})


def basic(credentials: bytes) -> bytes:
    return b"Basic " + base64.b64encode(credentials)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (b"Bearer cf_abcdefgh_secret", "cf_abcdefgh_secret"),
        (b"bearer cf_abcdefgh_secret", "cf_abcdefgh_secret"),
        (b"BEARER   cf_abcdefgh_secret  ", "cf_abcdefgh_secret"),
        (basic(b"anyone:cf_abcdefgh_secret"), "cf_abcdefgh_secret"),
        (basic(b":cf_abcdefgh_secret"), "cf_abcdefgh_secret"),
        (b"basic " + base64.b64encode(b"u:cf_x"), "cf_x"),
        # RFC 7617: the user-id has no colon, so the password is everything after the first.
        (basic(b"user:pass:word"), "pass:word"),
    ],
)
def test_the_key_is_read_from_bearer_or_basic_password(header: bytes, expected: str) -> None:
    assert presented_key(request_with(header)) == expected


@pytest.mark.parametrize(
    "path", ["/v1/generations", "/v1/generations/x/cancel", "/metrics", "/dashboards", "/"]
)
def test_basic_credentials_count_only_on_the_dashboard(path: str) -> None:
    # A browser sends cached Basic credentials with any request to the site, a cross-site
    # form's too: outside /dashboard they are no key at all.
    assert presented_key(request_with(basic(b"u:cf_abcdefgh_secret"), path=path)) == ""
    assert presented_key(request_with(b"Bearer cf_abcdefgh_secret", path=path)) == (
        "cf_abcdefgh_secret"
    )
    assert presented_key(request_with(basic(b"u:cf_x"), path="/dashboard/data")) == "cf_x"


@pytest.mark.parametrize(
    "header",
    [
        b"Basic !!!not-base64!!!",
        b"Basic " + base64.b64encode(b"cf_abcdefgh_secret")[:-2],  # padding cut off
        basic(b"no-colon-so-no-password"),
        basic(b"user:"),
        basic(b"user:\xff\xfe"),  # not UTF-8
        b"Basic",
        b"Bearer",
        b"Bearer   ",
        b"Token cf_abcdefgh_secret",
        b"cf_abcdefgh_secret",
        b"   ",
    ],
)
def test_a_header_without_a_usable_key_is_malformed_not_missing(header: bytes) -> None:
    assert presented_key(request_with(header)) == ""


@pytest.mark.parametrize("header", [None, b""])
def test_no_header_or_an_empty_one_is_missing(header: bytes | None) -> None:
    assert presented_key(request_with(header)) is None


def cached_key(found: Principal | str, *, role: Role = Role.SUBMIT) -> str:
    """A well-formed key whose look-up is cached as `found` (a Principal: valid)."""
    made = new_key()
    if isinstance(found, Principal):
        found = Principal(tenant_id=found.tenant_id, role=role, key_prefix=made.prefix)
    remember(made.key, found)
    return made.key


def test_every_kind_of_bad_key_gets_the_same_401(in_process_api: TestClient) -> None:
    # Given: no header, a wrong scheme, a malformed key, an unknown and a revoked key
    headers = [
        {},
        {"Authorization": "Token abc"},
        {"Authorization": "Bearer not-a-key"},
        {"Authorization": f"Bearer {cached_key('unknown')}"},
        {"Authorization": f"Bearer {cached_key('revoked')}"},
    ]
    in_process_api.headers.pop("Authorization")

    # When: each reads a job
    answers = [in_process_api.get("/v1/generations/some-job", headers=h) for h in headers]

    # Then: one answer, word for word, and a challenge
    assert {a.status_code for a in answers} == {401}
    assert {a.text for a in answers} == {answers[0].text}
    assert answers[0].json()["error"]["message"] == UNAUTHORIZED
    assert {a.headers["WWW-Authenticate"] for a in answers} == {'Bearer realm="componentforge"'}


def test_a_read_key_cannot_submit_nor_invalidate(in_process_api: TestClient) -> None:
    # Given: a valid key of role read
    read = cached_key(Principal("unit", Role.READ, "x"), role=Role.READ)
    in_process_api.headers["Authorization"] = f"Bearer {read}"

    # When: it submits and invalidates
    submitted = in_process_api.post("/v1/generations", json=make_job())
    invalidated = in_process_api.delete(f"/v1/cache/{'a' * 64}")

    # Then: 403 naming the roles, before anything is validated or touched (no service used)
    for answer in (submitted, invalidated):
        assert answer.status_code == 403, answer.text
        assert "role is read" in answer.json()["error"]["message"]
        assert "WWW-Authenticate" not in answer.headers


def test_refused_keys_cannot_evict_valid_ones() -> None:
    # Given a valid key in the cache
    valid = cached_key(Principal("unit", Role.SUBMIT, "x"))
    digest = auth._digest(valid)
    # When more random refused keys than the refused cache holds are remembered
    for _ in range(auth.REFUSED_CACHE_MAX + 50):
        remember(new_key().key, "unknown")
    # Then the valid key is still cached, and the refused cache stayed bounded
    assert isinstance(auth._valid.get(digest), Principal)
    assert len(auth._refused) <= auth.REFUSED_CACHE_MAX


def test_an_unknown_key_is_looked_up_once_then_answered_from_the_negative_cache(
    in_process_api: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a key Postgres does not know (its look-ups counted)
    look_ups: list[str] = []

    def look_up(_engine: object, key: str) -> str:
        look_ups.append(key)
        return "unknown"

    monkeypatch.setattr(auth.api_keys, "look_up", look_up)
    monkeypatch.setattr(auth, "db_engine", lambda: None)
    made = new_key()
    # When it is sent three times
    answers = [
        in_process_api.get("/v1/usage", headers={"Authorization": f"Bearer {made.key}"})
        for _ in range(3)
    ]
    # Then each is the 401, and Postgres was asked once
    assert [a.status_code for a in answers] == [401, 401, 401]
    assert look_ups == [made.key]


def test_a_valid_key_sent_as_basic_on_v1_is_refused(in_process_api: TestClient) -> None:
    # Given the unit tier's valid key, sent as a browser would send Basic credentials
    key = in_process_api.headers.pop("Authorization").removeprefix("Bearer ")
    credentials = {"Authorization": basic(f"user:{key}".encode()).decode()}
    # When it cancels a job (what a cross-site form could make a browser do)
    answer = in_process_api.post("/v1/generations/some-job/cancel", headers=credentials)
    # Then it is refused as carrying no key, before anything is read
    assert answer.status_code == 401
    assert answer.json()["error"]["message"] == UNAUTHORIZED
