"""The job contract: what a client may submit, over HTTP or straight onto the queue.

Validation is strict because every name and string here ends up inside generated
TSX: identifiers must be identifiers, and CSS values must stay CSS values.
"""

from __future__ import annotations

import json
import re
from enum import StrEnum
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from config.settings import get_settings

ComponentType = Literal[
    "button", "card", "input", "select", "checkbox", "radio", "switch", "tabs", "badge", "alert"
]
COMPONENT_TYPES: tuple[str, ...] = get_args(ComponentType)

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

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=False)

PascalName = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Za-z0-9]{0,63}$")]
TokenName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
IdText = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:-]{1,128}$")]

# A CSS value: no declaration or block breaks, no escapes, no url()/expression().
_CSS_VALUE = re.compile(r"^[A-Za-z0-9#%.,()\s+\-/*'\"]{1,200}$")
_CSS_FORBIDDEN = re.compile(r"url\s*\(|expression\s*\(|@import|javascript:", re.IGNORECASE)


def _check_css_value(value: str | int | float) -> str | int | float:
    if isinstance(value, bool):
        raise ValueError("must be a CSS value (string or number), not a boolean")
    if isinstance(value, int | float):
        return value
    if not _CSS_VALUE.match(value) or _CSS_FORBIDDEN.search(value):
        raise ValueError(
            "must be a plain CSS value (letters, digits, spaces and # % . , ( ) + - / * quotes; "
            "no ; { } < > \\ or url())"
        )
    return value


CssValue = str | int | float


class Tokens(BaseModel):
    """Design tokens in the flat shape: group -> token name -> CSS value."""

    model_config = _STRICT

    colors: dict[TokenName, CssValue] = Field(default_factory=dict, max_length=200)
    typography: dict[TokenName, CssValue | dict[TokenName, CssValue]] = Field(
        default_factory=dict, max_length=200
    )
    spacing: dict[TokenName, CssValue] = Field(default_factory=dict, max_length=200)
    borderRadius: dict[TokenName, CssValue] = Field(default_factory=dict, max_length=200)
    shadows: dict[TokenName, CssValue] = Field(default_factory=dict, max_length=200)

    @field_validator("colors", "spacing", "borderRadius", "shadows")
    @classmethod
    def _flat_values(cls, group: dict[str, CssValue]) -> dict[str, CssValue]:
        for value in group.values():
            _check_css_value(value)
        return group

    @field_validator("typography")
    @classmethod
    def _typography_values(
        cls, group: dict[str, CssValue | dict[str, CssValue]]
    ) -> dict[str, CssValue | dict[str, CssValue]]:
        for value in group.values():
            if isinstance(value, dict):
                if len(value) > 20:
                    raise ValueError("a typography token has at most 20 properties")
                for inner in value.values():
                    _check_css_value(inner)
            else:
                _check_css_value(value)
        return group


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


_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
_STATE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
_A11Y = re.compile(r"^[A-Za-z][A-Za-z0-9 _:=.-]{0,99}$")


def _check_names(items: list[RequirementItem], pattern: re.Pattern[str], what: str) -> None:
    seen: set[str] = set()
    for index, item in enumerate(items):
        if not pattern.match(item.name):
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


class Source(BaseModel):
    """Exactly one way of naming the design."""

    model_config = _STRICT

    figma_file_key: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,128}$")] | None = (
        None
    )
    screenshot_sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")] | None = None
    figma_file: dict[str, Any] | None = None

    @field_validator("figma_file")
    @classmethod
    def _figma_file_size(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        # A live job's body sits in Redis (and the message): bounded apart from the body.
        limit = get_settings().max_inline_figma_bytes
        if value is not None:
            size = len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())
            if size > limit:
                raise ValueError(
                    f"{size} bytes as JSON, over the {limit}-byte limit for an inline file "
                    "(MAX_INLINE_FIGMA_BYTES); name it by figma_file_key instead"
                )
        return value

    @model_validator(mode="after")
    def _exactly_one(self) -> Source:
        given = [
            name
            for name in ("figma_file_key", "screenshot_sha256", "figma_file")
            if getattr(self, name) is not None
        ]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of figma_file_key, screenshot_sha256, figma_file"
                + (f" (got {', '.join(given)})" if given else "")
            )
        return self


class CacheMode(StrEnum):
    DEFAULT = "default"
    NO_CACHE = "no-cache"  # skip the lookup, still store
    NO_STORE = "no-store"  # look up, never store


class Options(BaseModel):
    model_config = _STRICT

    provider: Literal["template", "openai"] = "template"
    model: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:/-]{1,100}$")] | None = None
    cache: CacheMode = CacheMode.DEFAULT


class JobSpec(BaseModel):
    """A generation job as submitted (POST /v1/generations body, or queue kwargs)."""

    model_config = _STRICT

    component_name: PascalName
    component_type: ComponentType
    source: Source
    tokens: Tokens | None = None
    requirements: Requirements | None = None
    options: Options = Field(default_factory=Options)
    tenant_id: IdText | None = None
    session_id: IdText | None = None

    @model_validator(mode="after")
    def _tokens_need_a_file(self) -> JobSpec:
        if self.tokens is None and self.source.screenshot_sha256 is not None:
            raise ValueError(
                "tokens: required when the source is a screenshot; with a Figma file "
                "(figma_file_key or figma_file) they are extracted from it"
            )
        return self
