"""Every route of the app x every credential an attacker may hold (issue 11, "Verified").

The routes are read from the app itself, so a route added later is covered without an
edit here: it is one of the documented open routes, or it refuses every bad key alike
(401), a too-low role (403) and another tenant's resource as an unknown one (404).
"""

from __future__ import annotations

import inspect
import re
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import redis
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from sqlalchemy import Engine
from starlette.routing import BaseRoute, Route

from api.auth import require
from core.access import Role, new_key
from core.keys import figma_key
from devstack.fakes.figma import FigmaState
from tests.conftest import Keys, _create_app, bearer
from tests.helpers import figma_document, make_job, submit_and_wait
from workers.clients import cache_redis_client
from workers.storage.api_keys import create_key, revoke_key

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("worker")]

OPEN_PATHS = {"/healthz", "/readyz", "/docs", "/openapi.json", "/docs/oauth2-redirect", "/redoc",
              "/dashboard/assets/{name:path}"}  # fmt: skip
"""DESIGN "Access": the only routes that answer without a key (the dashboard's scripts
and styles hold no data)."""
CHECKED_IN_HANDLER = {"/metrics": Role.ADMIN, "/dashboard": Role.READ}
"""Routes that check credentials in their handler rather than through api.deps (a scrape
token, a browser's Basic prompt): the role they need, as DESIGN says."""
_PARAM = re.compile(r"{(\w+)(:\w+)?}")
_BELOW = {Role.READ: [], Role.SUBMIT: [Role.READ], Role.ADMIN: [Role.READ, Role.SUBMIT]}


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # as declared, e.g. /v1/generations/{job_id}
    role: Role | None  # what it needs; None: open, or it declares nothing (a finding)

    @property
    def params(self) -> list[str]:
        return [name for name, _ in _PARAM.findall(self.path)]

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def _declared_role(dependant: Dependant) -> Role | None:
    """The role of the `require(role)` dependency somewhere under a route, if any."""
    for dependency in dependant.dependencies:
        call = dependency.call
        if getattr(call, "__qualname__", "").startswith(f"{require.__name__}."):
            return inspect.getclosurevars(call).nonlocals["role"]
        if (role := _declared_role(dependency)) is not None:
            return role
    return None


def served_routes() -> Iterator[tuple[str, set[str], BaseRoute]]:
    """(path, methods, route) of every route the app serves, included routers' too."""
    app = _create_app()
    try:  # FastAPI >= 0.130 keeps included routers whole in app.routes
        from fastapi.routing import iter_route_contexts
    except ImportError:
        yield from ((r.path, r.methods, r) for r in app.routes)  # type: ignore[attr-defined]
        return
    for context in iter_route_contexts(app.routes):
        yield context.path, context.methods, context.original_route


def endpoints() -> list[Endpoint]:
    """Every (method, path) the app serves, HEAD aside."""
    found = []
    for path, methods, route in served_routes():
        assert isinstance(route, Route) and methods, f"{route!r}: not an HTTP route; cover it"
        role = _declared_role(route.dependant) if isinstance(route, APIRoute) else None
        role = role or CHECKED_IN_HANDLER.get(path)
        found += [Endpoint(m, path, role) for m in sorted(methods) if m != "HEAD"]
    assert len(found) > len(OPEN_PATHS)
    return found


@dataclass(frozen=True)
class TenantA:
    """Tenant-a's resources, one per kind a path may name."""

    job_id: str
    name: str
    cache_key: str
    figma_file_key: str

    def values(self) -> dict[str, str]:
        return {"job_id": self.job_id, "key": self.cache_key, "file_key": self.figma_file_key}

    def unknown(self) -> dict[str, str]:
        """Values of the same shapes that name nothing."""
        return {
            "job_id": uuid.uuid4().hex,
            "key": "exact:" + secrets.token_hex(32),
            "file_key": "MatrixFile" + secrets.token_hex(4),
        }


def fill(endpoint: Endpoint, values: dict[str, str]) -> str:
    # A parameter of a name not seen yet gets a job id: the kind most routes name.
    return _PARAM.sub(lambda m: values.get(m.group(1), values["job_id"]), endpoint.path)


