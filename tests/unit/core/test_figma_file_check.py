"""Inline Figma files are checked at the API: a bad one is a validation error naming the
node and the path inside it, never a worker traceback."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError

from core.figma_file_check import MAX_NODES, FigmaFileError, check_figma_file
from core.spec import JobSpec
from tests.helpers import FIGMA_FILE

Change = Callable[[dict[str, Any]], None]


def shipped() -> dict[str, Any]:
    return json.loads(FIGMA_FILE.read_text())


def primary(figma: dict[str, Any]) -> dict[str, Any]:
    """The node "1:1" ("Primary"): a rectangle with a SOLID fill and a corner radius."""
    return figma["document"]["children"][0]["children"][0]["children"][0]


def refusal(figma: dict[str, Any]) -> tuple[str, str]:
    body = {"component_name": "Box", "component_type": "card", "source": {"figma_file": figma}}
    with pytest.raises(ValidationError) as caught:
        JobSpec.model_validate(body)
    [error] = caught.value.errors()
    return ".".join(str(p) for p in error["loc"]), error["msg"].removeprefix("Value error, ")


def changed(change: Change) -> dict[str, Any]:
    figma = copy.deepcopy(shipped())
    change(figma)
    return figma


def test_the_shipped_file_passes() -> None:
    check_figma_file(shipped())
    assert primary(shipped())["id"] == "1:1"


def set_in(path: list[Any], value: Any) -> Change:
    def change(figma: dict[str, Any]) -> None:
        target: Any = primary(figma)
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


@pytest.mark.parametrize(
    ("change", "wanted"),
    [(set_in(["fills", 0, "color", "r"], 1.7), "fills[0].color.r = 1.7 is outside 0..1"),
     (set_in(["fills", 0, "color", "a"], -0.1), "fills[0].color.a = -0.1 is outside 0..1"),
     (set_in(["fills", 0, "color", "g"], float("nan")), "fills[0].color.g = nan is not a finite"),
     (set_in(["fills", 0, "opacity"], 2), "fills[0].opacity = 2 is outside 0..1"),
     (set_in(["fills", 0, "color", "b"], "0.5"), "fills[0].color.b is text, not a number"),
     (set_in(["cornerRadius"], 1e9), "cornerRadius = 1000000000.0 is outside -1,000,000.."),
     (set_in(["cornerRadius"], 20_000), "cornerRadius = 20000 is outside 0..10,000"),
     (set_in(["cornerRadius"], 10**4000), "cornerRadius = an integer of about 4001 digits"),
     (set_in(["absoluteBoundingBox", "x"], float("inf")), "absoluteBoundingBox.x = inf is not"),
     (set_in(["fills"], "red"), "fills is text, not a list"),
     (set_in(["fills"], ["red"]), "fills[0] is text, not an object"),
     (set_in(["children"], {"a": 1}), "children is an object, not a list"),
     (set_in(["styles"], {"fill": ["S:c0"]}), "styles.fill is a list, not text"),
     (set_in(["style"], {"fontSize": -3}), "style.fontSize = -3 is outside 0..10,000"),
     (set_in(["style"], {"fontWeight": 0}), "style.fontWeight = 0 is outside 1..1,000"),
     (set_in(["effects"], [{"type": "DROP_SHADOW", "offset": {"x": 1e5}}]),
      "effects[0].offset.x = 100000.0 is outside -10,000..10,000"),
     (set_in(["visible"], "no"), "visible is text, not true or false")],
)  # fmt: skip
def test_a_bad_node_is_refused_naming_it(change: Change, wanted: str) -> None:
    field, message = refusal(changed(change))
    assert field == "source.figma_file"
    assert message.startswith(f'node "1:1" ("Primary") {wanted}'), message


def test_a_child_that_is_not_an_object_is_named_by_its_place() -> None:
    figma = {"document": {"id": "0:0", "children": [{"id": "1:1", "children": [3]}]}}
    assert refusal(figma)[1] == "document.children[0].children[0] is a number, not a node object"


def test_no_document_is_refused() -> None:
    assert refusal({"name": "x"})[1].startswith('has no "document" object')


def test_node_count_and_depth_are_bounded() -> None:
    wide = {"document": {"id": "0:0", "children": [{"id": "1"}] * (MAX_NODES + 1)}}
    assert "more than 50000 nodes" in refusal(wide)[1]
    deep: dict[str, Any] = {"id": "0:0"}
    node = deep
    for index in range(300):
        node["children"] = [{"id": str(index)}]
        node = node["children"][0]
    assert "nested more than 200 deep" in refusal({"document": deep})[1]


def test_deeply_nested_values_are_refused_without_recursion() -> None:
    value: list[Any] = []
    figma = {"document": {"id": "0:0", "extra": value}}
    for _ in range(50_000):
        value.append([])
        value = value[0]
    assert "is nested more than 32 deep" in refusal(figma)[1]


def test_numbers_outside_the_document_are_checked_too() -> None:
    field, message = refusal(changed(lambda f: f.__setitem__("version", float("nan"))))
    assert field == "source.figma_file"
    assert message == "version = nan is not a finite number"


@pytest.mark.parametrize(
    "change",
    [set_in(["name"], "Prim\ud800ary"), set_in(["characters"], "\udfff"),
     lambda f: f["styles"].__setitem__("S:\ud800", {"name": "x"}),
     lambda f: f.__setitem__("name", "\ud83d")],
)  # fmt: skip
def test_a_lone_surrogate_is_a_validation_error_not_a_crash(change: Change) -> None:
    field, message = refusal(changed(change))
    assert field == "source.figma_file"
    assert "lone surrogate" in message
    message.encode("utf-8")  # the message itself is safe to send


def test_python_objects_that_are_not_json_are_refused() -> None:
    with pytest.raises(FigmaFileError, match="is a set, not a JSON value"):
        check_figma_file({"document": {"id": "0:0", "x": {1, 2}}})
