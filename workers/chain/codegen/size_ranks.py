"""Where a name sits on a size scale: "sm" < "md" < "lg", "caption" < "body" < "h1",
"space-100" < "space-200". Token scales and size-like prop values are both ranked here, by
name only, so the same token names always give the same code (L2 adapts code by names).
"""

from __future__ import annotations

import re

from workers.chain.codegen.tsx import kebab


def _ranked(groups: dict[int, str]) -> dict[str, int]:
    return {word: rank for rank, words in groups.items() for word in words.split()}


# T-shirt sizes and densities, on one scale (md = 50).
SIZE_WORDS = _ranked(
    {
        10: "3xs xxxs",
        20: "2xs xxs tiny mini",
        30: "xs xsmall",
        40: "sm s small compact dense condensed tight",
        50: "md m medium base default normal regular comfortable cozy",
        60: "lg l large spacious relaxed loose",
        70: "xl xlarge",
        80: "2xl xxl huge",
        90: "3xl xxxl",
        100: "4xl",
        110: "5xl",
        120: "6xl",
    }
)
# What typography tokens are called, on the same scale.
TYPE_WORDS = _ranked(
    {
        30: "caption footnote overline hint helper",
        40: "label",
        50: "body text input paragraph",
        60: "lead subtitle subheading",
        62: "h6",
        64: "h5",
        70: "title",
        72: "h4",
        80: "heading h3",
        90: "h2",
        100: "h1",
        110: "display",
        120: "hero",
    }
)
# Numbered scales rank above every word, so a value name never matches a numbered token.
NUMBERED = 1000
_IGNORED = frozenset(("size", "font", "fontsize", "spacing", "space"))


def word_rank(name: str, words: dict[str, int] = SIZE_WORDS) -> int | None:
    """The rank of a name by its last meaningful word ("spacing-lg", "fontSizeSm")."""
    segments = [s for s in kebab(name).split("-") if s not in _IGNORED]
    if not segments:
        return None
    return words.get(segments[-1], words.get("".join(segments)))


def _number_rank(name: str) -> int | None:
    last = kebab(name).split("-")[-1]
    if re.fullmatch(r"[0-9]{1,5}", last) and int(last) > 0:
        return NUMBERED + int(last)
    return None


def scale_of(variables: dict[str, str], *, typography: bool = False) -> dict[str, int]:
    """var() -> rank of the tokens that name a step (token name -> var() given), ascending.
    Named and numbered steps do not mix: the larger family is the scale. A rank two tokens
    share goes to the first name."""
    words = SIZE_WORDS | TYPE_WORDS if typography else SIZE_WORDS
    named: dict[int, str] = {}
    numbered: dict[int, str] = {}
    for name in sorted(variables):
        if (rank := word_rank(name, words)) is not None:
            named.setdefault(rank, variables[name])
        elif (rank := _number_rank(name)) is not None:
            numbered.setdefault(rank, variables[name])
    family = named if len(named) >= len(numbered) else numbered
    return {variable: rank for rank, variable in sorted(family.items())}
