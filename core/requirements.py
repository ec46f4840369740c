"""Component requirements as a job may give them: props, events, states, accessibility.

Names become identifiers in generated TSX, so each is checked in full here.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=False)

PROP_TYPES = ("string", "number", "boolean", "enum", "node", "function")

# Words that cannot be a destructured binding or a JSX attribute in generated code.
JS_RESERVED = frozenset(
    (
        "break",
        "case",
        "catch",
        "class",
        "const",
        "continue",
        "debugger",
        "default",
        "delete",
        "do",
        "else",
        "enum",
        "export",
        "extends",
        "false",
        "finally",
        "for",
        "function",
        "if",
        "import",
        "in",
        "instanceof",
        "new",
        "null",
        "return",
        "super",
        "switch",
        "this",
        "throw",
        "true",
        "try",
        "typeof",
        "var",
        "void",
        "while",
        "with",
        "yield",
        "let",
        "static",
        "implements",
        "interface",
        "package",
        "private",
        "protected",
        "public",
        "await",
        "arguments",
        "eval",
        "undefined",
        "key",
        "ref",
        "children",
    )
)


class RequirementItem(BaseModel):
    model_config = _STRICT

    name: str = Field(min_length=1, max_length=100)
    type: str | None = None
    description: str | None = Field(None, max_length=500)
    values: list[Annotated[str, StringConstraints(min_length=1, max_length=100)]] | None = Field(
        None, max_length=50
    )
    required: bool | None = None

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str | None) -> str | None:
        if value is not None and value not in PROP_TYPES:
            raise ValueError(f"must be one of {', '.join(PROP_TYPES)}")
        return value


_IDENT = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
_STATE = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")
_A11Y = re.compile(r"[A-Za-z][A-Za-z0-9 _:=.-]{0,99}")


def _check_names(items: list[RequirementItem], pattern: re.Pattern[str], what: str) -> None:
    seen: set[str] = set()
    for index, item in enumerate(items):
        if not pattern.fullmatch(item.name):
            raise ValueError(f"item {index}: name {item.name!r} is not a valid {what}")
        if pattern is _IDENT and item.name in JS_RESERVED:
            raise ValueError(f"item {index}: name {item.name!r} is a reserved word in TSX")
        if item.name in seen:
            raise ValueError(f"item {index}: name {item.name!r} appears twice")
        seen.add(item.name)


class Requirements(BaseModel):
    model_config = _STRICT

    props: list[RequirementItem] = Field(default_factory=list, max_length=50)
    events: list[RequirementItem] = Field(default_factory=list, max_length=50)
    states: list[RequirementItem] = Field(default_factory=list, max_length=50)
    accessibility: list[RequirementItem] = Field(default_factory=list, max_length=50)

    @field_validator("props", "events")
    @classmethod
    def _identifiers(cls, items: list[RequirementItem]) -> list[RequirementItem]:
        _check_names(items, _IDENT, "identifier (letter, then letters, digits or _)")
        return items

    @field_validator("states")
    @classmethod
    def _states(cls, items: list[RequirementItem]) -> list[RequirementItem]:
        _check_names(items, _STATE, "state name (letter, then letters, digits, _ or -)")
        return items

    @field_validator("accessibility")
    @classmethod
    def _a11y(cls, items: list[RequirementItem]) -> list[RequirementItem]:
        _check_names(items, _A11Y, "accessibility requirement name")
        return items
