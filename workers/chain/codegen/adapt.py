"""A neighbour's generated code adapted to this job (an L2 semantic-cache hit): the job's
component name and the job's token values, written exactly as the template renderer would
write them, or NotAdaptable saying why not.

What the renderer derives from a component name, and so what a rename rewrites:
the identifiers `<Name>` and `<Name>Props` (inside a string only as the last part of the
story title, "Components/<Name>") and the class `cf-<kebab name>`. The name anywhere else
inside a string is a text that happens to be the name (an enum value, a sample text such
as "Label" for a component called Label): NotAdaptable.
Tokens are `"--cf-<group>-<name>": "<value>"` properties with string-literal values, and
are otherwise referred to only through var(); only the values change. Pure text work, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from workers.chain.codegen.tsx import js_string, kebab
from workers.chain.types import GeneratedCode

_CF_NAME = re.compile(r"--cf-[A-Za-z0-9_-]+")
# A --cf-* name as a quoted property key (an escaped quote is inside some other string).
_KEY = re.compile(r"""(?<!\\)(?P<quote>["'])(?P<name>--cf-[A-Za-z0-9_-]+)(?P=quote)\s*:\s*""")
# One line of string literal, either quote; no line continuations.
_LITERAL = re.compile(
    r'"(?:[^"\\\r\n\u2028\u2029]|\\[^\r\n\u2028\u2029])*"'
    r"|'(?:[^'\\\r\n\u2028\u2029]|\\[^\r\n\u2028\u2029])*'"
)
_LITERAL_END = re.compile(r"\s*[,}]")
_VAR_REFERENCE = re.compile(r"var\(\s*(--cf-[A-Za-z0-9_-]+)")


class NotAdaptable(Exception):
    """The neighbour's code cannot be adapted exactly; the message says why."""


@dataclass(frozen=True)
class _Declaration:
    name: str
    value_start: int
    value_end: int


def _declarations(component_tsx: str, *, strict: bool = True) -> list[_Declaration]:
    """Every --cf-* property with a literal key and a plain string-literal value. When
    strict, NotAdaptable for another kind of value, or for a --cf-* name anywhere else than
    as such a key or directly inside var() (another way of declaring it, e.g. in CSS text);
    else those are skipped."""
    found: list[_Declaration] = []
    claimed: list[tuple[int, int]] = []  # key and value spans
    pos = 0
    while (key := _KEY.search(component_tsx, pos)) is not None:
        name = key.group("name")
        value = _LITERAL.match(component_tsx, key.end())
        if value is None or _LITERAL_END.match(component_tsx, value.end()) is None:
            if not strict:
                pos = key.end()
                continue
            raise NotAdaptable(f"the value of {name} is not a plain string literal")
        found.append(_Declaration(name, value.start(), value.end()))
        claimed += [(key.start(), key.end()), (value.start(), value.end())]
        pos = value.end()  # never look for keys inside a value
    if not strict:
        return found
    claimed += [m.span(1) for m in _VAR_REFERENCE.finditer(component_tsx)]
    for use in _CF_NAME.finditer(component_tsx):
        if not any(start <= use.start() < end for start, end in claimed):
            raise NotAdaptable(f"{use.group()} appears outside a declaration or var()")
    return found


def _stray_names(stories_tsx: str) -> str | None:
    """The first --cf-* name stories.tsx uses other than through var(): tokens belong to
    component.tsx alone."""
    references = {m.start(1) for m in _VAR_REFERENCE.finditer(stories_tsx)}
    return next(
        (m.group() for m in _CF_NAME.finditer(stories_tsx) if m.start() not in references), None
    )


def declared_names(code: GeneratedCode) -> list[str]:
    """The --cf-* names component.tsx declares with a string-literal value, sorted, each
    once. Never raises: whether the code can be adapted is adapt()'s question."""
    return sorted({d.name for d in _declarations(code.component_tsx, strict=False)})


def _check_tokens(found: list[_Declaration], declarations: Mapping[str, str | int | float]) -> None:
    counts: dict[str, int] = {}
    for declaration in found:
        counts[declaration.name] = counts.get(declaration.name, 0) + 1
    if extra := sorted(set(counts) - set(declarations)):
        raise NotAdaptable(f"the code declares tokens the job does not have: {', '.join(extra)}")
    if missing := sorted(set(declarations) - set(counts)):
        raise NotAdaptable(f"the code does not declare: {', '.join(missing)}")
    if twice := sorted(name for name, n in counts.items() if n > 1):
        raise NotAdaptable(f"the code declares more than once: {', '.join(twice)}")


def _identifier(name: str) -> str:
    """`name` or `nameProps` as a whole identifier (also inside strings)."""
    return f"(?<![A-Za-z0-9_$]){re.escape(name)}(?:Props)?(?![A-Za-z0-9_$])"


def _css_class(name: str) -> str:
    # `cf-button__label` is the class's element; `cf-button-group` is another class.
    return f"(?<![A-Za-z0-9_-])cf-{re.escape(kebab(name))}(?![A-Za-z0-9-])"


def _string_literal(text: str) -> str:
    """`text` as a whole string literal, either quote."""
    return f"(?<!\\\\)(?:\"{re.escape(text)}\"|'{re.escape(text)}')"


@dataclass(frozen=True)
class _Rename:
    old: str
    new: str

    def check(self, component: str, stories: str, values: list[_Declaration]) -> None:
        """NotAdaptable unless renaming cannot change what the code means. `values`: the
        token declarations, whose values are replaced, not renamed."""
        if not re.search(_identifier(self.old), component):
            raise NotAdaptable(f"{self.old} does not occur in component.tsx")
        for text in (component, stories):
            if re.search(_identifier(self.new), text):
                raise NotAdaptable(f"{self.new} (or {self.new}Props) already occurs in the code")
            if kebab(self.new) != kebab(self.old) and re.search(_css_class(self.new), text):
                raise NotAdaptable(f"the class cf-{kebab(self.new)} already occurs in the code")
        # A string-literal type equal to the name is a value, not the name: renaming it
        # would change what the component accepts.
        literal = _string_literal(self.old)
        type_positions = (f"\\|\\s*{literal}", f"{literal}\\s*\\|", f"\\??:\\s*{literal}\\s*;")
        if any(re.search(position, component) for position in type_positions):
            raise NotAdaptable(f"{self.old} is also a string-literal type in component.tsx")
        self._check_texts(component, [(d.value_start, d.value_end) for d in values])
        self._check_texts(stories, [])

    def _check_texts(self, code: str, skipped: list[tuple[int, int]]) -> None:
        """The old name inside a string literal other than a story title ("…/Name") is
        text written for another reason: renaming it would not give the renderer's output."""
        title = re.compile(f"[^\"'\\\\]*/{re.escape(self.old)}")
        for literal in _LITERAL.finditer(code):
            if any(start <= literal.start() < end for start, end in skipped):
                continue
            inside = literal.group()[1:-1]
            if not title.fullmatch(inside) and re.search(_identifier(self.old), inside):
                raise NotAdaptable(f"{self.old} is also a text in a string literal")

    @cached_property
    def _forms(self) -> re.Pattern[str]:
        return re.compile(f"(?P<cls>{_css_class(self.old)})|(?P<ident>{_identifier(self.old)})")

    def apply(self, text: str) -> str:
        return self._forms.sub(self._replacement, text)

    def _replacement(self, match: re.Match[str]) -> str:
        text = match.group()
        if match.lastgroup == "cls":
            return f"cf-{kebab(self.new)}"
        return self.new + text[len(self.old) :]  # "" or "Props"


def _rewrite_component(
    component: str,
    found: list[_Declaration],
    declarations: Mapping[str, str | int | float],
    rename: _Rename | None,
) -> str:
    """Token values replaced; the rename applied everywhere except inside --cf-* names and
    the (replaced) values."""
    protected = sorted(
        [(d.value_start, d.value_end, js_string(declarations[d.name])) for d in found]
        + [(m.start(), m.end(), m.group()) for m in _CF_NAME.finditer(component)]
    )
    pieces: list[str] = []
    pos = 0
    for start, end, replacement in protected:
        if start < pos:  # a name inside a value: the value's replacement covers it
            continue
        between = component[pos:start]
        pieces += [rename.apply(between) if rename else between, replacement]
        pos = end
    tail = component[pos:]
    pieces.append(rename.apply(tail) if rename else tail)
    return "".join(pieces)


def adapt(
    code: GeneratedCode,
    *,
    old_name: str,
    new_name: str,
    declarations: Mapping[str, str | int | float],
) -> GeneratedCode:
    """`code` with `new_name` for `old_name` and `declarations`' values (token_vars(...)
    .declarations: --cf-* name -> value) for the declared ones; NotAdaptable when that
    cannot be done exactly."""
    found = _declarations(code.component_tsx)
    _check_tokens(found, declarations)
    if stray := _stray_names(code.stories_tsx):
        raise NotAdaptable(f"stories.tsx names {stray} outside var()")
    rename = _Rename(old_name, new_name) if new_name != old_name else None
    if rename is not None:
        rename.check(code.component_tsx, code.stories_tsx, found)
    stories = code.stories_tsx
    if rename is not None:
        stories = rename.apply(stories)
    return GeneratedCode(
        component_tsx=_rewrite_component(code.component_tsx, found, declarations, rename),
        stories_tsx=stories,
    )
