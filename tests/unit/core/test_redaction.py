"""Errors shown to users name the dependency and what to do, never its address."""

from __future__ import annotations

import re

import httpx
import openai
import pytest
import redis
import sqlalchemy
from botocore.exceptions import EndpointConnectionError
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.errors import install_error_handlers
from core.errors import DependencyUnavailable, FigmaError, GenerationError
from core.redaction import public_message, without_addresses
from workers.resilience.classification import REDIS_FULL, describe, error_kind

ADDRESSES = re.compile(r"127\.0\.0\.1|10\.0\.3\.7|\.internal|:\d{2,5}\b|://|port \d|s3cret")


def real_redis_error() -> redis.RedisError:
    client = redis.Redis.from_url("redis://:s3cret@127.0.0.1:1/0", socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        return exc
    raise AssertionError("nothing listens on port 1")


def real_postgres_error() -> sqlalchemy.exc.DBAPIError:
    engine = sqlalchemy.create_engine("postgresql+psycopg2://app:s3cret@127.0.0.1:1/jobs")
    try:
        engine.connect()
    except sqlalchemy.exc.DBAPIError as exc:
        return exc
    finally:
        engine.dispose()
    raise AssertionError("nothing listens on port 1")


def dependency_errors() -> list[BaseException]:
    request = httpx.Request("POST", "https://llm.internal:8443/v1/chat/completions")
    return [
        real_redis_error(),
        redis.ConnectionError("Error 111 connecting to redis.internal:6379. Connection refused."),
        real_postgres_error(),
        EndpointConnectionError(endpoint_url="http://minio.internal:9000/components"),
        httpx.ConnectError("[Errno -2] Name or service not known for http://10.0.3.7:8080/v1"),
        openai.APIConnectionError(message=f"Connection error to {request.url}", request=request),
        DependencyUnavailable("Figma unreachable: [Errno 111] connect to figma.internal:443"),
    ]


@pytest.mark.parametrize("exc", dependency_errors(), ids=lambda e: type(e).__name__)
def test_describe_names_the_dependency_not_its_address(exc: BaseException) -> None:
    # Given a dependency's exception that carries its URL, host or port
    # When it is described for a user
    reason = describe(exc)
    # Then no address is left, and the dependency is still named
    assert not ADDRESSES.search(reason), reason
    assert re.search(r"Redis|Postgres|S3|LLM|HTTP dependency|Figma", reason), reason


def test_job_errors_lose_addresses_but_not_the_users_own_words() -> None:
    figma = FigmaError("Figma answered HTTP 418 for https://figma-proxy.internal/v1/files/AbC")
    assert public_message(figma) == "Figma answered HTTP 418 for <internal address>"
    # A user's own input error is shown as it is (it names nothing internal)
    own = GenerationError("component_name https://x.example/ clashes with generated code")
    assert public_message(own) == str(own)


def test_libpq_and_ipv6_forms_are_covered() -> None:
    text = 'connection to server on socket "/run/postgresql/.s.PGSQL.5432" failed; [fd00::7]:6379'
    assert not ADDRESSES.search(without_addresses(text))
    assert "PGSQL" not in without_addresses(text)


def test_a_redis_oom_refusal_is_transient_and_says_what_to_do() -> None:
    full = redis.OutOfMemoryError("OOM command not allowed when used memory > 'maxmemory'.")
    assert error_kind(full) == "server_error"
    assert describe(full) == REDIS_FULL
    assert "RedisMemoryHigh" in REDIS_FULL and "nothing was queued" in REDIS_FULL


def app_raising(exc: BaseException) -> TestClient:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/boom")
    def boom() -> None:
        raise exc

    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize("exc", dependency_errors(), ids=lambda e: type(e).__name__)
def test_api_answers_503_without_the_address(exc: BaseException) -> None:
    response = app_raising(exc).get("/boom")
    assert response.status_code == 503
    message = response.json()["error"]["message"]
    assert not ADDRESSES.search(message), message
    if not isinstance(exc, DependencyUnavailable):  # ours says what to do itself
        assert "retry" in message


def test_api_answers_a_full_redis_with_a_clear_503() -> None:
    response = app_raising(redis.ResponseError("OOM command not allowed when used memory > "
                                               "'maxmemory'.")).get("/boom")  # fmt: skip
    assert response.status_code == 503
    assert response.headers["retry-after"] == "30"
    assert response.json()["error"]["message"] == REDIS_FULL


def test_what_the_logs_keep_of_an_error_has_no_password() -> None:
    # The 503 path logs the exception itself (%r), address and all: never the password
    # that was in the URL it connected with.
    for exc in (real_redis_error(), real_postgres_error()):
        assert "s3cret" not in repr(exc) and "s3cret" not in str(exc)
    engine = sqlalchemy.create_engine("postgresql+psycopg2://app:s3cret@db.internal:5432/jobs")
    assert "s3cret" not in repr(engine) and "s3cret" not in str(engine.url)
    engine.dispose()
