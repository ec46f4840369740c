"""core.access: the key format and its prefix, the hash compare, roles, and what a
caller sees."""

from __future__ import annotations

import pytest

from core.access import (
    KEY_PATTERN,
    Principal,
    Role,
    hash_key,
    key_matches,
    key_prefix,
    new_key,
    valid_tenant,
)


def test_a_new_key_is_well_formed_and_stored_only_as_its_hash() -> None:
    # When a key is made
    made = new_key()
    # Then it is cf_<8>_<43>, its prefix is its visible id, and the hash is of the whole key
    match = KEY_PATTERN.fullmatch(made.key)
    assert match is not None, made.key
    assert match.group(1) == made.prefix and len(made.prefix) == 8
    assert made.key_hash == hash_key(made.key) and len(made.key_hash) == 64
    assert made.key not in made.key_hash


def test_keys_are_not_repeated() -> None:
    made = [new_key() for _ in range(200)]
    assert len({m.key for m in made}) == 200
    assert len({m.prefix for m in made}) == 200  # 36^8 prefixes


def test_the_prefix_of_a_key() -> None:
    made = new_key()
    assert key_prefix(made.key) == made.prefix


@pytest.mark.parametrize(
    "presented",
    [
        "",
        "cf_abcd1234",  # a prefix alone
        "cf_ABCD1234_" + "a" * 43,  # upper-case prefix
        "cf_abcd1234_" + "a" * 42,  # secret too short
        "cf_abcd1234_" + "a" * 44,  # too long
        "cf_abcd1234_" + "a" * 42 + "!",  # not url-safe base64
        "xx_abcd1234_" + "a" * 43,
        " cf_abcd1234_" + "a" * 43,  # not trimmed for the caller
    ],
)
def test_anything_else_has_no_prefix(presented: str) -> None:
    assert key_prefix(presented) is None


def test_a_key_matches_its_own_hash_only() -> None:
    made, other = new_key(), new_key()
    assert key_matches(made.key, made.key_hash)
    assert not key_matches(other.key, made.key_hash)
    assert not key_matches(made.key[:-1] + ("A" if made.key[-1] != "A" else "B"), made.key_hash)


@pytest.mark.parametrize(
    ("role", "needed", "allowed"),
    [
        (Role.READ, Role.READ, True),
        (Role.READ, Role.SUBMIT, False),
        (Role.READ, Role.ADMIN, False),
        (Role.SUBMIT, Role.READ, True),
        (Role.SUBMIT, Role.SUBMIT, True),
        (Role.SUBMIT, Role.ADMIN, False),
        (Role.ADMIN, Role.READ, True),
        (Role.ADMIN, Role.SUBMIT, True),
        (Role.ADMIN, Role.ADMIN, True),
    ],
)
def test_roles_are_ordered_read_submit_admin(role: Role, needed: Role, allowed: bool) -> None:
    assert role.allows(needed) is allowed


def test_a_tenant_sees_only_its_own() -> None:
    caller = Principal(tenant_id="acme", role=Role.SUBMIT, key_prefix="abcd1234")
    assert caller.sees("acme")
    assert not caller.sees("globex")
    assert not caller.sees(None)  # a job of no tenant is nobody's to read
    assert caller.scope == "acme"


def test_a_reader_is_scoped_like_a_submitter() -> None:
    caller = Principal(tenant_id="acme", role=Role.READ, key_prefix="abcd1234")
    assert caller.sees("acme") and not caller.sees("globex")
    assert caller.scope == "acme"


def test_an_admin_sees_every_tenant() -> None:
    admin = Principal(tenant_id="ops", role=Role.ADMIN, key_prefix="abcd1234")
    assert admin.sees("acme") and admin.sees("ops") and admin.sees(None)
    assert admin.scope is None


@pytest.mark.parametrize(
    ("tenant", "valid"),
    [
        ("acme", True),
        ("a", True),
        ("tenant-a_2", True),
        ("a" * 63, True),
        ("a" * 64, False),
        ("", False),
        ("Acme", False),  # one spelling per tenant
        ("-acme", False),
        ("acme corp", False),
        ("../acme", False),
    ],
)
def test_tenant_ids(tenant: str, valid: bool) -> None:
    assert valid_tenant(tenant) is valid
