"""Embedded servers: up when asked for, real, and gone afterwards."""

from __future__ import annotations

import uuid
from pathlib import Path

import boto3
import psutil
import pytest
import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from devstack.ports import port_answers
from devstack.services import local_services

pytestmark = pytest.mark.integration


def test_embedded_services_answer_and_stop(tmp_path: Path) -> None:
    # Given no service URLs at all
    with local_services(tmp_path / "stack", env={}, log=lambda _: None) as env:
        # Then each embedded server answers on a port or socket of its own
        redis_port = make_url(env["REDIS_URL"].replace("redis://", "redis+x://")).port
        s3_port = int(env["S3_ENDPOINT_URL"].rsplit(":", 1)[1])
        assert redis_port not in (None, 6379) and s3_port not in (9000, 443)
        assert env["BROKER_URL"] == env["REDIS_URL"]
        client = redis.Redis.from_url(env["REDIS_URL"])
        assert client.ping()
        client.close()
        engine = create_engine(env["DATABASE_URL"])
        with engine.connect() as conn:
            assert conn.execute(text("SELECT 1")).scalar_one() == 1
        engine.dispose()
        s3 = boto3.client(
            "s3",
            endpoint_url=env["S3_ENDPOINT_URL"],
            region_name="us-east-1",
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        )
        bucket = f"probe-{uuid.uuid4().hex[:8]}"
        s3.create_bucket(Bucket=bucket)
        assert bucket in [b["Name"] for b in s3.list_buckets()["Buckets"]]
        pgdata = str(tmp_path / "stack" / "postgres" / "pgdata")
    # And afterwards nothing is left listening or running
    assert not port_answers(redis_port)
    assert not port_answers(s3_port)
    leftovers = [
        p.info["pid"]
        for p in psutil.process_iter(["pid", "cmdline"])
        if pgdata in " ".join(p.info["cmdline"] or [])
    ]
    assert leftovers == []


def test_given_urls_are_used_not_replaced(tmp_path: Path) -> None:
    given = {
        "REDIS_URL": "redis://cache.example:6380/1",
        "DATABASE_URL": "postgresql+psycopg2://u@db.example/app",
        "S3_ENDPOINT_URL": "http://s3.example:9100",
        "BROKER_URL": "amqp://guest:guest@mq.example:5672//",
    }
    with local_services(tmp_path, env=given, log=lambda _: None) as env:
        assert {k: env[k] for k in given} == given
