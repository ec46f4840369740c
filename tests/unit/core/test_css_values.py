"""Token values follow the grammar of what they are; nothing else gets through."""

from __future__ import annotations

import pytest

from core.css_values import check, typography_grammar

ACCEPTED = {
    "colour": ["#fff", "#FFFF", "#2563eb", "#2563eb80", "rebeccapurple", "transparent",
               "currentColor", "rgb(1, 2, 3)", "rgba(0, 0, 0, 0.5)", "rgb(0 0 0 / 50%)",
               "rgb(100%, 0%, 0%)", "hsl(210, 40%, 50%)", "hsla(210deg 40% 50% / .5)"],
    "lengths": ["0", "12px", "12px 16px", "1px 2px 3px 4px", "1.5rem", "50%", "-4px", "2vh",
                12, 0.5],
    "length": ["16px", "1em", 16],
    "shadow": ["none", "0 1px 2px 0 rgba(0, 0, 0, 0.05)", "0 4px 6px -1px rgba(0, 0, 0, 0.1)",
               "inset 0 0 0 2px #2563eb", "red 1px 1px", "1px 2px, 0 0 4px 1px black inset"],
    "font-family": ["Inter", "'Helvetica Neue', Arial, sans-serif", '"SF Pro Display"',
                    "'Font Awesome 6 Free'", "system-ui"],
    "font-weight": ["600", 400, "bold", "lighter", "1", "1000"],
    "font-size": ["14px", "1.25rem", "larger", 16],
    "line-height": ["1.5", 1.5, "20px", "150%", "normal"],
    "letter-spacing": ["0.5px", "-0.02em", "normal", 1],
    "font": ["bold 20px 'A b'", "600 14px/1.5 Inter, sans-serif", "italic 1rem serif",
             "menu"],
    "border": ["1px solid #e5e7eb", "dashed", "red 2px"],
}  # fmt: skip

REFUSED = {
    "colour": ['image-set("//host/x.png")', "url(x)", "red;background:url(x)",
               "expression(alert(1))", "\\75rl(x)", "var(--x)", "#12", "#ggg", "reddish",
               "rgb(256, 0, 0)", "rgb(1, 2)", "rgba(0, 0, 0, 1.5)", "rgb(1 2 3 4)",
               "hsl(10, 120%, 5%)", "rgb(calc(1), 2, 3)", "red /* x */", "attr(x)",
               "'red'", "red !important", "", 5, True, "1e400"],
    "lengths": ["12", "12px 16px 1px 2px 3px", "1e400px", "99999px", "12furlongs", "auto",
                "calc(1px + 2px)", float("nan"), float("inf"), 10**4000, True, -1e400],
    "shadow": ["0", "1px", "0 1px 2px red blue", "1px 2px 3px 4px 5px", "url(x) 1px 1px",
               "inset inset 1px 1px", "1px 1px,"],
    "font-family": ["'A'; x", "'A\\62'", "Inter, , serif", "'a\"b'", "12px", "'x</style>'"],
    "font-weight": ["0", "1001", "heavy", "600px", True],
    "font-size": ["14", "bold", "14px 16px"],
    "line-height": ["1.5 2", "tall", "1000"],
    "font": ["14px", "bold Inter", "14px/ Inter", "600 14px/1.5"],
    "border": ["1px 2px", "solid dashed", "url(x)"],
}  # fmt: skip


@pytest.mark.parametrize(
    ("grammar", "value"), [(g, v) for g, values in ACCEPTED.items() for v in values]
)
def test_accepted(grammar: str, value: object) -> None:
    check(value, grammar)


@pytest.mark.parametrize(
    ("grammar", "value"), [(g, v) for g, values in REFUSED.items() for v in values]
)
def test_refused(grammar: str, value: object) -> None:
    with pytest.raises(ValueError):
        check(value, grammar)


def test_the_message_names_the_grammar_and_the_cause() -> None:
    with pytest.raises(ValueError) as caught:
        check('image-set("//host/x.png")', "colour")
    assert str(caught.value).startswith(
        '"image-set(\\"//host/x.png\\")" is not a colour (use #rrggbb, rgb(...), hsl(...) '
        "or a colour name)"
    )
    assert "image-set() is not allowed" in str(caught.value)


def test_numbers_say_what_range_is_allowed() -> None:
    with pytest.raises(ValueError, match="within ±10000"):
        check(10_001, "length")
    with pytest.raises(ValueError, match="about 4001 digits"):
        check(10**4000, "length")
    with pytest.raises(ValueError, match="not a finite number"):
        check(float("nan"), "line-height")


@pytest.mark.parametrize(
    ("name", "grammar"),
    [("titleSize", "font-size"), ("titleWeight", "font-weight"), ("fontFamily", "font-family"),
     ("lineHeight", "line-height"), ("letter-spacing", "letter-spacing"), ("font", "font"),
     ("h1", "typography")],
)  # fmt: skip
def test_typography_grammar_comes_from_the_name(name: str, grammar: str) -> None:
    assert typography_grammar(name) == grammar
