"""What the live API (a real uvicorn) refuses at the door: bodies that are not strict JSON
(400 malformed_json, naming what and where), bodies over MAX_BODY_BYTES however they are
sent (413), bodies that are not JSON (415); a wrong method is a 405 with Allow; and the
OpenAPI schema says as much as the API checks."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from config.settings import get_settings
from core.strict_json import MAX_DEPTH
from tests.helpers import make_job

pytestmark = pytest.mark.integration

JSON = {"Content-Type": "application/json"}


def body_with(source: str) -> bytes:
    """A valid job whose source is the given raw JSON text (escapes kept as written)."""
    text = json.dumps(make_job(source="SOURCE"))
    return text.replace('"SOURCE"', source).encode()


def refused(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 400, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["type"] == "malformed_json"
    return error


def test_a_lone_surrogate_in_the_figma_file_is_400_naming_where(api: httpx.Client) -> None:
    # When the inline file holds "\ud800" (once a 500: the body could not be hashed)
    body = body_with('{"figma_file": {"document": {"name": "x\\ud800"}}}')
    error = refused(api.post("/v1/generations", content=body, headers=JSON))
    # Then it is a 400 naming the field
    assert error["fields"][0]["field"] == "source.figma_file.document.name"
    assert "lone UTF-16 surrogate" in error["message"]


def test_a_duplicate_key_is_400_naming_the_key_and_where(api: httpx.Client) -> None:
    body = body_with('{"figma_file_key": "abc", "figma_file_key": "def"}')
    error = refused(api.post("/v1/generations", content=body, headers=JSON))
    assert error["fields"][0]["field"] == "source"
    assert '"figma_file_key" appears more than once' in error["message"]


@pytest.mark.parametrize(
    ("literal", "said"),
    [
        ("NaN", "NaN is not a JSON number"),
        ("Infinity", "Infinity is not a JSON number"),
        ("-Infinity", "-Infinity is not a JSON number"),
        ("1e400", "1e400 overflows a 64-bit float"),
        ("9" * 4000, "an integer of 4000 digits, over 20"),
    ],
    ids=["nan", "infinity", "minus-infinity", "1e400", "4000-digits"],
)
def test_a_number_json_cannot_carry_is_400(api: httpx.Client, literal: str, said: str) -> None:
    body = json.dumps(make_job(tokens={"spacing": {"md": "PLACEHOLDER"}}))
    body = body.replace('"PLACEHOLDER"', literal)
    error = refused(api.post("/v1/generations", content=body.encode(), headers=JSON))
    assert error["fields"][0]["field"] == "tokens.spacing.md"
    assert said in error["message"]


def test_nesting_deeper_than_the_limit_is_400(api: httpx.Client) -> None:
    deep = '{"a": ' * (MAX_DEPTH + 8) + "{}" + "}" * (MAX_DEPTH + 8)
    body = body_with(f'{{"figma_file": {{"document": {deep}}}}}')
    error = refused(api.post("/v1/generations", content=body, headers=JSON))
    assert f"nested deeper than {MAX_DEPTH} levels" in error["message"]


def test_invalid_utf8_is_400(api: httpx.Client) -> None:
    body = json.dumps(make_job(component_name="NAME")).encode().replace(b"NAME", b"B\xff")
    error = refused(api.post("/v1/generations", content=body, headers=JSON))
    assert "invalid UTF-8 at byte" in error["message"]


def test_a_body_that_is_not_json_is_415(api: httpx.Client) -> None:
    response = api.post("/v1/generations", content=b"component_name=X", headers={
        "Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert response.status_code == 415, response.text
    assert response.json()["error"]["type"] == "unsupported_media_type"


def too_large_chunks() -> Iterator[bytes]:
    """A body sent chunked (no Content-Length), past MAX_BODY_BYTES in 64 KiB pieces."""
    sent, limit = 0, get_settings().max_body_bytes
    yield b'{"component_name": "Big", "padding": "'
    while sent <= limit:
        yield b"x" * 65536
        sent += 65536
    yield b'"}'


def test_a_chunked_body_over_the_limit_is_413(api: httpx.Client) -> None:
    limit = get_settings().max_body_bytes
    # When the body comes chunked (httpx sends a generator so), with no Content-Length
    response = api.post("/v1/generations", content=too_large_chunks(), headers=JSON)
    # Then it is a 413 saying the limit (once a 400 "error parsing the body")
    assert response.status_code == 413, response.text
    assert response.json()["error"]["type"] == "payload_too_large"
    assert f"over {limit} bytes" in response.json()["error"]["message"]


def test_a_chunked_body_over_the_limit_is_413_on_a_raw_socket(api: httpx.Client) -> None:
    # The same, written by hand: no client library decides how the body is framed
    url = urlsplit(str(api.base_url))
    head = (
        f"POST /v1/generations HTTP/1.1\r\nHost: {url.netloc}\r\n"
        f"Authorization: {api.headers['Authorization']}\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    ).encode()
    with socket.create_connection((url.hostname, url.port), timeout=10) as conn:
        conn.sendall(head)
        try:
            for chunk in too_large_chunks():
                conn.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            conn.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server may answer and close before the body ends
        status_line = conn.makefile("rb").readline()
    assert status_line.split()[1] == b"413", status_line


def test_a_declared_length_over_the_limit_is_413(api: httpx.Client) -> None:
    body = json.dumps(make_job(padding="x" * get_settings().max_body_bytes)).encode()
    response = api.post("/v1/generations", content=body, headers=JSON)
    assert response.status_code == 413
    assert response.json()["error"]["type"] == "payload_too_large"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("GET", "/v1/generations", "POST"),
        ("PUT", "/v1/generations/abc", "GET"),
        ("POST", "/v1/cache/exact:" + "0" * 64, "DELETE"),
    ],
)
def test_a_wrong_method_is_405_with_allow(
    api: httpx.Client, method: str, path: str, allowed: str
) -> None:
    response = api.request(method, path)
    assert response.status_code == 405, response.text
    assert allowed in response.headers["Allow"]
    error = response.json()["error"]
    assert error["type"] == "method_not_allowed"
    assert allowed in error["message"]


def test_the_openapi_schema_says_what_the_api_checks(api: httpx.Client) -> None:
    schema = api.get("/openapi.json").json()
    # A source is one of three shapes, each required in its branch
    source = schema["components"]["schemas"]["Source"]
    assert [branch["required"] for branch in source["oneOf"]] == [
        ["figma_file_key"],
        ["screenshot_sha256"],
        ["figma_file"],
    ]
    # Every path parameter has its pattern
    for path, operations in schema["paths"].items():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    assert parameter["schema"].get("pattern"), (path, parameter["name"])
    # And the submission documents each refusal it can answer
    submit = schema["paths"]["/v1/generations"]["post"]["responses"]
    assert {"400", "401", "403", "409", "413", "415", "422", "429", "503"} <= set(submit)
