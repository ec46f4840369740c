"""A tenant's ended jobs keep their state in Redis up to ENDED_JOBS_KEPT_PER_TENANT: past
it the oldest go, so no rate of one tenant's jobs fills the job Redis for the others."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis

from config.settings import get_settings
from core.keys import events_key, job_key, tenant_ended_key
from core.state import JobStatus, new_job
from tests.helpers import make_job
from workers.storage import job_state

pytestmark = pytest.mark.integration

KEPT = 100


@pytest.fixture
def kept(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    monkeypatch.setenv("ENDED_JOBS_KEPT_PER_TENANT", str(KEPT))
    get_settings.cache_clear()
    yield KEPT
    get_settings.cache_clear()


def _ended(client: redis.Redis, tenant: str, **options: str) -> str:
    job_id = uuid.uuid4().hex
    spec = make_job(tenant_id=tenant, options=options)
    job_state.create(client, new_job(job_id, spec), ttl_s=600)
    job_state.finish(client, job_id, status=JobStatus.SUCCEEDED, ttl_s=600)
    return job_id


def test_a_tenant_past_its_share_loses_its_oldest_ended_states_only(
    redis_db: redis.Redis, kept: int
) -> None:
    noisy, quiet = f"noisy-{uuid.uuid4().hex[:6]}", f"quiet-{uuid.uuid4().hex[:6]}"
    quiet_job = _ended(redis_db, quiet)
    # Given a tenant whose oldest ended job has a webhook still to deliver
    with_webhook = _ended(redis_db, noisy, webhook_url="https://example.com/hook")
    # When it ends its share and 5 more
    jobs = [_ended(redis_db, noisy) for _ in range(kept + 5)]
    # Then its 5 oldest without a webhook are gone, hash and events; the rest stay (the
    # one with a webhook was popped from the index first, and kept)
    for job_id in jobs[:5]:
        assert not redis_db.exists(job_key(job_id), events_key(job_id)), job_id
    for job_id in jobs[5:]:
        assert redis_db.hget(job_key(job_id), "status") == JobStatus.SUCCEEDED
    assert redis_db.zcard(tenant_ended_key(noisy)) == kept
    # The job whose delivery reads its hash keeps it; another tenant's jobs are untouched
    assert redis_db.exists(job_key(with_webhook))
    assert redis_db.hget(job_key(quiet_job), "status") == JobStatus.SUCCEEDED
