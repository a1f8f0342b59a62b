"""Benchmarks migrate a database that is not migrated yet, and say so (`_bench_db`)."""

import io
import json

import pytest

from annotations.management.commands import _bench_db
from annotations.management.commands._bench_db import migrate_if_needed, unapplied_migrations

from .fresh_database import fresh_database, manage


@pytest.mark.django_db
def test_a_migrated_database_is_left_alone(monkeypatch):
    calls = []
    monkeypatch.setattr(_bench_db, "call_command", lambda *args, **kwargs: calls.append(args))
    log = io.StringIO()

    assert unapplied_migrations() == []
    assert migrate_if_needed(log) == 0
    assert calls == []
    assert log.getvalue() == ""


@pytest.mark.django_db
def test_missing_migrations_run_migrate_and_createcachetable_first(monkeypatch):
    calls = []
    monkeypatch.setattr(_bench_db, "unapplied_migrations", lambda database: ["frames.0099_x"] * 3)
    monkeypatch.setattr(_bench_db, "call_command", lambda name, **kwargs: calls.append(name))
    log = io.StringIO()

    assert migrate_if_needed(log) == 3
    assert calls == ["migrate", "createcachetable"]
    assert "lacks 3 migrations (first: frames.0099_x); running migrate" in log.getvalue()


@pytest.mark.live
def test_bench_tasks_runs_on_a_database_nobody_migrated(tmp_path):
    with fresh_database(tmp_path, "bench_tasks") as env:
        done = manage(env, "bench_tasks", "--frames", "50", "--claims", "3")

    assert done.returncode == 0, done.stderr
    assert "running migrate before the benchmark" in done.stderr
    report = json.loads(done.stdout)
    assert report["frames"] == 50
    assert report["preview_ms"]["all frames"]["matched"] == 50
