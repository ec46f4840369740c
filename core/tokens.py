"""Design tokens as a job may give them: group -> token name -> CSS value.

Every value ends up in generated TSX and CSS, so each is checked against the grammar of
its group (core.css_values): colours are colours, spacing is 1-4 lengths, a typography
token follows what its name says it is (titleSize -> a font size). Numbers are finite and
small, so tokens.json (JSON) never holds NaN or Infinity.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from core.css_tokens import shown
from core.css_values import border_grammar, check, typography_grammar

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=False)

TokenName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
CssValue = str | int | float
MAX_NESTED = 20  # properties of one typography token, shades of one colour group

# Group -> the grammar of its values; borders and typography pick one per token name.
GROUP_GRAMMARS = {
    "colors": "colour",
    "spacing": "lengths",
    "borderRadius": "lengths",
    "shadows": "shadow",
    "sizes": "length",
}


def _grammar(group: str, name: str) -> str:
    if group == "typography":
        return typography_grammar(name)
    if group == "borders":
        return border_grammar(name)
    return GROUP_GRAMMARS[group]


def _check_group(group: str, values: Any, *, nested: bool) -> Any:
    """Raw values (before pydantic coerces True to 1): each checked, errors naming the token."""
    if not isinstance(values, dict):
        return values  # pydantic says what type it wants
    for name, value in values.items():
        if nested and isinstance(value, dict):
            if len(value) > MAX_NESTED:
                raise ValueError(f"{name}: a {group} token has at most {MAX_NESTED} entries")
            for inner_name, inner in value.items():
                _check_value(group, f"{name}.{inner_name}", str(inner_name), inner)
        else:
            _check_value(group, str(name), str(name), value)
    return values


def _check_value(group: str, path: str, name: str, value: Any) -> None:
    try:
        check(value, _grammar(group, name))
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


class Tokens(BaseModel):
    """Design tokens in the flat shape: group -> token name -> CSS value; colors and
    typography may group one level deeper (colors.info.background, typography.body.fontSize)."""

    model_config = _STRICT

    colors: dict[TokenName, CssValue | dict[TokenName, CssValue]] = Field(
        default_factory=dict, max_length=200
    )
    typography: dict[TokenName, CssValue | dict[TokenName, CssValue]] = Field(
        default_factory=dict, max_length=200
    )
    spacing: dict[TokenName, CssValue] = Field(default_factory=dict, max_length=200)
    borderRadius: dict[TokenName, CssValue] = Field(default_factory=dict, max_length=200)
    shadows: dict[TokenName, CssValue] = Field(default_factory=dict, max_length=200)
    borders: dict[TokenName, CssValue] = Field(default_factory=dict, max_length=200)
    sizes: dict[TokenName, CssValue] = Field(default_factory=dict, max_length=200)

    @model_validator(mode="before")
    @classmethod
    def _known_groups(cls, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(str(k) for k in data if k not in cls.model_fields)
            if unknown:
                raise ValueError(
                    f"unknown token group {', '.join(shown(k) for k in unknown[:5])}; "
                    f"the groups are {', '.join(cls.model_fields)}"
                )
        return data

    @field_validator("colors", "typography", mode="before")
    @classmethod
    def _nested_values(cls, values: Any, info: ValidationInfo) -> Any:
        return _check_group(str(info.field_name), values, nested=True)

    @field_validator("spacing", "borderRadius", "shadows", "borders", "sizes", mode="before")
    @classmethod
    def _flat_values(cls, values: Any, info: ValidationInfo) -> Any:
        return _check_group(str(info.field_name), values, nested=False)