def call(
    client: httpx.Client, endpoint: Endpoint, values: dict[str, str], headers: dict[str, str]
) -> httpx.Response:
    body = {} if endpoint.method in ("POST", "PUT", "PATCH") else None
    return client.request(endpoint.method, fill(endpoint, values), json=body, headers=headers)


@pytest.fixture(scope="module")
def tenant_a(api: httpx.Client, figma: FigmaState) -> TenantA:
    """A finished job of tenant-a from a Figma file: a job, an L1 entry and L0 entries."""
    file_key = "MatrixFile" + secrets.token_hex(4)  # the same shape as unknown()'s
    figma.files[file_key] = figma_document()
    name = "MatrixSecret" + secrets.token_hex(4).upper()
    status = submit_and_wait(
        api, make_job(component_name=name, source={"figma_file_key": file_key}, tokens=None)
    )
    assert status["status"] == "succeeded", status
    return TenantA(status["id"], name, status["cache_key"], file_key)


@pytest.fixture(scope="module")
def anonymous(api: httpx.Client) -> Iterator[httpx.Client]:
    """A client of the same API that sends only what a test gives it."""
    with httpx.Client(base_url=api.base_url, timeout=30) as client:
        yield client


def bad_credentials(keys: Keys, engine: Engine) -> dict[str, dict[str, str]]:
    """Every way to present no valid key; each must be the same 401."""
    revoked, _ = create_key(engine, tenant_id="tenant-a", name="matrix-revoked", role=Role.ADMIN)
    revoke_key(engine, revoked)  # an admin key: if revocation failed, every route would open
    prefix = keys.submit.rsplit("_", 1)[0]  # a real key's prefix, a forged secret
    return {
        "no key": {},
        "malformed": {"Authorization": "Bearer not-a-key"},
        "wrong scheme": {"Authorization": f"Token {keys.submit}"},
        "unknown": bearer(new_key().key),
        "forged secret": bearer(f"{prefix}_{secrets.token_urlsafe(32)}"),
        "revoked": bearer(revoked),
    }


def test_exactly_the_documented_routes_are_open(anonymous: httpx.Client, tenant_a: TenantA) -> None:
    # Given: every route, with tenant-a's ids in its path
    # When: each is called without a key
    answers = {e: call(anonymous, e, tenant_a.values(), {}) for e in endpoints()}

    # Then: the documented ones answer; every other is a 401
    open_now = {e.path for e, answer in answers.items() if answer.status_code != 401}
    assert open_now == OPEN_PATHS
    for endpoint, answer in answers.items():
        if endpoint.path in OPEN_PATHS:
            # /readyz may be 503; an asset named after a job id is not there (404).
            expected_error = endpoint.path in ("/readyz", "/dashboard/assets/{name:path}")
            assert answer.status_code < 400 or expected_error, (endpoint, answer)
            for secret in (tenant_a.job_id, tenant_a.name, "tenant-a"):
                assert secret not in answer.text, (endpoint, secret)


def test_every_closed_route_says_which_role_it_needs() -> None:
    # Given/When: the routes and the role each declares (api.deps, or checked in handler)
    closed = [e for e in endpoints() if e.path not in OPEN_PATHS]

    # Then: each declares one, and nothing that writes needs less than submit
    assert [str(e) for e in closed if e.role is None] == []
    writes = [e for e in closed if e.method != "GET"]
    assert [str(e) for e in writes if e.role is Role.READ] == []


def test_every_bad_key_gets_one_and_the_same_401(
    anonymous: httpx.Client, tenant_a: TenantA, keys: Keys, engine: Engine
) -> None:
    # Given: tenant-a's valid key has been used (its look-up is cached)
    assert anonymous.get(
        f"/v1/generations/{tenant_a.job_id}", headers=bearer(keys.submit)
    ).is_success
    credentials = bad_credentials(keys, engine)
    bodies: set[str] = set()

    for endpoint in (e for e in endpoints() if e.path not in OPEN_PATHS):
        # When: each bad credential calls the route, on tenant-a's resource
        answers = {
            what: call(anonymous, endpoint, tenant_a.values(), headers)
            for what, headers in credentials.items()
        }

        # Then: 401 with a challenge, word for word alike whatever was wrong
        statuses = {what: a.status_code for what, a in answers.items()}
        assert set(statuses.values()) == {401}, (str(endpoint), statuses)
        challenges = {a.headers.get("WWW-Authenticate") for a in answers.values()}
        assert len(challenges) == 1 and None not in challenges, (str(endpoint), challenges)
        bodies |= {a.text for a in answers.values()}
    assert len(bodies) == 1, bodies


