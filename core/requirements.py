"""Component requirements as a job may give them: props, events, states, accessibility,
grouped, or as ComponentForge's RequirementsExport (converted to the grouped shape).

Names become identifiers in generated TSX, so each is checked in full here, and so are
the names generated code derives from them; types are parsed by core.prop_types.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from core.prop_types import CANONICAL, JS_KEYWORDS, parse_prop_type

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=False)

PROP_TYPES = CANONICAL

# Object.prototype's members: as prop names they collide with what every object has.
OBJECT_PROTOTYPE = frozenset(
    (
        "constructor",
        "toString",
        "valueOf",
        "hasOwnProperty",
        "isPrototypeOf",
        "propertyIsEnumerable",
        "toLocaleString",
        "__proto__",
        "__defineGetter__",
        "__defineSetter__",
        "__lookupGetter__",
        "__lookupSetter__",
    )
)
# Words that cannot be a destructured binding or a JSX attribute in generated code.
# `children` is allowed: it is the component's content.
JS_RESERVED = JS_KEYWORDS | OBJECT_PROTOTYPE | {"key", "ref"}

# Names the generated code declares itself; a prop, event or state may not become one.
GENERATED_NAMES = frozenset(
    (
        "React", "tokenStyle", "styles", "css", "handleClick", "handleChange",
        "handleKeyDown", "handleDismiss", "activate", "titleId", "fieldId", "helperId",
        "groupName", "baseId", "tabItems", "current", "setCurrent", "select", "chosen",
        "setChosen", "on", "setOn", "next", "visible", "setVisible", "event", "index", "tab",
        "meta", "Story", "descriptionId",
        # Locals of the type templates and the globals they read.
        "shownTab", "setShownTab", "selectTab", "focusTab", "arrowStep", "nextTab",
        "chosenValue", "setChosenValue", "isOn", "setIsOn", "nextOn", "isShown", "setIsShown",
        "Math", "document",
    )
)  # fmt: skip

# Interaction states styled with CSS, not passed as props.
PSEUDO_STATES = frozenset(("hover", "focus", "focus-visible", "focusVisible", "active"))


def pascal(text: str) -> str:
    """A PascalCase identifier from free text ("focus-visible" -> "FocusVisible")."""
    words = re.findall(r"[A-Za-z0-9]+", text)
    joined = "".join(w[:1].upper() + w[1:] for w in words)
    if not joined or not joined[0].isalpha():
        joined = "X" + joined
    return joined


def camel(text: str) -> str:
    joined = pascal(text)
    return joined[:1].lower() + joined[1:]


def event_name(raw: str) -> str:
    """The handler prop of an event: "click" -> onClick, "onClose" stays."""
    return raw if re.match(r"^on[A-Z]", raw) else "on" + pascal(raw)


def state_name(raw: str) -> str | None:
    """The prop a state becomes (None: a CSS pseudo-state, no prop)."""
    if raw in PSEUDO_STATES:
        return None
    name = camel(raw)
    return "is" + pascal(raw) if name in JS_RESERVED else name


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
        # Checked here (errors name the field); _normalize stores the normalized form.
        if value is not None:
            parse_prop_type(value)
        return value

    @model_validator(mode="after")
    def _normalize(self) -> RequirementItem:
        optional = False
        if self.name.endswith("?"):
            self.name, optional = self.name[:-1], True
        if self.type is not None:
            parsed = parse_prop_type(self.type)
            optional = optional or parsed.optional
            if parsed.kind == "enum" and parsed.values:
                if self.values is not None and tuple(self.values) != parsed.values:
                    raise ValueError(
                        f"values {self.values!r} differ from the literals of type "
                        f"{self.type!r}; give the literals in one place"
                    )
                self.values = list(parsed.values)
            # Equivalent spellings are stored alike: the L1 cache key is over the spec.
            self.type = parsed.normalized()
        if optional:
            if self.required:
                raise ValueError(
                    f"required: true, but name or type of {self.name!r} marks it optional "
                    "(name? or | undefined); drop one of them"
                )
            self.required = False
        return self


_IDENT = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
_STATE = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")
_A11Y = re.compile(r"[A-Za-z][A-Za-z0-9 _:=.-]{0,99}")


def _check_names(items: list[RequirementItem], pattern: re.Pattern[str], what: str) -> None:
    seen: set[str] = set()
    for index, item in enumerate(items):
        if not pattern.fullmatch(item.name):
            raise ValueError(f"item {index}: name {item.name!r} is not a valid {what}")
        if pattern is _IDENT and item.name in JS_RESERVED:
            raise ValueError(f"item {index}: name {item.name!r} is a reserved word in TSX")
        if item.name in seen:
            raise ValueError(f"item {index}: name {item.name!r} appears twice")
        seen.add(item.name)


class Proposal(BaseModel):
    """One item of ComponentForge's RequirementsExport (its RequirementProposal)."""

    model_config = _STRICT

    id: str = Field(max_length=200)
    category: Literal["props", "events", "states", "accessibility"]
    name: str = Field(max_length=100)
    type: str | None = Field(None, max_length=300)
    values: list[str] | None = Field(None, max_length=50)
    required: bool | None = None
    description: str | None = Field(None, max_length=500)
    confidence: float = Field(ge=0.0, le=1.0)
    rationale: str = Field(max_length=2000)
    approved: bool = False
    edited: bool = False

    def item(self) -> dict[str, Any]:
        fields = ("name", "type", "values", "required", "description")
        return {k: getattr(self, k) for k in fields if getattr(self, k) is not None}


class ExportMetadata(BaseModel):
    model_config = _STRICT

    extractedAt: str | None = Field(None, max_length=100)
    approvedAt: str | None = Field(None, max_length=100)
    source: Literal["screenshot", "figma"] | None = None


