"""Tokens from Figma files: the shipped design-system file and small edge cases."""

from __future__ import annotations

import json
from typing import Any

import pytest

from core.errors import GenerationError
from core.figma_file_check import MAX_NODES
from core.spec import JobSpec
from tests.helpers import FIGMA_FILE
from workers.chain import run_chain
from workers.chain.inputs.figma_tokens import extract_tokens


def load_file() -> dict[str, Any]:
    return json.loads(FIGMA_FILE.read_text())


def nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    return [node, *(n for child in node.get("children", []) for n in nodes(child))]


def hex_of(colour: dict[str, float]) -> str:
    return "#" + "".join(f"{round(colour[k] * 255):02x}" for k in "rgb")


def test_shipped_file_is_realistic() -> None:
    figma = load_file()
    all_nodes = nodes(figma["document"])
    assert len(all_nodes) >= 50
    assert {s["styleType"] for s in figma["styles"].values()} >= {"FILL", "TEXT", "EFFECT"}
    assert any(n.get("layoutMode") for n in all_nodes)
    assert any(n["type"] == "TEXT" for n in all_nodes)
    assert any(n.get("effects") for n in all_nodes)


def test_colours_and_font_sizes_match_the_file() -> None:
    figma = load_file()
    tokens = extract_tokens(figma)
    # Every opaque FILL style's colour, under its style name.
    for node in nodes(figma["document"]):
        style_id = (node.get("styles") or {}).get("fill")
        fill = (node.get("fills") or [{}])[0]
        if style_id and fill.get("type") == "SOLID" and fill["color"]["a"] == 1:
            name = figma["styles"][style_id]["name"].lower().replace("/", "-").replace(" ", "-")
            assert tokens.colors[name] == hex_of(fill["color"]), name
    # Every TEXT style's font size.
    sizes = {
        figma["styles"][n["styles"]["text"]]["name"]: n["style"]["fontSize"]
        for n in nodes(figma["document"])
        if n["type"] == "TEXT" and n["styles"]["text"] in figma["styles"]
    }
    for style_name, size in sizes.items():
        name = style_name.lower().replace("/", "-").replace(" ", "-")
        assert tokens.typography[name]["fontSize"] == f"{size}px"  # type: ignore[index]


def test_alpha_shadows_radii_spacing_and_hidden_paints() -> None:
    tokens = extract_tokens(load_file())
    assert tokens.colors["overlay-scrim"] == "rgba(0, 0, 0, 0.5)"
    assert tokens.shadows["elevation-small"] == "0px 1px 2px 0px rgba(0, 0, 0, 0.1)"
    assert tokens.shadows["elevation-focus"].startswith("inset ")
    assert tokens.borderRadius["pill"] == "9999px"
    assert tokens.borderRadius["sm"] == "8px"
    assert "16px" in tokens.spacing.values()
    assert "#ff00ff" not in tokens.colors.values()  # an invisible fill is no token


def test_node_names_when_there_are_no_styles() -> None:
    figma = {
        "document": {
            "type": "DOCUMENT",
            "children": [
                {
                    "name": "Primary",
                    "type": "FRAME",
                    "fills": [{"type": "SOLID", "color": {"r": 1, "g": 0, "b": 0, "a": 1}}],
                    "cornerRadius": 4,
                }
            ],
        }
    }
    tokens = extract_tokens(figma)
    assert tokens.colors == {"primary": "#ff0000"}
    assert tokens.borderRadius == {"xs": "4px"}


def test_a_file_without_tokens_fails_with_a_reason() -> None:
    with pytest.raises(GenerationError, match="no tokens found"):
        extract_tokens({"document": {"type": "DOCUMENT", "children": []}})


def test_inline_figma_file_drives_a_whole_job() -> None:
    spec = JobSpec.model_validate(
        {
            "component_name": "PrimaryButton",
            "component_type": "button",
            "source": {"figma_file": load_file()},
        }
    )
    result = run_chain(spec)
    tokens = json.loads(result.files["tokens.json"])
    assert tokens["origin"] == "figma_file"
    assert tokens["tokens"]["colors"]["brand-primary"] == "#2563eb"
    component = result.files["component.tsx"].decode()
    assert 'backgroundColor: "var(--cf-color-brand-primary)"' in component
    assert 'color: "var(--cf-color-brand-on-primary)"' in component


