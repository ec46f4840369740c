"""L3's pure rules: what a tokens hash depends on, usage members, stored values, and when
the pre-compute styles an entry again."""

from __future__ import annotations

from core.tokens import Tokens
from workers.storage import pattern_cache
from workers.storage.pattern_precompute import is_due

TOKENS = Tokens(colors={"primary": "#0055ff"}, spacing={"md": "8px"})


def test_the_tokens_hash_names_tenant_tokens_and_generator() -> None:
    base = pattern_cache.tokens_hash("tenant-a", TOKENS, "gen-1")
    assert len(base) == 32 and int(base, 16) >= 0
    # Equal inputs, however built, give the same hash
    same = Tokens(spacing={"md": "8px"}, colors={"primary": "#0055ff"})
    assert pattern_cache.tokens_hash("tenant-a", same, "gen-1") == base
    # Any of the three changing gives another
    other_tokens = Tokens(colors={"primary": "#0055fe"}, spacing={"md": "8px"})
    assert pattern_cache.tokens_hash("tenant-b", TOKENS, "gen-1") != base
    assert pattern_cache.tokens_hash("tenant-a", other_tokens, "gen-1") != base
    assert pattern_cache.tokens_hash("tenant-a", TOKENS, "gen-2") != base


def test_a_usage_member_parses_back_even_with_a_colon_in_the_pattern_id() -> None:
    for pattern_id in ("button-primary", "ns:card"):
        member = pattern_cache.usage_member(pattern_id, "ab12")
        assert pattern_cache.parse_usage_member(member) == (pattern_id, "ab12")


def test_only_a_json_object_decodes() -> None:
    assert pattern_cache.decode('{"pattern_id": "x"}') == {"pattern_id": "x"}
    for raw in (None, "", "{broken", "[1]", '"text"', "3"):
        assert pattern_cache.decode(raw) is None


def test_an_entry_is_due_when_gone_or_in_its_last_tenth() -> None:
    assert is_due(-2, ttl_s=3600)  # no entry
    assert not is_due(-1, ttl_s=3600)  # an entry without expiry never expires
    assert is_due(359_999, ttl_s=3600)
    assert not is_due(360_000, ttl_s=3600)
    assert not is_due(3_600_000, ttl_s=3600)
