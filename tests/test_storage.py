"""Database engine, schema upgrades in place, and the write discipline under concurrency."""

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
from storage.plates import add_plate, plate_key


def test_new_database_is_created_at_the_newest_version_in_wal_mode(tmp_path: Path):
    db = Database(f"sqlite:///{tmp_path / 't.db'}")
    assert schema.upgrade(db) == (0, len(schema.STEPS))
    assert schema.upgrade(db) == (len(schema.STEPS), len(schema.STEPS))  # idempotent
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        tables = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"meta", "users", "event_log", "plate_log", "object_log", "channels", "segments"} <= tables


def test_an_existing_database_is_upgraded_in_place_step_by_step(tmp_path: Path):
    path = tmp_path / "old.db"
    db = Database(f"sqlite:///{path}")
    schema.upgrade(db)
    add_plate(db, "12가3456", 1000, 2000, src_code="F1")
    version = len(schema.STEPS)
    ran: list[int] = []

    def add_note_column(conn):
        ran.append(version + 1)
        conn.execute(text("ALTER TABLE plate_log ADD COLUMN note TEXT DEFAULT 'x'"))

    def backfill_note(conn):
        ran.append(version + 2)
        conn.execute(text("UPDATE plate_log SET note = plate_key"))

    steps = (*schema.STEPS, add_note_column, backfill_note)
    assert schema.upgrade(db, steps) == (version, version + 2)
    assert ran == [version + 1, version + 2]
    assert schema.upgrade(db, steps) == (version + 2, version + 2)  # nothing runs twice
    assert ran == [version + 1, version + 2]
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT plate_no, note FROM plate_log").fetchall() == [("12가3456", plate_key("12가3456"))]


def test_a_failed_step_leaves_the_database_at_the_previous_version(tmp_path: Path):
    db = Database(f"sqlite:///{tmp_path / 'f.db'}")
    schema.upgrade(db)
    version = len(schema.STEPS)

    def broken(conn):
        conn.execute(text("ALTER TABLE plate_log ADD COLUMN half TEXT"))
        raise RuntimeError("step failed half way")

    with pytest.raises(RuntimeError):
        schema.upgrade(db, (*schema.STEPS, broken))
    with db.engine.connect() as conn:
        assert schema.current_version(conn) == version
        columns = [r[1] for r in conn.exec_driver_sql("PRAGMA table_info(plate_log)")]
    assert "half" not in columns


def test_a_database_from_a_newer_tsnvr_is_refused(tmp_path: Path):
    db = Database(f"sqlite:///{tmp_path / 'n.db'}")
    schema.upgrade(db, (*schema.STEPS, lambda conn: None))
    with pytest.raises(schema.SchemaError, match="newer"):
        schema.upgrade(db)


def test_concurrent_writers_in_threads_and_another_process_never_see_locked(tmp_path: Path):
    path = tmp_path / "busy.db"
    db = Database(f"sqlite:///{path}")
    schema.upgrade(db)
    log = EventLog(db)
    errors: list[BaseException] = []
    other = subprocess.Popen([sys.executable, "-c", f"""
from storage.db import Database
from storage.plates import add_plate
db = Database("sqlite:///{path}")
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
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM plate_log WHERE src_code='thread'").fetchone()[0] == 600
        assert conn.execute("SELECT count(*) FROM plate_log WHERE src_code='proc'").fetchone()[0] == 300
        assert conn.execute("SELECT count(*) FROM event_log").fetchone()[0] == 60
