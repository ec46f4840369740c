"""Strict JSON (core.strict_json): what json.loads takes and a body may not hold is
refused, naming what and where; ordinary JSON parses as json.loads parses it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import MalformedJson
from core.strict_json import MAX_DEPTH, check, loads
from tests.helpers import make_job


def nested(depth: int) -> Any:
    value: Any = {}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


def test_an_ordinary_body_parses_as_json_loads_parses_it() -> None:
    body = make_job(tokens={"spacing": {"md": 12, "lg": 1.5e300, "id": 12345678901234567890}})
    text = json.dumps(body, ensure_ascii=False).encode()
    assert loads(text) == json.loads(text)
    check(body)  # and the decoded value passes too


@pytest.mark.parametrize(
    ("raw", "field", "said"),
    [
        (b'{"a": 1, "a": 2}', "body", 'the key "a" appears more than once'),
        (b'{"s": {"k": [{"x": 1, "x": 1}]}}', "s.k[0]", 'the key "x" appears more than once'),
        (b'{"s": {"f": "ok \\ud800"}}', "s.f", "lone UTF-16 surrogate"),
        (b'{"s": {"\\udc00": 1}}', "s", 'the key "\\udc00" holds a lone UTF-16 surrogate'),
        (b'{"n": NaN}', "n", "NaN is not a JSON number"),
        (b'{"n": [Infinity]}', "n[0]", "Infinity is not a JSON number"),
        (b'{"n": -Infinity}', "n", "-Infinity is not a JSON number"),
        (b'{"n": 1e400}', "n", "1e400 overflows a 64-bit float"),
        (b'{"n": -' + b"9" * 4000 + b"}", "n", "an integer of 4000 digits, over 20"),
        (b'{"n": "\xff"}', "body", "invalid UTF-8 at byte 7"),
        (b'{"n": ', "body", "not valid JSON (Expecting value at character 6)"),
        (b"[" * 100_000, "body", f"nested deeper than {MAX_DEPTH} levels"),
    ],
    ids=["duplicate", "nested-duplicate", "surrogate", "surrogate-key", "nan", "infinity",
         "minus-infinity", "overflow", "huge-int", "utf8", "syntax", "recursion"],
)  # fmt: skip
def test_what_strict_json_refuses_is_named_with_where(raw: bytes, field: str, said: str) -> None:
    with pytest.raises(MalformedJson) as raised:
        loads(raw)
    assert raised.value.field == field
    assert said in raised.value.reason


def test_nesting_is_refused_one_level_past_the_limit() -> None:
    loads(json.dumps(nested(MAX_DEPTH)).encode())
    with pytest.raises(MalformedJson) as raised:
        loads(json.dumps(nested(MAX_DEPTH + 1)).encode())
    assert f"deeper than {MAX_DEPTH}" in raised.value.reason
    with pytest.raises(MalformedJson):  # arrays alike
        loads(b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1))


def test_integers_of_up_to_twenty_digits_pass() -> None:
    assert loads(b'{"n": -99999999999999999999}') == {"n": -99999999999999999999}
    with pytest.raises(MalformedJson):
        loads(b'{"n": 100000000000000000000}')


@pytest.mark.parametrize(
    ("value", "field", "said"),
    [
        ({"a": [float("nan")]}, "a[0]", "nan is not a JSON number"),
        ({"a": float("-inf")}, "a", "-inf is not a JSON number"),
        ({"a": 10**20}, "a", "an integer over 20 digits"),
        ({"a": {"b": "\udfff"}}, "a.b", "lone UTF-16 surrogate"),
        (nested(MAX_DEPTH + 1), "a." * (MAX_DEPTH - 1) + "a", "nested deeper"),
    ],
    ids=["nan", "inf", "huge-int", "surrogate", "too-deep"],
)
def test_a_decoded_value_is_checked_alike(value: Any, field: str, said: str) -> None:
    # A queued message's body arrives decoded (kombu's json.loads took NaN and the rest)
    with pytest.raises(MalformedJson) as raised:
        check(value)
    assert (raised.value.field, said in raised.value.reason) == (field, True)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**25), 10**25) | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=40,
)


@given(value=_JSON, ensure_ascii=st.booleans())
def test_loads_decides_as_the_full_walk_decides(value: Any, ensure_ascii: bool) -> None:
    # loads skips its path-naming walk when the parse met nothing odd: the verdict must
    # be the walk's all the same (non-finite floats, long integers, escapes, brackets).
    raw = json.dumps(value, ensure_ascii=ensure_ascii).encode()
    try:
        check(json.loads(raw))
    except MalformedJson as walked:
        with pytest.raises(MalformedJson) as raised:
            loads(raw)
        assert raised.value.field == walked.field  # the raw number's words may differ
    else:
        assert loads(raw) == json.loads(raw)
