"""The L2 semantic cache's storage: nearest live entry within a scope, on a real pgvector.

The session's Postgres is used when it has pgvector; otherwise (the system PostgreSQL
15 here) these tests start an embedded pgserver (PG16 + pgvector) of their own. The
migration's no-pgvector path runs on the session's server when that one lacks it.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, text

from devstack.ports import free_port
from devstack.services import local_services
from tests.conftest import Services
from tests.helpers import ROOT, own_database
from workers.storage import semantic_cache
from workers.storage.models import Base
from workers.storage.semantic_cache import (
    Neighbour,
    Scope,
    SemanticEntry,
    available,
    nearest,
    purge_expired,
    store,
    vector_literal,
)

pytestmark = pytest.mark.integration

DIMENSIONS = 256
SCOPE = {
    "tenant": "tenant-a",
    "component_type": "button",
    "generator": "template:-:7",
    "embedder": "local-hash-v1-256",
}


def has_pgvector(database_url: str) -> bool:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            found = conn.execute(
                text("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")
            ).first()
        return found is not None
    finally:
        engine.dispose()


def alembic(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "alembic", *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
        check=True,
        capture_output=True,
        text=True,
    )


@pytest.fixture(scope="module")
def pgvector_url(services: Services) -> Iterator[str]:
    """A migrated database on a server with pgvector: the session's, else an embedded one."""
    with ExitStack() as stack:
        server_url = services.env["DATABASE_URL"]
        if not has_pgvector(server_url):
            workdir = Path(tempfile.mkdtemp(prefix="cf-pgvector-"))
            # Only DATABASE_URL is missing, so only Postgres starts.
            env = {var: services.env[var] for var in ("REDIS_URL", "S3_ENDPOINT_URL")}
            started = stack.enter_context(local_services(workdir, env=env))
            server_url = started["DATABASE_URL"]
        url = stack.enter_context(own_database(server_url, "cf_semantic"))
        alembic(url, "upgrade", "head")
        yield url


@pytest.fixture(scope="module")
def pg(pgvector_url: str) -> Iterator[Engine]:
    engine = create_engine(pgvector_url)
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True)
def _empty_cache(request: pytest.FixtureRequest) -> None:
    if "pg" in request.fixturenames:
        with request.getfixturevalue("pg").begin() as conn:
            conn.execute(text("TRUNCATE semantic_cache"))


def unit(*weights: float) -> list[float]:
    """A unit vector whose first components are `weights` (the rest 0)."""
    norm = math.sqrt(sum(w * w for w in weights))
    return [w / norm for w in weights] + [0.0] * (DIMENSIONS - len(weights))


def make_entry(job_id: str = "job-1", **overrides: object) -> SemanticEntry:
    fields: dict[str, object] = {
        "source_job_id": job_id,
        "component_id": f"cmp-{job_id}",
        "component_name": "PrimaryButton",
        "pattern_id": "button-basic",
        "requirements": {"props": [{"name": "label", "type": "string"}]},
        "token_names": ["--cf-color-primary", "--cf-radius-md"],
        "component_tsx": "export const PrimaryButton = () => null;\n",
        "stories_tsx": "export default { title: 'PrimaryButton' };\n",
        "typescript": {"ok": True, "errors": 0},
        "provider": "openai",
        "model": "gpt-4o-mini",
        "cost_usd": 0.001234,
    }
    return SemanticEntry(**(fields | overrides))  # type: ignore[arg-type]


def put(engine: Engine, vector: list[float], entry: SemanticEntry, **scope: str) -> None:
    store(engine, Scope(**(SCOPE | scope)), vector=vector, entry=entry, ttl_s=3600)


def look(engine: Engine, vector: list[float]) -> Neighbour | None:
    return nearest(engine, Scope(**SCOPE), vector=vector)


def test_the_same_vector_finds_its_entry_at_similarity_one(pg: Engine) -> None:
    entry = make_entry()
    put(pg, unit(1, 2, 3), entry)

    found = look(pg, unit(1, 2, 3))

    assert found is not None
    assert found.entry == entry
    assert found.similarity == pytest.approx(1.0, abs=1e-6)


