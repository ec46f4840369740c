"""Prop types as React developers write them: the accepted subset parses into a model,
the model writes TypeScript (never the input text), and the rest is refused with a
message naming what is accepted."""

from __future__ import annotations

import pytest

from core.prop_types import MAX_TYPE_LENGTH, PropType, parse_prop_type


@pytest.mark.parametrize("word", ["string", "number", "boolean", "enum", "node", "function"])
def test_canonical_words_keep_working(word: str) -> None:
    assert parse_prop_type(word).normalized() == word


@pytest.mark.parametrize(
    ("text", "ts", "normalized"),
    [
        ("string", "string", "string"),
        ("ReactNode", "React.ReactNode", "node"),
        ("React.ReactNode", "React.ReactNode", "node"),
        ("JSX.Element", "React.ReactNode", "node"),
        ("React.ReactElement", "React.ReactNode", "node"),
        ("() => void", "() => void", "function"),
        (
            "(event: React.MouseEvent<HTMLButtonElement>) => void",
            "(event: React.MouseEvent<HTMLButtonElement>) => void",
            "(event: React.MouseEvent<HTMLButtonElement>) => void",
        ),
        ("(checked:boolean)=>void", "(checked: boolean) => void", "(checked: boolean) => void"),
        (
            "(value: string, index?: number) => Promise<void>",
            "(value: string, index?: number) => Promise<void>",
            "(value: string, index?: number) => Promise<void>",
        ),
        ("(e: React.SyntheticEvent) => boolean", "(e: React.SyntheticEvent) => boolean", None),
        ("(e: Event) => void", "(e: Event) => void", None),
        ("string[]", "string[]", "string[]"),
        ("Array<number>", "number[]", "number[]"),
        ("('a' | 'b')[]", '("a" | "b")[]', '("a" | "b")[]'),
        ("(tags: string[]) => void", "(tags: string[]) => void", None),
        ("(mode: 'x' | 'y') => void", '(mode: "x" | "y") => void', None),
    ],
)
def test_accepted_forms_render_from_the_model(text: str, ts: str, normalized: str | None) -> None:
    parsed = parse_prop_type(text)
    assert parsed.ts() == ts
    assert parsed.normalized() == (normalized or ts)
    # The stored form parses back to the same model.
    assert parse_prop_type(parsed.normalized()) == parsed


def test_literal_unions_become_enums_with_their_values() -> None:
    parsed = parse_prop_type("| 'primary' | 'secondary' | \"ghost\"")
    assert parsed == PropType("enum", values=("primary", "secondary", "ghost"))
    assert parsed.normalized() == "enum"


def test_hostile_literals_are_escaped_in_rendered_typescript() -> None:
    parsed = parse_prop_type("'a\"b' | '</script>' | '${x}' | '*/'")
    assert parsed.values == ('a"b', "</script>", "${x}", "*/")
    rendered = parsed.ts()
    for raw in ("</script>", "${", "*/"):
        assert raw not in rendered
    assert rendered == '"a\\"b" | "\\u003c/script\\u003e" | "\\u0024{x}" | "*\\/"'


@pytest.mark.parametrize("text", ["string | undefined", "string | null", "'a' | 'b' | undefined"])
def test_undefined_or_null_marks_optional(text: str) -> None:
    parsed = parse_prop_type(text)
    assert parsed.optional is True
    assert "undefined" not in parsed.ts() and "null" not in parsed.ts()


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("Record<string, any>", "'Record' is not one of the accepted type names"),
        ("any", "'any' is not one of the accepted"),
        ("string | number", "a union may only join string literals"),
        ("'a' | 'a'", "a literal appears twice"),
        ("'a\nb'", "control character"),
        ("''", "1 to 100 characters"),
        ("(class: string) => void", "reserved word"),
        ("(a?: string, b: string) => void", "follows an optional one"),
        ("(a: string, a: number) => void", "appears twice"),
        ("(a: () => void) => void", "cannot be nested"),
        ("(e: React.FooEvent) => void", "not a React event type"),
        ("(e: React.MouseEvent<HTMLFooElement>) => void", "not a known element type"),
        ("(e: MouseEvent) => void", "'MouseEvent' is not one of the accepted"),
        ("() => Promise<string>", "Promise<void>"),
        ("() => any", "return type 'any'"),
        ("React.MouseEvent<HTMLButtonElement>", "not one of the accepted type names"),
        ("ReactNode[]", "arrays hold strings, numbers, booleans or string literals"),
        ("string[][]", "arrays hold"),
        ("(x: string | undefined) => void", "write name?:"),
        ("((((((((string))))))))", "nested more than"),
        ("'unterminated", "not closed"),
        ("'a\\x41'", "unsupported escape"),
        ("string; alert(1)", "unexpected character ';'"),
        ("", "unexpected"),
    ],
)
def test_refusals_say_why_and_what_is_accepted(text: str, why: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_prop_type(text)
    message = str(caught.value)
    assert why in message
    assert "use string, number, boolean, ReactNode, a union of string literals" in message
    assert "(event: React.MouseEvent<HTMLButtonElement>) => void" in message


def test_input_length_is_bounded() -> None:
    literal = "'" + "a" * 90 + "'"
    text = " | ".join([literal] * 4)
    assert len(text) > MAX_TYPE_LENGTH
    with pytest.raises(ValueError, match=f"over {MAX_TYPE_LENGTH}"):
        parse_prop_type(text)
