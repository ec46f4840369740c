"""The workload's plan: which job bodies to submit, in which order, and when a designer
edits a Figma file. Pure and deterministic for a seed.

- Designs (devstack.workload.designs) are drawn by Zipf popularity (s = ZIPF_S): repeats
  of a design are exact repeats, the L1 candidates.
- NEAR_DUPLICATE_SHARE of jobs derive from a design already submitted: a colour token
  nudged or the component renamed (L2 candidates), or a prop added with the same tokens
  (L3 candidates: known tokens, new requirements).
- FIGMA_SHARE of jobs name a file on the fake Figma server; now and then the plan edits
  a file's primary colour first (FigmaEdit), so later jobs must carry the new colour.
- A control set of template-provider jobs, each a design no other job has (unique name
  and tokens, cache no-store), spread evenly: their latency is "L4 template".
"""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass
from typing import Any, Literal

from core.canonical import canonical_json
from devstack.workload.designs import base_designs, normalised, with_own_source

ZIPF_S = 1.1
NEAR_DUPLICATE_SHARE = 0.15
FIGMA_SHARE = 0.10
FIGMA_EDIT_CHANCE = 0.25  # before a Figma job on a file used since its last edit
FIGMA_FILES = 3
FIGMA_NAMES = ("BrandButton", "HeroButton")
FIGMA_PRIMARY_NODE = "1:1"  # the fake file's "Primary" swatch: tokens colors.brand-primary
FIGMA_FIRST_COLOUR = "#2563eb"
EDIT_COLOURS = ("#dc2626", "#16a34a", "#7c3aed", "#ea580c", "#0891b2", "#db2777")
RENAME_SUFFIXES = ("V2", "Alt", "Next", "Plus", "Pro")
ADDED_PROPS = ("tooltip", "analyticsLabel", "helperText", "badgeText")

Kind = Literal["design", "nudged", "renamed", "prop-added", "figma", "control"]
NEAR_DUPLICATE_KINDS: tuple[Kind, ...] = ("nudged", "renamed", "prop-added")


@dataclass(frozen=True)
class Job:
    index: int  # position among all jobs (controls included), from 0
    kind: Kind
    origin: str  # the base design's name, or the Figma file key
    body: dict[str, Any]
    repeat: bool  # an identical body was planned before


@dataclass(frozen=True)
class FigmaEdit:
    file_key: str
    node_id: str
    colour: str  # "#rrggbb", lower case


Step = Job | FigmaEdit


def zipf_weights(count: int, s: float = ZIPF_S) -> list[float]:
    """Popularity of ranks 1..count: 1 / rank**s."""
    return [1 / rank**s for rank in range(1, count + 1)]


def nudge_colour(hex_colour: str, amount: int) -> str:
    """One channel moved by `amount` (bounced off 0 and 255): a barely visible change."""
    channels = [int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]
    channel = abs(amount) % 3
    moved = channels[channel] + amount
    channels[channel] = moved if 0 <= moved <= 255 else channels[channel] - amount
    return "#" + "".join(f"{c:02x}" for c in channels)


def colour_paths(tokens: dict[str, Any]) -> list[tuple[str, ...]]:
    """Paths of the hex colour tokens, in order."""
    paths: list[tuple[str, ...]] = []
    for name, value in (tokens.get("colors") or {}).items():
        if isinstance(value, dict):
            paths += [("colors", name, inner) for inner, v in value.items() if _is_hex(v)]
        elif _is_hex(value):
            paths.append(("colors", name))
    return paths


