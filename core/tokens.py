"""Design tokens as a job may give them: group -> token name -> CSS value.

Every value ends up in generated TSX and CSS, so each is checked here.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=False)

TokenName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]

# A CSS value: no declaration or block breaks, no escapes, no url()/expression().
_CSS_VALUE = re.compile(r"[A-Za-z0-9#%.,()\s+\-/*'\"]{1,200}")
_CSS_FORBIDDEN = re.compile(r"url\s*\(|expression\s*\(|@import|javascript:", re.IGNORECASE)


def _check_css_value(value: str | int | float) -> str | int | float:
    if isinstance(value, bool):
        raise ValueError("must be a CSS value (string or number), not a boolean")
    if isinstance(value, int | float):
        return value
    if not _CSS_VALUE.fullmatch(value) or _CSS_FORBIDDEN.search(value):
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
