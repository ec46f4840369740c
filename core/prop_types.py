"""Prop types as React developers write them, parsed into a small model.

A safe subset of TypeScript type syntax: primitives, React nodes, unions of string
literals, arrays, and callback signatures with React event parameters. A hand-written
tokenizer and recursive-descent parser build a frozen model; generated code writes types
from the model (PropType.ts), never from the input text.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace

CANONICAL = ("string", "number", "boolean", "enum", "node", "function")
MAX_TYPE_LENGTH = 300
MAX_DEPTH = 6
MAX_PARAMS = 5
MAX_LITERALS = 50

ACCEPTED = (
    "use string, number, boolean, ReactNode, a union of string literals "
    "('primary' | 'secondary'), a function type "
    "((event: React.MouseEvent<HTMLButtonElement>) => void), an array (string[]) "
    "or a canonical word (string number boolean enum node function)"
)

# Words that cannot name a binding (a parameter or a destructured prop) in generated code.
JS_KEYWORDS = frozenset((
    "break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete",
    "do", "else", "enum", "export", "extends", "false", "finally", "for", "function", "if",
    "import", "in", "instanceof", "new", "null", "return", "super", "switch", "this", "throw",
    "true", "try", "typeof", "var", "void", "while", "with", "yield", "let", "static",
    "implements", "interface", "package", "private", "protected", "public", "await", "arguments",
    "eval", "undefined",
))  # fmt: skip

_NODE_NAMES = ("ReactNode", "React.ReactNode", "JSX.Element", "React.ReactElement")
_PRIMITIVES = ("string", "number", "boolean")
REACT_EVENTS = (
    "Mouse", "Keyboard", "Focus", "Change", "Form", "Pointer", "Touch", "Drag", "Clipboard",
    "Wheel", "Animation", "Transition", "Composition", "UI", "Synthetic",
)  # fmt: skip
ELEMENT_TYPES = frozenset((
    "Element", "HTMLElement", "HTMLAnchorElement", "HTMLButtonElement", "HTMLDivElement",
    "HTMLFormElement", "HTMLInputElement", "HTMLLabelElement", "HTMLLIElement",
    "HTMLSelectElement", "HTMLSpanElement", "HTMLTextAreaElement", "HTMLImageElement",
    "HTMLParagraphElement", "HTMLHeadingElement", "HTMLUListElement", "HTMLOListElement",
    "HTMLTableElement", "HTMLTableRowElement", "HTMLTableCellElement", "HTMLOptionElement",
    "HTMLDialogElement", "HTMLCanvasElement", "HTMLVideoElement", "HTMLAudioElement",
    "HTMLFieldSetElement", "HTMLLegendElement", "HTMLIFrameElement", "HTMLProgressElement",
    "HTMLDetailsElement",
))  # fmt: skip
RETURN_TYPES = ("void", "boolean", "string", "number", "Promise<void>")

_PUNCTUATION = "|()[]<>,:?."
_SAFE_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "`": "\\u0060", "$": "\\u0024"}


class _Refused(Exception):
    """Why a type is outside the subset; parse_prop_type turns it into a ValueError."""


@dataclass(frozen=True)
class Param:
    name: str
    type: PropType
    optional: bool = False


@dataclass(frozen=True)
class PropType:
    """kind: string number boolean node enum function array event (event: parameters only).

    values: the literals of an enum; item: an array's element; params and returns: a
    function's signature; event and element: a React event type and its element argument.
    optional: the type was written with `| undefined` or `| null`.
    """

    kind: str
    values: tuple[str, ...] = ()
    item: PropType | None = None
    params: tuple[Param, ...] = ()
    returns: str = "void"
    event: str | None = None
    element: str | None = None
    optional: bool = False

    def ts(self) -> str:
        """The type as TypeScript in generated code (literals escaped for TSX files)."""
        return self._render(ts_string)

    def normalized(self) -> str:
        """The form a spec stores: equivalent inputs give the same text, which parses back
        to the same model. An enum is "enum" (its literals go into `values`)."""
        if self.kind == "enum":
            return "enum"
        if self.kind == "function" and not self.params and self.returns == "void":
            return "function"
        return self._render(_plain_string)

    def _render(self, literal: Callable[[str], str]) -> str:
        if self.kind in _PRIMITIVES:
            return self.kind
        if self.kind == "node":
            return "React.ReactNode" if literal is ts_string else "node"
        if self.kind == "enum":
            return " | ".join(literal(v) for v in self.values) or "string"
        if self.kind == "array":
            assert self.item is not None
            inner = self.item._render(literal)
            return f"({inner})[]" if self.item.kind == "enum" else f"{inner}[]"
        if self.kind == "event":
            if self.event == "Event":
                return "Event"
            suffix = f"<{self.element}>" if self.element else ""
            return f"React.{self.event}{suffix}"
        params = ", ".join(
            f"{p.name}{'?' if p.optional else ''}: {p.type._render(literal)}" for p in self.params
        )
        return f"({params}) => {self.returns}"


def ts_string(value: str | int | float) -> str:
    """A double-quoted JS string literal of `value`, safe inside TSX code, JSX braces,
    <script>/<style> and comments (JSON encoding plus escapes for < > & ` $ U+2028/9)."""
    encoded = json.dumps(str(value), ensure_ascii=True)
    for raw, escaped in _SAFE_ESCAPES.items():
        encoded = encoded.replace(raw, escaped)
    return encoded.replace("*/", "*\\/")


def _plain_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def check_literal(value: str, what: str = "value") -> str:
    """Enum values and string literals: 1..100 characters, no control characters."""
    if not 1 <= len(value) <= 100:
        raise ValueError(f"{what} {value!r} must be 1 to 100 characters")
    for char in value:
        if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp", "Cs"):
            raise ValueError(f"{what} {value!r} contains a control character ({ord(char):#x})")
    return value


# --- tokenizer ---------------------------------------------------------------------------

_STRING, _IDENT, _ARROW, _END = "string", "ident", "=>", "end"


@dataclass(frozen=True)
class _Token:
    kind: str  # string ident => end, or the punctuation character itself
    text: str


def _tokens(text: str) -> list[_Token]:
    tokens, i = [], 0
    while i < len(text):
        char = text[i]
        if char in " \t":
            i += 1
        elif char in "'\"":
            value, i = _read_string(text, i)
            tokens.append(_Token(_STRING, value))
        elif char == "=" and text[i : i + 2] == "=>":
            tokens.append(_Token(_ARROW, "=>"))
            i += 2
        elif char in _PUNCTUATION:
            tokens.append(_Token(char, char))
            i += 1
        elif char.isascii() and (char.isalpha() or char == "_"):
            start = i
            while i < len(text) and text[i].isascii() and (text[i].isalnum() or text[i] == "_"):
                i += 1
            tokens.append(_Token(_IDENT, text[start:i]))
        else:
            raise _Refused(f"unexpected character {char!r}")
    tokens.append(_Token(_END, ""))
    return tokens


_ESCAPES = {"\\": "\\", "'": "'", '"': '"', "/": "/"}


def _read_string(text: str, i: int) -> tuple[str, int]:
    quote, i, out = text[i], i + 1, []
    while i < len(text):
        char = text[i]
        if char == quote:
            return "".join(out), i + 1
        if char == "\\":
            following = text[i + 1 : i + 2]
            if following in _ESCAPES:
                out.append(_ESCAPES[following])
                i += 2
                continue
            digits = text[i + 2 : i + 6]
            if (
                following == "u"
                and len(digits) == 4
                and all(c in "0123456789abcdefABCDEF" for c in digits)
            ):
                out.append(chr(int(digits, 16)))
                i += 6
                continue
            raise _Refused(
                "a string literal has an unsupported escape (only \\\\ \\' \\\" \\uXXXX)"
            )
        out.append(char)
        i += 1
    raise _Refused("a string literal is not closed")


# --- parser ------------------------------------------------------------------------------


class _Parser:
    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens, self.at, self.depth = tokens, 0, 0

    def peek(self, ahead: int = 0) -> _Token:
        return self.tokens[min(self.at + ahead, len(self.tokens) - 1)]

    def take(self, kind: str) -> _Token:
        token = self.peek()
        if token.kind != kind:
            shown = token.text or "the end"
            raise _Refused(f"expected {kind!r} but found {shown!r}")
        self.at += 1
        return token

    def accept(self, kind: str) -> bool:
        if self.peek().kind == kind:
            self.at += 1
            return True
        return False

    def nested(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _Refused(f"nested more than {MAX_DEPTH} deep")

    # union := ['|'] postfix ('|' postfix)*   -> literals, one other type, undefined/null
    def union(self, *, where: str) -> PropType:
        self.nested()
        self.accept("|")
        members = [self.postfix(where=where)]
        while self.accept("|"):
            members.append(self.postfix(where=where))
        self.depth -= 1
        optional = any(m.kind == "absent" for m in members)
        present = [m for m in members if m.kind != "absent"]
        if optional and where != "prop":
            raise _Refused("`| undefined` and `| null` only mark a prop optional (write name?:)")
        if present and all(m.kind == "literal" for m in present):
            values = [m.values[0] for m in present]
            if len(values) > MAX_LITERALS:
                raise _Refused(f"more than {MAX_LITERALS} literals")
            for value in values:
                try:
                    check_literal(value, "literal")
                except ValueError as exc:
                    raise _Refused(str(exc)) from exc
            if len(set(values)) != len(values):
                raise _Refused("a literal appears twice")
            return PropType("enum", values=tuple(values), optional=optional)
        if len(present) != 1:
            raise _Refused("a union may only join string literals (plus undefined or null)")
        (only,) = present
        if only.kind == "literal":
            raise _Refused("a string literal cannot be joined with other types")
        return replace(only, optional=optional)

    # postfix := atom ('[' ']')*
    def postfix(self, *, where: str) -> PropType:
        atom = self.atom(where=where)
        while self.peek().kind == "[":
            self.take("[")
            self.take("]")
            atom = self.array_of(atom)
        return atom

    def array_of(self, item: PropType) -> PropType:
        if item.kind == "literal":
            item = PropType("enum", values=item.values)
        if item.kind not in (*_PRIMITIVES, "enum") or item.optional:
            raise _Refused("arrays hold strings, numbers, booleans or string literals")
        return PropType("array", item=item)

    def atom(self, *, where: str) -> PropType:
        token = self.peek()
        if token.kind == _STRING:
            self.at += 1
            return PropType("literal", values=(token.text,))
        if token.kind == "(":
            if self.looks_like_function():
                if where != "prop":
                    raise _Refused("a function type cannot be nested")
                return self.function()
            self.take("(")
            inner = self.union(where="group")
            self.take(")")
            return inner
        if token.kind == _IDENT:
            return self.named(where=where)
        raise _Refused(f"unexpected {token.text or 'end'!r}")

    def looks_like_function(self) -> bool:
        following = self.peek(1)
        if following.kind == ")":
            return True
        return following.kind == _IDENT and self.peek(2).kind in (":", "?")

    def dotted(self) -> str:
        parts = [self.take(_IDENT).text]
        while self.accept("."):
            parts.append(self.take(_IDENT).text)
        return ".".join(parts)

    def named(self, *, where: str) -> PropType:
        name = self.dotted()
        if name in _PRIMITIVES:
            return PropType(name)
        if name in ("undefined", "null"):
            return PropType("absent")
        if name in _NODE_NAMES and where == "prop":
            return PropType("node")
        if name == "Array" and self.accept("<"):
            item = self.union(where="group")
            self.take(">")
            return self.array_of(item)
        if where == "param" and (name == "Event" or name.startswith("React.")):
            return self.event_type(name)
        raise _Refused(f"{name!r} is not one of the accepted type names here")

    def event_type(self, name: str) -> PropType:
        if name == "Event":
            return PropType("event", event="Event")
        event = name.removeprefix("React.")
        if not (event.endswith("Event") and event[: -len("Event")] in REACT_EVENTS):
            raise _Refused(f"{name!r} is not a React event type (React.MouseEvent, ...)")
        element = None
        if self.accept("<"):
            element = self.take(_IDENT).text
            if element not in ELEMENT_TYPES:
                raise _Refused(f"{element!r} is not a known element type (HTMLButtonElement, ...)")
            self.take(">")
        return PropType("event", event=event, element=element)

    # function := '(' [param (',' param)*] ')' '=>' return
    def function(self) -> PropType:
        self.take("(")
        params: list[Param] = []
        while self.peek().kind != ")":
            if params:
                self.take(",")
            name = self.take(_IDENT).text
            if name in JS_KEYWORDS:
                raise _Refused(f"parameter name {name!r} is a reserved word")
            if any(p.name == name for p in params):
                raise _Refused(f"parameter {name!r} appears twice")
            optional = self.accept("?")
            if params and params[-1].optional and not optional:
                raise _Refused(f"required parameter {name!r} follows an optional one")
            self.take(":")
            params.append(Param(name, self.union(where="param"), optional))
            if len(params) > MAX_PARAMS:
                raise _Refused(f"more than {MAX_PARAMS} parameters")
        self.take(")")
        self.take(_ARROW)
        returns = self.dotted()
        if returns == "Promise":
            self.take("<")
            if self.take(_IDENT).text != "void":
                raise _Refused("the only Promise return type is Promise<void>")
            self.take(">")
            returns = "Promise<void>"
        if returns not in RETURN_TYPES:
            raise _Refused(f"return type {returns!r} is not one of {', '.join(RETURN_TYPES)}")
        return PropType("function", params=tuple(params), returns=returns)


def parse_prop_type(text: str) -> PropType:
    """The model of a prop type; ValueError naming the accepted forms otherwise."""
    if len(text) > MAX_TYPE_LENGTH:
        raise ValueError(f"type is {len(text)} characters, over {MAX_TYPE_LENGTH}; {ACCEPTED}")
    if text in CANONICAL:
        return PropType(text)
    try:
        parser = _Parser(_tokens(text))
        parsed = parser.union(where="prop")
        parser.take(_END)
    except _Refused as exc:
        raise ValueError(f"type {text!r} is not supported ({exc}); {ACCEPTED}") from None
    if len(parsed.normalized()) > MAX_TYPE_LENGTH:
        raise ValueError(f"type {text!r} is too long once written out; {ACCEPTED}")
    return parsed