def test_the_nearer_of_two_is_returned(pg: Engine) -> None:
    put(pg, unit(1, 0), make_entry("far"))
    put(pg, unit(1, 1), make_entry("near"))

    found = look(pg, unit(1, 0.9))

    assert found is not None
    assert found.entry.source_job_id == "near"
    expected = sum(a * b for a, b in zip(unit(1, 1), unit(1, 0.9), strict=True))
    assert found.similarity == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("other", ["tenant", "component_type", "generator", "embedder"])
def test_an_entry_outside_the_scope_is_never_returned_even_if_closer(
    pg: Engine, other: str
) -> None:
    # Given the exact vector stored in another scope, and a far one in ours
    put(pg, unit(1), make_entry("elsewhere"), **{other: "something-else"})
    put(pg, unit(0, 1), make_entry("ours"))

    found = look(pg, unit(1))

    assert found is not None
    assert found.entry.source_job_id == "ours"
    assert found.similarity == pytest.approx(0.0, abs=1e-6)


def test_a_scope_with_no_entries_finds_none(pg: Engine) -> None:
    put(pg, unit(1), make_entry(), tenant="tenant-b")

    assert look(pg, unit(1)) is None


def expire(engine: Engine, job_id: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE semantic_cache SET expires_at = now() - interval '1 second' "
                "WHERE source_job_id = :job"
            ),
            {"job": job_id},
        )


def count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM semantic_cache")).scalar_one())


def test_expired_entries_are_not_returned_and_purge_deletes_them(pg: Engine) -> None:
    put(pg, unit(1), make_entry("expired"))
    put(pg, unit(0, 1), make_entry("live"))
    expire(pg, "expired")

    found = look(pg, unit(1))
    assert found is not None and found.entry.source_job_id == "live"

    assert purge_expired(pg) == 1
    assert count(pg) == 1


def test_purge_deletes_at_most_its_limit(pg: Engine) -> None:
    for job in ("a", "b", "c"):
        put(pg, unit(1), make_entry(job))
        expire(pg, job)

    assert purge_expired(pg, limit=2) == 2
    assert purge_expired(pg, limit=2) == 1
    assert count(pg) == 0


def test_store_never_changes_another_tenants_entry(pg: Engine) -> None:
    put(pg, unit(1), make_entry("theirs"), tenant="tenant-b")
    put(pg, unit(1), make_entry("ours"))

    theirs = nearest(pg, Scope(**(SCOPE | {"tenant": "tenant-b"})), vector=unit(1))
    assert theirs is not None and theirs.entry.source_job_id == "theirs"
    assert count(pg) == 2


ROWS = 3000


def fill_with_random_entries(engine: Engine, *, tenants: int) -> None:
    """ROWS live entries with random vectors, spread over `tenants` tenants, all else equal."""
    with engine.begin() as conn:
        conn.execute(
            text(
                """
                INSERT INTO semantic_cache (tenant_id, component_type, generator, embedder,
                    embedding, source_job_id, component_id, component_name, pattern_id,
                    requirements, token_names, component_tsx, stories_tsx, typescript,
                    provider, expires_at)
                SELECT 'tenant-' || (n % :tenants), :component_type, :generator, :embedder,
                    (SELECT array_agg(random() - 0.5)::real[]::vector
                     FROM generate_series(1, :dimensions) WHERE n > 0),
                    'job-' || n, 'cmp', 'PrimaryButton', 'button-basic', '{}', '[]', '', '',
                    '{}', 'template', now() + interval '1 hour'
                FROM generate_series(1, :rows) AS n
                """
            ),
            {
                "tenants": tenants,
                "rows": ROWS,
                "dimensions": DIMENSIONS,
                **{k: v for k, v in SCOPE.items() if k != "tenant"},
            },
        )
        conn.execute(text("ANALYZE semantic_cache"))