class RequirementsExport(BaseModel):
    """ComponentForge's RequirementsExport: proposals tagged with a category."""

    model_config = _STRICT

    componentType: str | None = Field(None, max_length=50)
    confidence: float | None = Field(None, ge=0.0, le=1.0)
    requirements: list[Proposal] = Field(max_length=200)
    metadata: ExportMetadata | None = None


_PROPOSALS = TypeAdapter(list[Proposal])


def is_export(data: object) -> bool:
    """A RequirementsExport object or a bare list of proposals (not the grouped shape)."""
    return isinstance(data, list) or (isinstance(data, dict) and "requirements" in data)


def grouped_from_export(data: object) -> dict[str, list[dict[str, Any]]]:
    """The grouped shape from an export: approved proposals only; the rest are dropped."""
    try:
        if isinstance(data, list):
            proposals = _PROPOSALS.validate_python(data)
        else:
            proposals = RequirementsExport.model_validate(data).requirements
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'export'}: {e['msg']}" for e in exc.errors()
        )
        raise ValueError(f"not a valid RequirementsExport ({problems})") from None
    grouped: dict[str, list[dict[str, Any]]] = {c: [] for c in _CATEGORIES}
    for proposal in proposals:
        if proposal.approved:
            grouped[proposal.category].append(proposal.item())
    return grouped


_CATEGORIES = ("props", "events", "states", "accessibility")


class Requirements(BaseModel):
    """Grouped requirements. A RequirementsExport given instead is converted first."""

    model_config = _STRICT

    props: list[RequirementItem] = Field(default_factory=list, max_length=50)
    events: list[RequirementItem] = Field(default_factory=list, max_length=50)
    states: list[RequirementItem] = Field(default_factory=list, max_length=50)
    accessibility: list[RequirementItem] = Field(default_factory=list, max_length=50)

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """The grouped shape, and the RequirementsExport shapes it accepts too."""
        grouped = handler.resolve_ref_schema(handler(schema))
        export = handler(RequirementsExport.__pydantic_core_schema__)
        proposals = handler(_PROPOSALS.core_schema)
        return {"anyOf": [dict(grouped), export, proposals], "title": "Requirements"}

    @model_validator(mode="before")
    @classmethod
    def _from_export(cls, data: Any) -> Any:
        return grouped_from_export(data) if is_export(data) else data

    @field_validator("props", "events")
    @classmethod
    def _identifiers(cls, items: list[RequirementItem]) -> list[RequirementItem]:
        _check_names(items, _IDENT, "identifier (letter, then letters, digits or _)")
        return items

    @field_validator("events")
    @classmethod
    def _callbacks(cls, items: list[RequirementItem]) -> list[RequirementItem]:
        for index, item in enumerate(items):
            if item.type is not None and not _is_callback(item):
                raise ValueError(
                    f"item {index}: event {item.name!r} has type {item.type!r}; an event's "
                    "type is a function type, e.g. (event: React.MouseEvent) => void"
                )
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

    @model_validator(mode="after")
    def _generated_names_do_not_collide(self) -> Requirements:
        """Every name the generated code declares for a requirement is its own, so the
        code compiles; where two requirements mean the same prop they are merged."""
        owners: dict[str, tuple[str, RequirementItem | None]] = {}
        for item in self.props:
            owners[item.name] = (f"prop {item.name!r}", item)
        for item in self.events:
            name = event_name(item.name)
            label, other = owners.get(name, ("", None))
            if label.startswith("prop") and other is not None:
                _check_callback_pair(other, item, name)
            elif not label:
                owners[name] = (f"event {item.name!r}", item)
        if any(item.name.strip() == "aria-label" for item in self.accessibility):
            label, other = owners.get("ariaLabel", ("", None))
            if label and (other is None or other.type not in (None, "string")):
                raise ValueError(
                    f"{label} is what accessibility 'aria-label' generates (a string prop "
                    "ariaLabel); generated names cannot collide: rename it"
                )
            owners.setdefault("ariaLabel", ("accessibility 'aria-label'", None))
        for item in self.states:
            name = state_name(item.name)
            if name is None:
                continue
            label, other = owners.get(name, ("", None))
            if label and not _state_merges(item, label, other):
                raise ValueError(
                    f"state {item.name!r} becomes {name!r}, which {label} already names; "
                    "generated names cannot collide: rename one of them"
                )
            owners.setdefault(name, (f"state {item.name!r}", item))
        clashes = sorted(set(owners) & GENERATED_NAMES)
        if clashes:
            raise ValueError(
                f"{', '.join(owners[c][0] for c in clashes)}: the generated code declares "
                f"{', '.join(clashes)} itself; rename them"
            )
        return self


def _is_callback(item: RequirementItem) -> bool:
    return item.type is not None and (item.type == "function" or item.type.startswith("("))


def _check_callback_pair(prop: RequirementItem, event: RequirementItem, name: str) -> None:
    """A prop and an event of the same handler name are one callback, if they agree."""
    if prop.type is not None and not _is_callback(prop):
        raise ValueError(
            f"event {event.name!r} becomes {name!r}, which prop {prop.name!r} names with type "
            f"{prop.type!r}; give the prop a function type or rename one of them"
        )
    if prop.type is not None and event.type is not None and prop.type != event.type:
        raise ValueError(
            f"prop and event {name!r} give different signatures ({prop.type!r} and "
            f"{event.type!r}); give one"
        )


def _state_merges(state: RequirementItem, label: str, other: RequirementItem | None) -> bool:
    """A state merges into a prop (or state) of its name that can carry it."""
    if other is None or label.startswith("event"):
        return False
    if state.type in (None, "boolean"):
        return other.type in (None, "boolean") or label.startswith("prop")
    return other.type == state.type
