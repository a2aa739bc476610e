"""A trigram index over plate_log.plate_key, so that a substring search reads a few posting lists
instead of scanning every plate.

SQLite: an FTS5 table kept in step by triggers, which plate_search.py joins with MATCH; an SQLite
without FTS5 trigram support (< 3.34) goes without it and searches fall back to a LIKE scan.
PostgreSQL: a GIN index with pg_trgm's operator class, which the planner uses for the search's own
`plate_key LIKE '%...%'` (keywords of 3 characters or more), so plate_search.py needs nothing more."""

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


TRIGRAM_INDEX = "ix_plate_log_key_trgm"


def create_trigram_index(connection: Connection) -> None:
    """PostgreSQL: pg_trgm (a trusted extension since PostgreSQL 13: a database owner may add it) and
    the GIN index over plate_key."""
    connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    connection.exec_driver_sql(
        f"CREATE INDEX IF NOT EXISTS {TRIGRAM_INDEX} ON plate_log USING gin (plate_key gin_trgm_ops)")


def drop_trigram_index(connection: Connection) -> None:
    connection.exec_driver_sql(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")


def create_index(_table: Table, connection: Connection, **_kw: Any) -> None:
    """after_create hook of plate_log: the trigram index of this kind of database, where it has one."""
    if connection.dialect.name == "postgresql":
        create_trigram_index(connection)
        return
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
