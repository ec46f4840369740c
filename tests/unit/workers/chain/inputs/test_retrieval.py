"""Pattern retrieval: the type decides first, the requirements' words pick the variant."""

from __future__ import annotations

from typing import Any

from core.spec import COMPONENT_TYPES, JobSpec
from workers.chain.inputs.pattern_library import PATTERNS
from workers.chain.inputs.retrieval import rank


def make_spec(component_type: str, name: str, props: list[dict[str, Any]]) -> JobSpec:
    return JobSpec.model_validate(
        {
            "component_name": name,
            "component_type": component_type,
            "source": {"figma_file_key": "k"},
            "tokens": {"colors": {"primary": "#000000"}},
            "requirements": {"props": props},
        }
    )


def test_library_has_two_patterns_per_type() -> None:
    for component_type in COMPONENT_TYPES:
        assert sum(p.component_type == component_type for p in PATTERNS) >= 2, component_type


def test_type_match_comes_first() -> None:
    ranked = rank(make_spec("badge", "MediaThumbnailCard", [{"name": "image"}]), None)
    assert ranked[0][0].component_type == "badge"


def test_requirements_pick_the_variant() -> None:
    icon = make_spec("button", "ToolbarAction", [{"name": "icon", "type": "node"}])
    media = make_spec("card", "ProductTile", [{"name": "thumbnail", "type": "node"},
                                              {"name": "price", "type": "number"}])  # fmt: skip
    counter = make_spec("badge", "UnreadCount", [{"name": "count", "type": "number"}])
    assert rank(icon, icon.requirements)[0][0].id == "button-icon"
    assert rank(media, media.requirements)[0][0].id == "card-media"
    assert rank(counter, counter.requirements)[0][0].id == "badge-count"


def test_scores_are_ordered_and_stable() -> None:
    spec = make_spec("tabs", "SettingsTabs", [{"name": "tabs", "values": ["Day", "Week"]}])
    first = rank(spec, spec.requirements)
    assert first == rank(spec, spec.requirements)
    scores = [score for _, score in first]
    assert scores == sorted(scores, reverse=True)
    assert first[0][0].id == "tabs-pill"  # "day"/"week" are segmented-control words
