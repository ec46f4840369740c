"""Tokens and inline Figma files are judged at the API: a bad one is a 422 naming the field,
the token or node, and what to send instead (no worker ever sees it)."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from tests.helpers import FIGMA_FILE, make_job


def post(api: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    response = api.post("/v1/generations", json=body)
    assert response.status_code == 422, response.text
    return response.json()["error"]  # type: ignore[no-any-return]


def test_an_inline_figma_file_with_a_bad_colour_names_the_node(in_process_api: TestClient) -> None:
    figma = json.loads(FIGMA_FILE.read_text())
    figma["document"]["children"][0]["children"][0]["children"][0]["fills"][0]["color"]["r"] = 1.7
    body = make_job(source={"figma_file": figma})
    body.pop("tokens", None)
    error = post(in_process_api, body)
    assert error["fields"] == [
        {"field": "source.figma_file",
         "reason": 'node "1:1" ("Primary") fills[0].color.r = 1.7 is outside 0..1'}
    ]  # fmt: skip


def test_a_hostile_token_names_group_token_and_grammar(in_process_api: TestClient) -> None:
    body = make_job(tokens={"colors": {"brand": 'image-set("//host/x.png")'}})
    [field] = post(in_process_api, body)["fields"]
    assert field["field"] == "tokens.colors"
    assert field["reason"].startswith(
        'brand: "image-set(\\"//host/x.png\\")" is not a colour (use #rrggbb, rgb(...), '
        "hsl(...) or a colour name)"
    )


def test_an_out_of_range_number_token_is_refused(in_process_api: TestClient) -> None:
    [field] = post(in_process_api, make_job(tokens={"spacing": {"md": 20_000}}))["fields"]
    assert field["field"] == "tokens.spacing"
    assert "numbers must be within ±10000" in field["reason"]
