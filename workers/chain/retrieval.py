"""Choosing a pattern: type match first, then how many of the job's words the pattern shares.

A simple, deterministic term-overlap score; a later revision replaces it with BM25.
"""

from __future__ import annotations

import re

from workers.chain.pattern_library import PATTERNS
from workers.chain.types import Pattern
from workers.jobspec import JobSpec, Requirements

TYPE_MATCH_BOOST = 10.0


def _words(text: str) -> set[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", text)
    return {w for w in re.findall(r"[a-z0-9]+", spaced.lower()) if len(w) > 1}


def job_terms(spec: JobSpec, requirements: Requirements | None) -> set[str]:
    terms = _words(spec.component_name)
    if requirements is not None:
        groups = (requirements.props, requirements.events, requirements.states,
                  requirements.accessibility)  # fmt: skip
        for item in (item for group in groups for item in group):
            terms |= _words(item.name)
            terms |= _words(item.description or "")
            for value in item.values or []:
                terms |= _words(value)
    return terms


def _pattern_terms(pattern: Pattern) -> set[str]:
    terms = _words(pattern.name) | _words(pattern.description) | set(pattern.keywords)
    for item in pattern.defaults.props + pattern.defaults.events + pattern.defaults.states:
        terms |= _words(item.name)
    return terms


def rank(spec: JobSpec, requirements: Requirements | None) -> list[tuple[Pattern, float]]:
    """Patterns best first, with their scores."""
    terms = job_terms(spec, requirements)
    scored = []
    for order, pattern in enumerate(PATTERNS):
        overlap = len(terms & _pattern_terms(pattern))
        boost = TYPE_MATCH_BOOST if pattern.component_type == spec.component_type else 0.0
        scored.append((order, pattern, round(boost + overlap, 3)))
    # Ties go to the pattern listed first: each type lists its most common pattern first.
    scored.sort(key=lambda entry: (-entry[2], entry[0]))
    return [(pattern, score) for _, pattern, score in scored]
