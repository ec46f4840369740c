"""The pool of base designs the workload draws from: the exemplars and the sample jobs,
each under a few token sets (colours and spacing varied) and names.

Pure: reads the samples from the repo, returns job bodies (normalised through JobSpec,
so a RequirementsExport arrives as plain requirements and edits stay valid).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.canonical import canonical_json
from core.spec import JobSpec

ROOT = Path(__file__).resolve().parents[2]
EXEMPLARS = ROOT / "samples" / "exemplars"
BATCH = ROOT / "samples" / "batch.json"
SAMPLE_JOB = ROOT / "samples" / "job.json"

_HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")
_PX = re.compile(r"(\d+(?:\.\d+)?)px")


@dataclass(frozen=True)
class TokenSet:
    """A brand's variation of a design: a name prefix, a colour map, a spacing scale."""

    prefix: str
    colour: Callable[[str], str]
    spacing_scale: float


def _rotate(hex_colour: str) -> str:
    """(r, g, b) -> (b, r, g): another brand's palette, as distinct as the original."""
    return f"#{hex_colour[5:7]}{hex_colour[1:3]}{hex_colour[3:5]}".lower()


def _darken(hex_colour: str) -> str:
    channels = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{int(c * 0.85):02x}" for c in channels)


TOKEN_SETS = (
    TokenSet("", lambda c: c, 1.0),
    TokenSet("Ocean", _rotate, 1.0),
    TokenSet("Compact", _darken, 0.75),
)


def design_sha(body: dict[str, Any]) -> str:
    """A stand-in screenshot hash: the design's own (same design, same screenshot)."""
    design = {k: v for k, v in body.items() if k not in ("source", "options")}
    return hashlib.sha256(canonical_json(design)).hexdigest()


def normalised(body: dict[str, Any]) -> dict[str, Any]:
    """`body` as JobSpec reads it, in JSON: the form every later edit starts from."""
    return JobSpec.model_validate(body).model_dump(mode="json", exclude_none=True)


def map_values(value: Any, *, colour: Callable[[str], str], scale: float, group: str) -> Any:
    """Tokens with every hex colour mapped and every spacing length scaled."""
    if isinstance(value, dict):
        return {k: map_values(v, colour=colour, scale=scale, group=group or k)
                for k, v in value.items()}  # fmt: skip
    if isinstance(value, str) and _HEX.match(value):
        return colour(value)
    if isinstance(value, str) and group == "spacing" and scale != 1.0:
        return _PX.sub(lambda m: f"{max(1, round(float(m.group(1)) * scale))}px", value)
    return value


def _samples() -> list[dict[str, Any]]:
    """The exemplars, the sample job and each distinct design of the demo batch."""
    found = [json.loads(path.read_text()) for path in sorted(EXEMPLARS.glob("*.json"))]
    found.append(json.loads(SAMPLE_JOB.read_text()))
    found += json.loads(BATCH.read_text())
    distinct: dict[str, dict[str, Any]] = {}
    for body in found:
        body = {k: v for k, v in body.items() if k not in ("source", "options")}
        body = normalised({**body, "source": {"screenshot_sha256": "0" * 64}})
        distinct.setdefault(body["component_name"] + body["component_type"], body)
    return list(distinct.values())


def base_designs() -> list[dict[str, Any]]:
    """Every sample under every token set: names and bodies unique, sources their own."""
    designs = []
    for sample in _samples():
        for token_set in TOKEN_SETS:
            body = dict(sample)
            body["component_name"] = token_set.prefix + sample["component_name"]
            body["tokens"] = map_values(
                sample["tokens"], colour=token_set.colour, scale=token_set.spacing_scale, group=""
            )
            designs.append(with_own_source(body))
    return designs


def with_own_source(body: dict[str, Any]) -> dict[str, Any]:
    """`body` with the screenshot hash of its design, validated."""
    return normalised({**body, "source": {"screenshot_sha256": design_sha(body)}})
