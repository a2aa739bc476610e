"""A trigram full-text index over plate_log.plate_key (SQLite FTS5), so that a substring search
reads a few posting lists instead of scanning every plate. Kept in step by triggers; databases
without FTS5 trigram support (SQLite < 3.34, PostgreSQL) simply go without it and searches fall
back to a LIKE scan."""

from __future__ import annotations

import logging
import sqlite3
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Table, text

from storage.db import Database

log = logging.getLogger("tsnvr.storage")

FTS_TABLE = "plate_key_fts"
MIN_FTS_KEYWORD = 3  # the trigram tokenizer cannot find shorter substrings

CREATE_TABLE = (
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5("
    "plate_key, content='plate_log', content_rowid='id', tokenize='trigram')"
)
TRIGGERS = (
    f"""CREATE TRIGGER plate_log_fts_insert AFTER INSERT ON plate_log BEGIN
  INSERT INTO {FTS_TABLE}(rowid, plate_key) VALUES (new.id, new.plate_key);
END""",
    f"""CREATE TRIGGER plate_log_fts_delete AFTER DELETE ON plate_log BEGIN
  INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, plate_key) VALUES ('delete', old.id, old.plate_key);
END""",
    f"""CREATE TRIGGER plate_log_fts_update AFTER UPDATE OF plate_key ON plate_log BEGIN
  INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, plate_key) VALUES ('delete', old.id, old.plate_key);
  INSERT INTO {FTS_TABLE}(rowid, plate_key) VALUES (new.id, new.plate_key);
END""",
)
TRIGGER_NAMES = ("plate_log_fts_insert", "plate_log_fts_delete", "plate_log_fts_update")


def create_index(_table: Table, connection: Connection, **_kw: Any) -> None:
    """after_create hook of plate_log: add the FTS table and its triggers where SQLite allows."""
    if connection.dialect.name != "sqlite" or sqlite3.sqlite_version_info < (3, 34, 0):
        return
    try:
        connection.exec_driver_sql(CREATE_TABLE)
    except Exception as exc:  # an SQLite built without FTS5: searches still work, by scanning
        log.warning("plate search index not created (%s); keyword search will scan", exc)
        return
    for statement in TRIGGERS:
        connection.exec_driver_sql(statement)


_present: weakref.WeakKeyDictionary[Database, bool] = weakref.WeakKeyDictionary()


def has_index(db: Database) -> bool:
    if db not in _present:
        found = False
        if db.is_sqlite:
            with db.read() as s:
                found = s.execute(
                    text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :n"), {"n": FTS_TABLE}
                ).first() is not None
        _present[db] = found
    return _present[db]


def match_query(keyword: str) -> str:
    """An FTS5 query matching `keyword` as one literal phrase (its trigrams in order)."""
    return '"' + keyword.replace('"', '""') + '"'


@contextmanager
def bulk_loading(conn: sqlite3.Connection) -> Iterator[None]:
    """For bulk imports on a raw sqlite3 connection: drop the triggers, let the caller insert,
    then rebuild the index in one pass (much faster than row-by-row trigger updates)."""
    for name in TRIGGER_NAMES:
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")
    try:
        yield
    finally:
        conn.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
        for statement in TRIGGERS:
            conn.execute(statement)
