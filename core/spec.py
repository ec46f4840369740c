"""The job contract: what a client may submit, over HTTP or straight onto the queue.

The tokens (core.tokens) and requirements (core.requirements) have modules of their own;
this one holds the job around them: its name and type, source and options.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from config.settings import get_settings
from core.figma_file_check import check_figma_file
from core.requirements import Requirements
from core.tokens import Tokens
from core.webhook_url import MAX_URL_CHARS, check_url

ComponentType = Literal[
    "button", "card", "input", "select", "checkbox", "radio", "switch", "tabs", "badge", "alert"
]
COMPONENT_TYPES: tuple[str, ...] = get_args(ComponentType)

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=False)

PascalName = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Za-z0-9]{0,63}$")]
IdText = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:-]{1,128}$")]


_SOURCE_KINDS: dict[str, dict[str, Any]] = {
    "figma_file_key": {"type": "string"},
    "screenshot_sha256": {"type": "string"},
    # GET /v1/files/:key's JSON: its "document" is what is read (core.figma_file_check).
    "figma_file": {
        "type": "object",
        "required": ["document"],
        "properties": {"document": {"type": "object"}},
    },
}


def _exactly_one_source(schema: dict[str, Any]) -> None:
    """The schema says what _exactly_one checks: one branch per kind, its field given
    and not null (the others may be absent or null)."""
    schema["oneOf"] = [
        {"required": [name], "properties": {name: kind}} for name, kind in _SOURCE_KINDS.items()
    ]


class Source(BaseModel):
    """Exactly one way of naming the design."""

    model_config = ConfigDict(**_STRICT, json_schema_extra=_exactly_one_source)

    figma_file_key: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,128}$")] | None = (
        None
    )
    screenshot_sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")] | None = None
    figma_file: dict[str, Any] | None = None

    @field_validator("figma_file")
    @classmethod
    def _figma_file_size(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        # A live job's body sits in Redis (and the message): bounded apart from the body.
        limit = get_settings().max_inline_figma_bytes
        if value is not None:
            check_figma_file(value)  # first: the size below needs JSON-safe, finite values
            size = len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())
            if size > limit:
                raise ValueError(
                    f"{size} bytes as JSON, over the {limit}-byte limit for an inline file "
                    "(MAX_INLINE_FIGMA_BYTES); name it by figma_file_key instead"
                )
        return value

    @model_validator(mode="after")
    def _exactly_one(self) -> Source:
        given = [
            name
            for name in ("figma_file_key", "screenshot_sha256", "figma_file")
            if getattr(self, name) is not None
        ]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of figma_file_key, screenshot_sha256, figma_file"
                + (f" (got {', '.join(given)})" if given else "")
            )
        return self


class CacheMode(StrEnum):
    DEFAULT = "default"
    NO_CACHE = "no-cache"  # skip the lookup, still store
    NO_STORE = "no-store"  # look up, never store


class Options(BaseModel):
    model_config = _STRICT

    provider: Literal["template", "openai"] = "template"
    model: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:/-]{1,100}$")] | None = None
    cache: CacheMode = CacheMode.DEFAULT
    refused_code: Literal["template", "fail"] | None = None
    """When the model's code is refused (code policy or sandboxed render): ship the
    template's code ("template") or fail the job with the findings ("fail"); unset: the
    deployment's CODE_FALLBACK."""
    webhook_url: Annotated[str, StringConstraints(max_length=MAX_URL_CHARS)] | None = None
    """POSTed the job's status document when it ends (README: Webhooks): https on a host
    the tenant allowed (checked where the tenant is known: api.tenant_limits)."""

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url_form(cls, value: str | None) -> str | None:
        if value is not None:
            check_url(value, allow_http=get_settings().webhook_allow_http)
        return value


def _type_given_or_exported(schema: dict[str, Any]) -> None:
    """component_type may be left to a RequirementsExport's componentType."""
    schema["required"] = [n for n in schema.get("required", []) if n != "component_type"]
    schema["anyOf"] = [
        {"required": ["component_type"]},
        {"required": ["requirements"],
         "properties": {"requirements": {"type": "object", "required": ["componentType"]}}},
    ]  # fmt: skip


class JobSpec(BaseModel):
    """A generation job as submitted (POST /v1/generations body, or queue kwargs)."""

    model_config = ConfigDict(**_STRICT, json_schema_extra=_type_given_or_exported)

    component_name: PascalName
    component_type: ComponentType
    source: Source
    tokens: Tokens | None = None
    requirements: Requirements | None = None
    options: Options = Field(default_factory=Options)
    tenant_id: IdText | None = None
    session_id: IdText | None = None

    @model_validator(mode="before")
    @classmethod
    def _exported_component_type(cls, data: Any) -> Any:
        """A RequirementsExport names the type too ("Button"): it fills a missing
        component_type and must agree with a given one."""
        exported = _export_component_type(data)
        if exported is None:
            return data
        given = data.get("component_type")
        if given is None:
            return {**data, "component_type": exported}
        if given != exported:
            raise ValueError(
                f"component_type {given!r} and requirements.componentType "
                f"{data['requirements']['componentType']!r} disagree; give one, or the same"
            )
        return data

    @model_validator(mode="after")
    def _tokens_need_a_file(self) -> JobSpec:
        if self.tokens is None and self.source.screenshot_sha256 is not None:
            raise ValueError(
                "tokens: required when the source is a screenshot; with a Figma file "
                "(figma_file_key or figma_file) they are extracted from it"
            )
        return self


def _export_component_type(data: Any) -> str | None:
    if not isinstance(data, dict) or not isinstance(data.get("requirements"), dict):
        return None
    exported = data["requirements"].get("componentType")
    if exported is None:
        return None
    if not isinstance(exported, str) or exported.lower() not in COMPONENT_TYPES:
        raise ValueError(
            f"requirements.componentType {exported!r} is not a known component type; "
            f"use one of {', '.join(t.title() for t in COMPONENT_TYPES)}"
        )
    return exported.lower()