def _is_hex(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 7 and value.startswith("#")


def nudged(
    body: dict[str, Any], rng: random.Random, *, amount: int | None = None
) -> dict[str, Any]:
    """`body` with one colour token moved a little."""
    changed = copy.deepcopy(body)
    *parents, leaf = rng.choice(colour_paths(changed["tokens"]))
    holder = changed["tokens"]
    for key in parents:
        holder = holder[key]
    holder[leaf] = nudge_colour(holder[leaf], amount or rng.choice((-12, -8, 8, 12)))
    return with_own_source(changed)


def renamed(body: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """`body` under another name, same screenshot (the same design, filed again)."""
    name = body["component_name"] + rng.choice(RENAME_SUFFIXES)
    return normalised({**body, "component_name": name})


def prop_added(body: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """`body` with one more optional string prop, same tokens."""
    changed = copy.deepcopy(body)
    requirements = changed.setdefault("requirements", {})
    props = requirements.setdefault("props", [])
    taken = {prop["name"] for prop in props}
    name = rng.choice([p for p in ADDED_PROPS if p not in taken] or ["extraNote"])
    props.append({"name": name, "type": "string", "description": f"Optional {name}"})
    return with_own_source(changed)


def figma_key(prefix: str, number: int) -> str:
    return f"{prefix}Brand{number}"


def figma_body(file_key: str, name: str) -> dict[str, Any]:
    """A button whose tokens come from the Figma file (none given)."""
    return normalised({
        "component_name": name,
        "component_type": "button",
        "source": {"figma_file_key": file_key},
        "requirements": {
            "props": [{"name": "label", "type": "string", "required": True}],
            "events": [{"name": "onClick"}],
            "states": [{"name": "disabled"}],
            "accessibility": [{"name": "aria-label"}],
        },
    })  # fmt: skip


def control_body(number: int, design: dict[str, Any]) -> dict[str, Any]:
    """A template job no other job shares: its own name and tokens, never stored."""
    changed = nudged(design, random.Random(number), amount=1 + number % 7)
    changed["component_name"] = f"Control{number:02d}{design['component_name']}"[:64]
    return {**with_own_source(changed), "options": {"provider": "template", "cache": "no-store"}}


def plan(
    jobs: int,
    *,
    seed: int,
    controls: int = 20,
    options: dict[str, Any] | None = None,
    figma_prefix: str = "Workload",
) -> list[Step]:
    """`jobs` workload jobs (each with `options`, e.g. the openai provider) and `controls`
    control jobs spread among them, with the Figma edits in between."""
    rng = random.Random(seed)
    designs = base_designs()
    rng.shuffle(designs)  # which design is most popular is the seed's choice
    weights = zipf_weights(len(designs))
    options = options or {}
    steps: list[Step] = []
    seen: set[bytes] = set()
    submitted: list[dict[str, Any]] = []
    used_since_edit: dict[str, bool] = {}
    colours = {figma_key(figma_prefix, n): FIGMA_FIRST_COLOUR for n in range(FIGMA_FILES)}
    every = max(1, jobs // controls) if controls else 0
    index = 0

    def add(kind: Kind, origin: str, body: dict[str, Any]) -> None:
        nonlocal index
        fingerprint = canonical_json(body)
        steps.append(Job(index, kind, origin, body, fingerprint in seen))
        seen.add(fingerprint)
        index += 1

    for slot in range(jobs):
        if every and slot % every == every // 2 and slot // every < controls:
            number = slot // every
            add("control", designs[number % len(designs)]["component_name"],
                control_body(number, designs[number % len(designs)]))  # fmt: skip
        draw = rng.random()
        if draw < FIGMA_SHARE:
            file_key = figma_key(figma_prefix, rng.randrange(FIGMA_FILES))
            if used_since_edit.get(file_key) and rng.random() < FIGMA_EDIT_CHANCE:
                colour = next(c for c in rng.sample(EDIT_COLOURS, 2) if c != colours[file_key])
                colours[file_key] = colour
                steps.append(FigmaEdit(file_key, FIGMA_PRIMARY_NODE, colour))
            used_since_edit[file_key] = True
            body = figma_body(file_key, rng.choice(FIGMA_NAMES))
            add("figma", file_key, {**body, "options": options})
        elif draw < FIGMA_SHARE + NEAR_DUPLICATE_SHARE and submitted:
            kind = rng.choice(NEAR_DUPLICATE_KINDS)
            original = rng.choice(submitted)
            body = {"nudged": nudged, "renamed": renamed, "prop-added": prop_added}[kind](
                original, rng
            )
            add(kind, original["component_name"], {**body, "options": options})
        else:
            design = rng.choices(designs, weights)[0]
            submitted.append(design)
            add("design", design["component_name"], {**design, "options": options})
    return steps


def jobs_of(steps: list[Step]) -> list[Job]:
    return [step for step in steps if isinstance(step, Job)]