def lookup_plan(engine: Engine, vector: list[float], scope: dict[str, str]) -> str:
    """EXPLAIN of the lookup as nearest() runs it (the same SQL, the same ef_search)."""
    with engine.begin() as conn:
        conn.execute(text(f"SET LOCAL hnsw.ef_search = {semantic_cache.EF_SEARCH}"))
        explain = text("EXPLAIN " + semantic_cache._NEAREST.text)
        rows = conn.execute(explain, {"vector": vector_literal(vector), **scope})
        return "\n".join(row[0] for row in rows)


def stored_vector(engine: Engine, job_id: str) -> list[float]:
    with engine.connect() as conn:
        literal = conn.execute(
            text("SELECT embedding::text FROM semantic_cache WHERE source_job_id = :job"),
            {"job": job_id},
        ).scalar_one()
    return [float(value) for value in literal.strip("[]").split(",")]


def test_the_lookup_uses_the_hnsw_index(pg: Engine) -> None:
    # Given a few thousand entries in one scope (the scope filter selects them all)
    fill_with_random_entries(pg, tenants=1)
    scope = SCOPE | {"tenant": "tenant-0"}
    vector = stored_vector(pg, "job-1234")

    plan = lookup_plan(pg, vector, scope)
    print(f"\nlookup plan, {ROWS} rows in one scope:\n{plan}")

    assert "ix_semantic_cache_embedding" in plan
    found = nearest(pg, Scope(**scope), vector=vector)
    assert found is not None and found.entry.source_job_id == "job-1234"
    assert found.similarity == pytest.approx(1.0, abs=1e-6)


def test_a_selective_scope_still_finds_the_nearest(pg: Engine) -> None:
    # Given a few thousand entries over 50 tenants: the planner may filter by the btree
    fill_with_random_entries(pg, tenants=50)
    scope = SCOPE | {"tenant": "tenant-34"}
    vector = stored_vector(pg, "job-1234")  # tenant-34's

    plan = lookup_plan(pg, vector, scope)
    print(f"\nlookup plan, {ROWS} rows over 50 tenants:\n{plan}")

    found = nearest(pg, Scope(**scope), vector=vector)
    assert found is not None and found.entry.source_job_id == "job-1234"
    assert found.similarity == pytest.approx(1.0, abs=1e-6)


def test_available_where_the_table_exists(pg: Engine) -> None:
    assert available(pg) is True


def test_available_is_false_when_postgres_does_not_answer() -> None:
    engine = create_engine(
        f"postgresql+psycopg2://postgres@127.0.0.1:{free_port()}/nothing",
        connect_args={"connect_timeout": 2},
    )
    try:
        assert available(engine) is False
    finally:
        engine.dispose()


def test_migration_0005_matches_the_model_where_pgvector_is(pgvector_url: str) -> None:
    engine = create_engine(pgvector_url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        alembic(pgvector_url, "downgrade", "0004")
        assert available_now(engine) is False
        alembic(pgvector_url, "upgrade", "head")
        assert available_now(engine) is True
    finally:
        engine.dispose()


def available_now(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(text("SELECT to_regclass('semantic_cache')")).scalar() is not None


def test_migration_0005_without_pgvector_creates_nothing_and_says_how(
    services: Services,
) -> None:
    if has_pgvector(services.env["DATABASE_URL"]):
        pytest.skip("the session's Postgres has pgvector: no server without it to try")
    with own_database(services.env["DATABASE_URL"], "cf_no_vector") as url:
        upgraded = alembic(url, "upgrade", "head")
        assert "L2 semantic cache stays off" in upgraded.stderr
        assert "alembic downgrade 0004 && alembic upgrade head" in upgraded.stderr
        engine = create_engine(url)
        try:
            assert available_now(engine) is False
            assert available(engine) is False
            with engine.connect() as conn:
                version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            # The chain goes on to head past 0005 (later revisions need no pgvector).
            newest = max(p.name[:4] for p in (ROOT / "migrations" / "versions").glob("0*.py"))
            assert version == newest
            alembic(url, "downgrade", "0004")
        finally:
            engine.dispose()
