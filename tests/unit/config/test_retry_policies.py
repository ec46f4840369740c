"""Retry policies: defaults, overrides, steps inheriting their dependency, full jitter."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from config.retry_policies import DEFAULTS, RetryPolicy, resolve
from config.settings import Settings


def test_a_step_starts_from_its_dependency_and_overrides_it() -> None:
    policies = resolve({"llm": {"attempts": 5}, "generate_code": {"backoff_cap_s": 20}})
    assert policies["llm"].attempts == 5
    assert policies["propose_requirements"] == policies["llm"]
    assert policies["generate_code"].attempts == 5
    assert policies["generate_code"].backoff_cap_s == 20
    assert policies["extract_tokens"] == policies["figma"] == DEFAULTS["figma"]


def test_unknown_names_and_fields_are_refused_saying_which() -> None:
    with pytest.raises(ValueError, match=r"names \['lm'\]; known names: figma"):
        resolve({"lm": {"attempts": 2}})
    with pytest.raises(ValueError, match="RETRY_POLICIES llm: atempts: Extra inputs"):
        resolve({"llm": {"atempts": 2}})
    with pytest.raises(ValueError, match="RETRY_POLICIES s3: retry_on"):
        resolve({"s3": {"retry_on": ["sometimes"]}})


def test_settings_read_the_json_and_check_deliveries_against_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RETRY_POLICIES", '{"task": {"attempts": 3}, "s3": {"retry_on": []}}')
    settings = Settings()
    assert settings.retry_policy("task").attempts == 3
    assert settings.retry_policy("s3").retry_on == ()
    with pytest.raises(ValidationError, match="JOB_MAX_DELIVERIES must exceed"):
        Settings(job_max_deliveries=3)


def test_full_jitter_stays_under_the_capped_exponential() -> None:
    policy = RetryPolicy(attempts=10, backoff_base_s=0.5, backoff_cap_s=4)
    for retries, ceiling in ((0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (8, 4.0)):
        delays = [policy.delay_s(retries) for _ in range(200)]
        assert all(0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling / 2  # spread over the range, not a fixed step


def test_retry_after_is_a_floor() -> None:
    policy = RetryPolicy(attempts=3, backoff_base_s=0.1, backoff_cap_s=0.2)
    assert all(policy.delay_s(0, retry_after_s=3) == 3 for _ in range(20))
