"""Settings: every field documented, derived values and start-up checks."""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from config.settings import Settings
from tests.helpers import ROOT

README = ROOT / "README.md"


def test_every_setting_is_in_the_readme_table() -> None:
    documented = set(re.findall(r"^\| `([A-Z0-9_]+)` \|", README.read_text(), re.MULTILINE))
    fields = {name.upper() for name in Settings.model_fields}
    assert fields - documented == set(), "settings missing from the README table"
    assert documented - fields == set(), "README documents settings that do not exist"


def test_broker_defaults_to_redis_url() -> None:
    settings = Settings(redis_url="redis://cache.example:6379/2", broker_url="")
    assert settings.broker_url == "redis://cache.example:6379/2"
    assert settings.broker_is_redis


def test_rabbitmq_broker_is_not_redis() -> None:
    settings = Settings(broker_url="amqp://guest:guest@127.0.0.1:5672//")
    assert not settings.broker_is_redis


def test_visibility_timeout_follows_hard_limit() -> None:
    settings = Settings(task_soft_time_limit_s=10, task_time_limit_s=20)
    assert settings.broker_visibility_timeout_s == 50


def test_soft_limit_must_be_below_hard_limit() -> None:
    with pytest.raises(ValidationError, match="TASK_SOFT_TIME_LIMIT_S"):
        Settings(task_soft_time_limit_s=30, task_time_limit_s=30)


def test_settings_come_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("S3_BUCKET", "from-env")
    monkeypatch.setenv("MAX_WAIT_S", "5")
    settings = Settings()
    assert settings.s3_bucket == "from-env"
    assert settings.max_wait_s == 5
