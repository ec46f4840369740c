"""Embedded servers: up when asked for, real, and gone afterwards, even after a kill -9."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import boto3
import psutil
import pytest
import redis
from sqlalchemy import create_engine, text

from devstack.ports import port_answers
from devstack.services import local_services, mask
from devstack.watchdog import SESSION_VAR
from tests.helpers import ROOT

pytestmark = pytest.mark.integration


def _ports(env: dict[str, str]) -> tuple[int, int]:
    redis_port = urlsplit(env["REDIS_URL"]).port
    s3_port = urlsplit(env["S3_ENDPOINT_URL"]).port
    assert redis_port and s3_port
    return redis_port, s3_port


def _data_root(env: dict[str, str]) -> Path:
    """The embedded servers' temp dir: postgres' socket dir is <root>/pg/data."""
    socket_dir = parse_qs(urlsplit(env["DATABASE_URL"]).query)["host"][0]
    return Path(socket_dir).parents[1]


def _running_on(path: Path | str) -> list[int]:
    """Live processes whose command line names `path` (a postmaster's -D, say)."""
    found = []
    for proc in psutil.process_iter(["pid", "cmdline", "status"]):
        if proc.info["status"] == psutil.STATUS_ZOMBIE:
            continue  # exited; reaping is init's business
        if str(path) in " ".join(proc.info["cmdline"] or []):
            found.append(proc.info["pid"])
    return found


def _gone(redis_port: int, s3_port: int, data_root: Path) -> bool:
    return not (
        port_answers(redis_port)
        or port_answers(s3_port)
        or data_root.exists()
        or _running_on(data_root)
    )


def gone(pid: int) -> bool:
    try:
        return bool(psutil.Process(pid).status() == psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return True


def test_embedded_services_answer_and_stop(tmp_path: Path) -> None:
    lines: list[str] = []
    outer_mark = os.environ.get(SESSION_VAR)
    # Given no service URLs at all
    with local_services(tmp_path / "stack", env={}, log=lines.append) as env:
        # (what starts in the block carries the block's own mark)
        assert os.environ[SESSION_VAR] == env[SESSION_VAR] != outer_mark
        # Then each embedded server answers on a port or socket of its own
        redis_port, s3_port = _ports(env)
        assert redis_port != 6379 and s3_port not in (9000, 443, 80)
        assert env["DATABASE_URL"].startswith("postgresql+psycopg2://postgres@/componentforge?")
        assert env["BROKER_URL"] == env["REDIS_URL"]
        assert env["AWS_ACCESS_KEY_ID"] and env["AWS_SECRET_ACCESS_KEY"]
        client = redis.Redis.from_url(env["REDIS_URL"])
        assert client.ping()
        client.close()
        engine = create_engine(env["DATABASE_URL"])
        with engine.connect() as conn:
            assert conn.execute(text("SELECT current_database()")).scalar_one() == "componentforge"
        engine.dispose()
        s3 = boto3.client(
            "s3",
            endpoint_url=env["S3_ENDPOINT_URL"],
            region_name=env["AWS_DEFAULT_REGION"],
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        )
        bucket = f"probe-{uuid.uuid4().hex[:8]}"
        s3.create_bucket(Bucket=bucket)
        assert bucket in [b["Name"] for b in s3.list_buckets()["Buckets"]]
        s3.close()
        data_root = _data_root(env)
        assert data_root.is_dir()
    # And afterwards nothing is left listening, running, or on disk; the watchdog is gone
    assert _gone(redis_port, s3_port, data_root)
    assert not _running_on(env[SESSION_VAR])  # its command line names the mark
    assert os.environ.get(SESSION_VAR) == outer_mark
    # And it said what it started, one line per service
    assert any(line.startswith("redis: embedded redis-server ") for line in lines), lines
    assert any(line.startswith("postgres: embedded postgres ") for line in lines), lines
    assert any(line.startswith(f"s3: embedded moto S3 on 127.0.0.1:{s3_port}") for line in lines)


def test_given_urls_are_used_not_replaced(tmp_path: Path) -> None:
    given = {
        "REDIS_URL": "redis://:secret@cache.example:6380/1",
        "DATABASE_URL": "postgresql+psycopg2://u@db.example/app",
        "S3_ENDPOINT_URL": "http://s3.example:9100",
        "BROKER_URL": "amqp://guest:guest@mq.example:5672//",
    }
    lines: list[str] = []
    with local_services(tmp_path, env=given, log=lines.append) as env:
        assert {k: env[k] for k in given} == given
        assert "AWS_ACCESS_KEY_ID" not in env
    assert "redis: using REDIS_URL=redis://:***@cache.example:6380/1" in lines
    assert not any("secret" in line for line in lines)


def test_mask_hides_passwords_only() -> None:
    assert mask("redis://:p%40ss@h:1/0") == "redis://:***@h:1/0"
    assert mask("amqp://guest:guest@mq//") == "amqp://guest:***@mq//"
    assert mask("http://127.0.0.1:9100") == "http://127.0.0.1:9100"


CHILD = """
import json, os, sys, time
from pathlib import Path
from devstack.processes import ManagedProcess
from devstack.services import local_services

with local_services(Path(sys.argv[1]), env={}, log=lambda _: None) as env:
    sleeper = ManagedProcess(
        "sleeper", [sys.executable, "-c", "import time; time.sleep(600)"],
        env=os.environ, workdir=Path(sys.argv[1]),
    )
    print(json.dumps({**env, "SLEEPER_PID": sleeper.pid}), flush=True)
    time.sleep(600)
"""


def test_nothing_outlives_a_killed_parent(tmp_path: Path) -> None:
    # Given a process holding embedded services and an app process
    parent = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tmp_path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert parent.stdout is not None
        env = json.loads(parent.stdout.readline())
    finally:
        # When it is killed outright, with no chance to clean up
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        if parent.stdout:
            parent.stdout.close()
    redis_port, s3_port = _ports(env)
    data_root = _data_root(env)
    sleeper = int(env["SLEEPER_PID"])
    # Then the watchdog stops the servers and the app process, and removes the data
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if _gone(redis_port, s3_port, data_root) and gone(sleeper):
            break
        time.sleep(0.2)
    assert _gone(redis_port, s3_port, data_root)
    assert gone(sleeper)
    assert not os.path.exists(data_root)


def test_make_ups_caches_get_an_evicting_redis_of_their_own(tmp_path: Path) -> None:
    # Given no Redis URL (the other services named), asked for the caches' Redis as make up
    given = {
        "DATABASE_URL": "postgresql+psycopg2://u@db.example/app",
        "S3_ENDPOINT_URL": "http://s3.example:9100",
    }
    with local_services(tmp_path, env=given, log=lambda _: None, cache_redis=True) as env:
        # Then the job Redis refuses writes when full, the caches' evicts and keeps nothing
        job_redis = redis.Redis.from_url(env["REDIS_URL"], decode_responses=True)
        cache_redis = redis.Redis.from_url(env["CACHE_REDIS_URL"], decode_responses=True)
        try:
            assert env["CACHE_REDIS_URL"] != env["REDIS_URL"]
            assert job_redis.config_get("maxmemory-policy")["maxmemory-policy"] == "noeviction"
            cache = cache_redis.config_get("*")
            assert cache["maxmemory-policy"] == "allkeys-lru" and int(cache["maxmemory"]) > 0
            assert cache["appendonly"] == "no" and cache["save"] == ""
        finally:
            job_redis.close()
            cache_redis.close()
    # And with a REDIS_URL given, the caches stay on it, as they always did
    with_redis = {**given, "REDIS_URL": "redis://r.example:6379/0"}
    with local_services(tmp_path, env=with_redis, log=lambda _: None, cache_redis=True) as env:
        assert "CACHE_REDIS_URL" not in env
