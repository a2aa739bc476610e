"""Database engine (SQLite: WAL mode) and the write discipline under concurrency, on SQLite and on
scripts/test's PostgreSQL server."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from storage import schema
from storage.db import Database
from storage.eventlog import EventLog, EventType, SystemCode
from storage.plates import add_plate
from tests.conftest import TEST_DATABASE_URL


def test_new_database_is_created_at_the_newest_revision_in_wal_mode(tmp_path: Path):
    db = Database(f"sqlite:///{tmp_path / 't.db'}")
    assert schema.upgrade(db) == (None, schema.head())
    assert schema.upgrade(db) == (schema.head(), schema.head())  # idempotent
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        tables = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"meta", "users", "event_log", "plate_log", "object_log", "channels", "segments"} <= tables


# upgrades in place (revisions added later, a failing one, a newer database): tests/test_migrations.py


def write_concurrently(url: str) -> Database:
    """Six writer threads (plates and event-log rows) and another process (plates) writing at once;
    every write must commit, none may fail with "database is locked"."""
    db = Database(url)
    schema.upgrade(db)
    log = EventLog(db)
    errors: list[BaseException] = []
    other = subprocess.Popen([sys.executable, "-c", f"""
from storage.db import Database
from storage.plates import add_plate
db = Database({url!r})
for i in range(300):
    add_plate(db, f"P{{i}}", i, i + 1, src_code="proc")
"""])

    def writer(n: int) -> None:
        try:
            for i in range(100):
                add_plate(db, f"T{n}-{i}", i, i + 1, src_code="thread")
                if i % 10 == 0:
                    log.record(EventType.SYSTEM, SystemCode.SETTINGS_CHANGED, {"n": n})
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert other.wait(60) == 0
    assert errors == []
    return db


def test_concurrent_writers_in_threads_and_another_process_never_see_locked(tmp_path: Path):
    path = tmp_path / "busy.db"
    write_concurrently(f"sqlite:///{path}").dispose()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM plate_log WHERE src_code='thread'").fetchone()[0] == 600
        assert conn.execute("SELECT count(*) FROM plate_log WHERE src_code='proc'").fetchone()[0] == 300
        assert conn.execute("SELECT count(*) FROM event_log").fetchone()[0] == 60


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs scripts/test's PostgreSQL server (TSNVR_TEST_DATABASE_URL)")
def test_concurrent_writers_in_threads_and_another_process_all_commit_on_postgresql(database_url: str):
    db = write_concurrently(database_url)
    with db.engine.connect() as conn:
        count = "SELECT count(*) FROM plate_log WHERE src_code = :src"
        assert conn.execute(text(count), {"src": "thread"}).scalar() == 600
        assert conn.execute(text(count), {"src": "proc"}).scalar() == 300
        assert conn.execute(text("SELECT count(DISTINCT id) FROM plate_log")).scalar() == 900
        assert conn.execute(text("SELECT count(*) FROM event_log")).scalar() == 60
    db.dispose()
