"""Strict JSON: what a request body (or a queued message's body) may hold beyond what
`json.loads` accepts.

Python's parser takes duplicate keys (the last wins), NaN and Infinity, numbers that
overflow to inf, integers of any length and lone UTF-16 surrogates ("\\ud800"), none of
which another JSON reader agrees on, and a lone surrogate cannot even be encoded back to
UTF-8 (the body's hash, Redis, Postgres). Each is refused here, naming where it is, as
`MalformedJson` (the API answers 400; the queue fails the job with the reason).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from core.errors import MalformedJson

MAX_DEPTH = 128
"""Objects and arrays nested deeper than this are refused. A job is ~6 deep; an inline
Figma file takes two levels per node level (`children: [{...}]`), and real files nest
frames 20 and more levels deep, so the bound is about 60 node levels."""
MAX_INT_DIGITS = 20
"""Longer integers are refused: past 64 bits no JSON reader agrees on their value."""

_PLAIN_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
"""Where a lone surrogate could come from: valid UTF-8 holds none, only escapes do."""
_SMALLER = "send a smaller number (or a string)"


class _Refused:
    """A number the parser met that is refused; found (with its path) by the walk."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


class _Duplicated(dict[str, Any]):
    """An object that had a key twice (the walk names it, with the object's path)."""

    duplicate: str = ""


def _duplicated(pairs: list[tuple[str, Any]]) -> _Duplicated:
    """The object of `pairs`, which repeat a key, marked with the first key repeated."""
    marked = _Duplicated(pairs)
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            marked.duplicate = key
            break
        seen.add(key)
    return marked


def _constant(name: str) -> _Refused:
    return _Refused(f"{name} is not a JSON number; send a finite number (or null)")


def _float(text: str) -> float | _Refused:
    value = float(text)
    if math.isinf(value):
        return _Refused(f"{text[:40]} overflows a 64-bit float; send a smaller number")
    return value


def _int(text: str) -> int | _Refused:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        return _Refused(
            f"an integer of {len(text.lstrip('-'))} digits, over {MAX_INT_DIGITS}; {_SMALLER}"
        )
    return int(text)


def loads(body: bytes) -> Any:
    """Parse a request body as strict JSON (UTF-8, see the module's docstring); raises
    MalformedJson naming what is wrong and where."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedJson(
            "body", f"invalid UTF-8 at byte {exc.start}; send the body encoded as UTF-8"
        ) from None
    odd: list[object] = []  # what the hooks met that the walk must find and name

    def noted(value: Any) -> Any:
        if isinstance(value, _Refused):
            odd.append(value)
        return value

    def object_of(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result = dict(pairs)
        if len(result) == len(pairs):
            return result
        odd.append(pairs)
        return _duplicated(pairs)

    try:
        value = json.loads(
            text,
            object_pairs_hook=object_of,
            parse_constant=lambda name: noted(_constant(name)),
            parse_float=lambda number: noted(_float(number)),
            parse_int=lambda number: noted(_int(number)),
        )
    except json.JSONDecodeError as exc:
        raise MalformedJson(
            "body", f"not valid JSON ({exc.msg} at character {exc.pos}); send one JSON object"
        ) from None
    except RecursionError:
        raise MalformedJson("body", _too_deep()) from None
    # The walk (which builds every node's path) only when there is something to find:
    # a common body has no odd value, no surrogate escape, and fewer brackets than
    # MAX_DEPTH, so it cannot nest too deep. Brackets in strings only send it to the walk.
    if odd or _SURROGATE_ESCAPE.search(text) or text.count("{") + text.count("[") >= MAX_DEPTH:
        check(value)
    return value


def check(value: Any) -> None:
    """Raise MalformedJson for what strict JSON may not hold in an already decoded
    value (a queued message's body): nesting deeper than MAX_DEPTH, lone surrogates in
    keys or strings, non-finite floats, integers over MAX_INT_DIGITS digits."""
    _walk(value, "", 0)


def _walk(value: Any, path: str, depth: int) -> None:
    """`path` is "" at the top, then as the API names fields: source.figma_file[3]."""
    where = path or "body"
    if isinstance(value, dict | list):
        if depth >= MAX_DEPTH:
            raise MalformedJson(where, _too_deep())
        if isinstance(value, _Duplicated):
            raise MalformedJson(
                where,
                f"the key {_quoted(value.duplicate)} appears more than once; send each "
                "key once per object",
            )
        if isinstance(value, list):
            for index, item in enumerate(value):
                _walk(item, f"{path}[{index}]", depth + 1)
            return
        for key, item in value.items():
            if not isinstance(key, str):  # a decoded message's keys are strings; be sure
                raise MalformedJson(where, f"a key is {type(key).__name__}, not a string")
            if _has_lone_surrogate(key):
                raise MalformedJson(where, f"the key {_quoted(key)} {_SURROGATE}")
            _walk(item, _child(path, key), depth + 1)
    elif isinstance(value, str):
        if _has_lone_surrogate(value):
            raise MalformedJson(where, f"the string {_SURROGATE}")
    elif isinstance(value, _Refused):
        raise MalformedJson(where, value.reason)
    elif isinstance(value, float) and not math.isfinite(value):
        raise MalformedJson(where, _constant(str(value)).reason)
    elif isinstance(value, int) and abs(value) >= 10**MAX_INT_DIGITS:
        raise MalformedJson(where, f"an integer over {MAX_INT_DIGITS} digits; {_SMALLER}")


_SURROGATE = (
    "holds a lone UTF-16 surrogate (an unpaired \\ud800-\\udfff escape), which is not "
    "text; send valid Unicode"
)


def _has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _too_deep() -> str:
    return f"objects and arrays nested deeper than {MAX_DEPTH} levels; flatten the body"


def _quoted(key: str) -> str:
    """A key as users see it: JSON-quoted, ASCII only (a surrogate stays an escape)."""
    return json.dumps(key[:64])


def _child(path: str, key: str) -> str:
    if not _PLAIN_KEY.fullmatch(key):
        return f"{path}[{_quoted(key)}]"
    return f"{path}.{key}" if path else key
