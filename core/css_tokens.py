"""A CSS token value as tokens: numbers with units, #hex, identifiers, quoted font family
names, rgb()/rgba()/hsl()/hsla() calls and `, / ( )`. Anything else (url(), var(), other
functions, ; { } < > \\, comments, escapes, stray quotes) is refused here, so the grammars
in core.css_values only ever see these shapes. Numbers are within +-MAX_NUMBER.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

MAX_NUMBER = 10_000
MAX_VALUE_CHARS = 200
COLOUR_FUNCTIONS = frozenset({"rgb", "rgba", "hsl", "hsla"})

_TOKEN = re.compile(
    r"""(?P<space>\s+)
    |(?P<number>[+-]?(?:\d+(?:\.\d+)?|\.\d+))(?P<unit>%|[A-Za-z]+)?
    |(?P<hash>\#[0-9A-Za-z]+)
    |(?P<function>[A-Za-z][A-Za-z0-9-]*)\(
    |(?P<ident>-?[A-Za-z_][A-Za-z0-9_-]*)
    |(?P<string>'[^'"]*'|"[^'"]*")
    |(?P<punct>[(),/])""",
    re.VERBOSE,
)
# Inside a quoted font family name: letters (any script), digits, spaces and - _ . & +.
_FAMILY_NAME = re.compile(r"[^\W_]+(?:[ \-_.&+][^\W_]+)*", re.UNICODE)


@dataclass(frozen=True)
class Tok:
    kind: str  # number, hash, ident, string, punct
    text: str
    number: float = 0.0
    unit: str = ""


@dataclass(frozen=True)
class Func:
    name: str  # lower case
    args: tuple[Tok, ...]


Item = Tok | Func


def shown(value: object) -> str:
    """A value as quoted in an error message: short, ASCII, never a huge number spelled out."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**30:
        return f"an integer of about {int(value.bit_length() * 0.30103) + 1} digits"
    if not isinstance(value, str):
        return repr(value)[:60]
    return json.dumps(value if len(value) <= 60 else value[:57] + "...")


def tokenise(value: str) -> list[Item]:
    """Items of a CSS value; ValueError naming what is not allowed."""
    if not value.strip():
        raise ValueError("is empty")
    if len(value) > MAX_VALUE_CHARS:
        raise ValueError(f"is longer than {MAX_VALUE_CHARS} characters")
    items: list[Item] = []
    function: tuple[str, list[Tok]] | None = None
    position = 0
    while position < len(value):
        match = _TOKEN.match(value, position)
        if match is None:
            raise ValueError(f"{shown(value[position])} is not allowed in a token value")
        position = match.end()
        kind = match.lastgroup if match.lastgroup != "unit" else "number"
        text = match.group(0)
        if kind == "space":
            continue
        if kind == "function":
            name = match.group("function").lower()
            if name not in COLOUR_FUNCTIONS or function is not None:
                raise ValueError(f"{name}() is not allowed (only rgb(), rgba(), hsl(), hsla())")
            function = (name, [])
            continue
        if kind == "string" and not _FAMILY_NAME.fullmatch(text[1:-1]):
            raise ValueError(
                f"{shown(text)}: a quoted font family name holds only letters, digits, "
                "spaces and - _ . & +"
            )
        tok = Tok(kind or "", text)
        if kind == "number":
            number = float(match.group("number"))
            if abs(number) > MAX_NUMBER:
                raise ValueError(f"{shown(text)}: numbers must be within ±{MAX_NUMBER}")
            tok = Tok("number", text, number, (match.group("unit") or "").lower())
        if function is not None:
            if text == ")":
                items.append(Func(function[0], tuple(function[1])))
                function = None
            elif text == "(":
                raise ValueError(f"nested parentheses are not allowed in {function[0]}()")
            else:
                function[1].append(tok)
        elif text in ("(", ")"):
            raise ValueError(f"{shown(text)} is only allowed around rgb()/hsl() arguments")
        else:
            items.append(tok)
    if function is not None:
        raise ValueError(f"{function[0]}( is not closed")
    return items