def test_a_too_low_role_is_a_403(anonymous: httpx.Client, tenant_a: TenantA, keys: Keys) -> None:
    # Given: tenant-a's keys of each role
    by_role = {Role.READ: keys.read, Role.SUBMIT: keys.submit}
    checked = 0

    for endpoint in (e for e in endpoints() if e.role is not None):
        for role in _BELOW[endpoint.role]:
            # When: a key of a lower role calls the route, on its own tenant's resource
            answer = call(anonymous, endpoint, tenant_a.values(), bearer(by_role[role]))

            # Then: 403, which names the roles (the key is valid: no challenge)
            assert answer.status_code == 403, (str(endpoint), role, answer.text)
            assert f"role is {role}" in answer.json()["error"]["message"]
            checked += 1
    assert checked >= 3  # submit, two cache invalidations, /metrics


def test_another_tenants_resource_is_an_unknown_one(
    anonymous: httpx.Client, tenant_a: TenantA, keys: Keys
) -> None:
    # Given: tenant-b's key, allowed by role on every route below admin
    other = bearer(keys.other)
    reachable = [e for e in endpoints() if e.role in (Role.READ, Role.SUBMIT)]
    assert any(e.params for e in reachable)

    for endpoint in reachable:
        # When: tenant-b names tenant-a's resource, and an unknown one of the same shape
        theirs = call(anonymous, endpoint, tenant_a.values(), other)
        unknown_values = tenant_a.unknown()
        unknown = call(anonymous, endpoint, unknown_values, other)

        # Then: the same answer, but for the id itself; and nothing of tenant-a's in it
        if endpoint.params:
            assert theirs.status_code == 404, (str(endpoint), theirs.text)
            assert unknown.status_code == 404, (str(endpoint), unknown.text)
            assert _without(theirs.text, tenant_a.values()) == _without(
                unknown.text, unknown_values
            ), str(endpoint)
            assert theirs.headers.get("content-type") == unknown.headers.get("content-type")
        else:
            assert theirs.status_code not in (401, 403), (str(endpoint), theirs.text)
        leaked = [s for s in _secrets(tenant_a) if s in _without(theirs.text, tenant_a.values())]
        assert leaked == [], (str(endpoint), leaked)
    # ... and tenant-b's DELETEs left tenant-a's L1 entry and L0 entries in place
    cache: redis.Redis = cache_redis_client()
    assert cache.exists(tenant_a.cache_key) == 1
    version = figma_document()["version"]  # tenant-a's file is never edited
    for endpoint in ("file", "styles"):
        key = figma_key("tenant-a", tenant_a.figma_file_key, version, endpoint)
        assert cache.exists(key) == 1


def test_readyz_says_up_or_down_and_nothing_else(start_api: Any) -> None:
    # Given: an API whose Postgres (with a password in its URL) and S3 are unreachable
    api = start_api(
        env={
            "DATABASE_URL": "postgresql+psycopg2://cfuser:hunter2@127.0.0.1:9/secretdb",
            "S3_ENDPOINT_URL": "http://127.0.0.1:9",
        }
    )

    # When: anyone asks if it is ready
    answer = httpx.get(f"{api.base_url}/readyz", timeout=30)

    # Then: it is ready (the API itself needs only the broker and Redis), and that is all
    # it says: no dependency, circuit, address, user or password
    assert answer.status_code == 200
    assert answer.json() == {"status": "ready"}


def _secrets(tenant_a: TenantA) -> list[str]:
    return [tenant_a.job_id, tenant_a.name, tenant_a.cache_key.removeprefix("exact:")]


def _without(text: str, values: dict[str, str]) -> str:
    for value in values.values():
        text = text.replace(value, "<id>").replace(value.removeprefix("exact:"), "<id>")
    return text