def test_tokens_json_carries_the_w3c_format_too() -> None:
    spec = JobSpec.model_validate(
        {
            "component_name": "InfoCard",
            "component_type": "card",
            "source": {"figma_file": load_file()},
        }
    )
    w3c = json.loads(run_chain(spec).files["tokens.json"])["w3c"]
    assert w3c["color"]["brand-primary"] == {"$type": "color", "$value": "#2563eb"}
    assert w3c["typography"]["body-regular"]["$value"]["fontSize"] == "16px"
    assert w3c["borderRadius"]["pill"] == {"$type": "dimension", "$value": "9999px"}
    assert w3c["shadow"]["elevation-small"]["$value"] == {
        "color": "rgba(0, 0, 0, 0.1)", "offsetX": "0px", "offsetY": "1px", "blur": "2px",
        "spread": "0px",
    }  # fmt: skip
    assert len(w3c["shadow"]["elevation-medium"]["$value"]) == 2
    assert w3c["shadow"]["elevation-focus"]["$value"]["inset"] is True


class FetchedFiles:
    """A Figma client whose file is whatever the test says (the API never saw it)."""

    def __init__(self, figma: dict[str, Any]) -> None:
        self.figma = figma

    def file(self, key: str) -> dict[str, Any]:
        return self.figma

    def styles(self, key: str) -> list[Any]:
        return []


def primary_node(figma: dict[str, Any]) -> dict[str, Any]:
    return figma["document"]["children"][0]["children"][0]["children"][0]  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("path", "value", "wanted"),
    [(["fills", 0, "color", "r"], float("nan"), "fills[0].color.r = nan is not a finite number"),
     (["fills", 0, "color", "r"], 1.7, "fills[0].color.r = 1.7 is outside 0..1"),
     (["cornerRadius"], 10**4000, "cornerRadius = an integer of about 4001 digits"),
     (["fills"], "red", "fills is text, not a list"),
     (["style"], {"fontSize": "big"}, "style.fontSize is text, not a number"),
     (["name"], "Prim\ud800", "name holds a lone surrogate")],
)  # fmt: skip
def test_a_bad_fetched_file_is_a_generation_error_naming_the_node(
    path: list[Any], value: Any, wanted: str
) -> None:
    figma = load_file()
    target: Any = primary_node(figma)
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    spec = JobSpec.model_validate(
        {"component_name": "PrimaryButton", "component_type": "button",
         "source": {"figma_file_key": "abc"}}
    )  # fmt: skip
    with pytest.raises(GenerationError) as caught:
        run_chain(spec, figma=FetchedFiles(figma))
    message = str(caught.value)
    assert message.startswith("the Figma file cannot be read: node ")
    assert wanted in message
    message.encode("utf-8")


def test_font_families_become_css_family_names() -> None:
    def text_node(family: str) -> dict[str, Any]:
        style = {"fontFamily": family, "fontSize": 10 + len(family), "fontWeight": 400}
        return {"id": family, "name": family, "type": "TEXT", "style": style}

    families = ["Inter", "Font Awesome 6 Free", "Evil'; x", "A</style>"]
    figma = {"document": {"id": "0:0", "children": [text_node(f) for f in families]}}
    typography = extract_tokens(figma).typography
    assert typography["inter"] == {"fontSize": "15px", "fontFamily": "Inter", "fontWeight": 400}
    assert typography["font-awesome-6-free"]["fontFamily"] == "'Font Awesome 6 Free'"  # type: ignore[index]
    assert "fontFamily" not in typography["evil-x"]  # type: ignore[operator]
    assert "fontFamily" not in typography["a-style"]  # type: ignore[operator]


def test_styles_meta_of_the_wrong_shape_is_ignored() -> None:
    assert extract_tokens(load_file(), {"not": "a list"}).colors  # type: ignore[arg-type]


def test_a_fetched_file_may_be_larger_than_an_inline_one() -> None:
    # Past MAX_NODES the extractor reads nothing, so a fetched file is not refused for it.
    figma = load_file()
    figma["document"]["children"].append(
        {"id": "9:9", "type": "CANVAS", "children": [{"id": "x"}] * MAX_NODES}
    )
    assert extract_tokens(figma, []).colors["brand-primary"] == "#2563eb"
    with pytest.raises(GenerationError, match="more than 50000 nodes"):
        extract_tokens(figma)
