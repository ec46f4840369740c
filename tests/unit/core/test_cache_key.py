"""L1 cache keys: canonical, and sensitive to exactly what shapes the output."""

from __future__ import annotations

from typing import Any

import pytest

from core.cache_key import cache_key, normalize_key
from core.canonical import canonical_json
from core.spec import JobSpec
from workers.chain import GENERATOR_VERSION


def make_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "component_name": "PrimaryButton",
        "component_type": "button",
        "source": {"figma_file_key": "abc123"},
        "tokens": {"colors": {"primary": "#0055ff"}, "spacing": {"md": "12px"}},
        "requirements": {"props": [{"name": "label", "type": "string"}]},
    }
    body.update(overrides)
    return body


def key_of(body: dict[str, Any], *, version: str = "7") -> str:
    """`version`: the Figma file's, for a figma_file_key source (ignored otherwise)."""
    spec = JobSpec.model_validate(body)
    return cache_key(spec, generator_version=GENERATOR_VERSION, source_version=version)


def test_key_shape() -> None:
    key = key_of(make_body())
    assert key.startswith("exact:") and len(key) == len("exact:") + 64
    assert normalize_key(key) == key
    assert normalize_key(key.removeprefix("exact:")) == key
    assert normalize_key("exact:xyz") is None


def test_key_ignores_order_and_whitespace() -> None:
    body = make_body()
    reordered = dict(reversed(list(body.items())))
    reordered["tokens"] = {"spacing": {"md": "12px"}, "colors": {"primary": "#0055ff"}}
    assert key_of(body) == key_of(reordered)


def test_key_ignores_cache_mode() -> None:
    plain = key_of(make_body())
    assert key_of(make_body(options={"cache": "no-store"})) == plain


def test_each_tenant_has_its_own_key_unless_l1_is_global() -> None:
    acme, other = (
        JobSpec.model_validate(make_body(tenant_id="acme")),
        JobSpec.model_validate(make_body(tenant_id="other")),
    )
    assert cache_key(acme, generator_version="v", source_version="1") != cache_key(
        other, generator_version="v", source_version="1"
    )
    assert cache_key(acme, generator_version="v", per_tenant=False, source_version="1") == (
        cache_key(other, generator_version="v", per_tenant=False, source_version="1")
    )


def test_key_changes_with_each_input() -> None:
    plain = key_of(make_body())
    changed = [
        make_body(source={"figma_file_key": "other"}),
        make_body(source={"screenshot_sha256": "a" * 64}),
        make_body(tokens={"colors": {"primary": "#0055fe"}}),
        make_body(requirements={"props": [{"name": "label", "type": "number"}]}),
        make_body(component_name="SecondaryButton"),
        make_body(component_type="badge"),
        make_body(options={"model": "gpt-x"}),
    ]
    keys = {key_of(body) for body in changed}
    assert plain not in keys
    assert len(keys) == len(changed)


def test_a_figma_file_key_is_keyed_by_its_version() -> None:
    body = make_body(tokens=None)  # tokens extracted from the file: its version matters
    assert key_of(body, version="7") == key_of(body, version="7")
    assert key_of(body, version="7") != key_of(body, version="8")
    # lastModified stands in for a version when Figma gives none
    assert key_of(body, version="2026-10-01T12:00:00Z") != key_of(body, version="7")


def test_a_figma_file_key_without_its_version_has_no_key() -> None:
    spec = JobSpec.model_validate(make_body(tokens=None))
    with pytest.raises(ValueError, match="version"):
        cache_key(spec, generator_version=GENERATOR_VERSION)


def test_a_job_giving_its_tokens_is_keyed_by_the_file_alone() -> None:
    # Its file is never read, so an edit cannot change its result: no version needed.
    body = make_body()
    assert key_of(body, version="7") == key_of(body, version="8")
    spec = JobSpec.model_validate(body)
    assert cache_key(spec, generator_version=GENERATOR_VERSION) == key_of(body)


def test_other_sources_ignore_a_version() -> None:
    for source in ({"figma_file": {"document": {"id": "0:0"}}}, {"screenshot_sha256": "a" * 64}):
        body = make_body(source=source)
        assert key_of(body, version="7") == key_of(body, version="8")
        spec = JobSpec.model_validate(body)
        assert cache_key(spec, generator_version=GENERATOR_VERSION) == key_of(body)


def test_inline_figma_file_is_hashed_not_embedded() -> None:
    small = key_of(make_body(source={"figma_file": {"document": {"id": "0:0"}}}))
    other = key_of(make_body(source={"figma_file": {"document": {"id": "0:1"}}}))
    assert small != other


def test_canonical_json_is_compact_and_sorted() -> None:
    assert canonical_json({"b": 1, "a": [1, {"d": 2, "c": 3}]}) == b'{"a":[1,{"c":3,"d":2}],"b":1}'
