"""Choosing a pattern: BM25 over each pattern's text, boosted when the type matches.

A pattern's document is its name, description, keywords, and the names, descriptions
and values of its default props, events, states and accessibility items. The query is
the job's component name and its requirements' text. The index is built once per
process; the library is small and fixed.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from core.requirements import Requirements
from core.spec import JobSpec
from workers.chain.inputs.pattern_library import PATTERNS
from workers.chain.types import Pattern

K1 = 1.5  # term-frequency saturation
B = 0.75  # length normalisation


def words(text: str) -> list[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", text)
    return [w for w in re.findall(r"[a-z0-9]+", spaced.lower()) if len(w) > 1]


def _requirement_text(requirements: Requirements) -> list[str]:
    groups = (requirements.props, requirements.events, requirements.states,
              requirements.accessibility)  # fmt: skip
    text: list[str] = []
    for item in (item for group in groups for item in group):
        text += words(item.name) + words(item.description or "")
        for value in item.values or []:
            text += words(value)
    return text


def _document(pattern: Pattern) -> list[str]:
    return (
        words(pattern.name)
        + words(pattern.description)
        + list(pattern.keywords)
        + words(pattern.component_type)
        + _requirement_text(pattern.defaults)
    )


@dataclass(frozen=True)
class _Index:
    term_counts: tuple[Counter[str], ...]
    lengths: tuple[int, ...]
    average_length: float
    idf: dict[str, float]


@lru_cache(maxsize=1)
def _index() -> _Index:
    documents = [_document(p) for p in PATTERNS]
    counts = tuple(Counter(d) for d in documents)
    frequency: Counter[str] = Counter()
    for count in counts:
        frequency.update(count.keys())
    n = len(documents)
    idf = {t: math.log(1 + (n - df + 0.5) / (df + 0.5)) for t, df in frequency.items()}
    lengths = tuple(len(d) for d in documents)
    return _Index(counts, lengths, sum(lengths) / n, idf)


def job_terms(spec: JobSpec, requirements: Requirements | None) -> list[str]:
    terms = words(spec.component_name)
    if requirements is not None:
        terms += _requirement_text(requirements)
    return terms


def _bm25(index: _Index, position: int, query: Counter[str]) -> float:
    counts, length = index.term_counts[position], index.lengths[position]
    score = 0.0
    for term in query:
        tf = counts.get(term, 0)
        if tf:
            norm = K1 * (1 - B + B * length / index.average_length)
            score += index.idf[term] * tf * (K1 + 1) / (tf + norm)
    return score


def rank(spec: JobSpec, requirements: Requirements | None) -> list[tuple[Pattern, float]]:
    """Patterns best first, with their BM25 scores.

    A type match outranks any text match (a button job never gets a card pattern), so
    the job's own type comes first, by score; ties go to the pattern listed first (each
    type lists its most common pattern first).
    """
    index = _index()
    query = Counter(job_terms(spec, requirements))
    scored = [
        (pattern.component_type != spec.component_type, position, pattern,
         round(_bm25(index, position, query), 3))
        for position, pattern in enumerate(PATTERNS)
    ]  # fmt: skip
    scored.sort(key=lambda entry: (entry[0], -entry[3], entry[1]))
    return [(pattern, score) for _, _, pattern, score in scored]
