"""One engine per data directory and the write discipline every part follows.

SQLite (the default): reads run concurrently (WAL mode never blocks readers). Writes in this
process go through one lock and open with BEGIN IMMEDIATE, so a write never has to upgrade a read
lock and never meets "database is locked"; other processes (the CLI) wait on SQLite's busy timeout.

PostgreSQL (database_url = "postgresql://..."): one pooled engine (psycopg 3) and ordinary READ
COMMITTED transactions; writes in this process still take the lock, so code that reads then writes
(the lowest free channel number, say) behaves as on SQLite.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session, create_engine

BUSY_TIMEOUT_MS = 30_000


def _sqlite_engine(url: str, immediate: bool) -> Engine:
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
        dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN itself, below
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def with_driver(url: str) -> str:
    """A PostgreSQL URL without a driver ("postgresql://", "postgres://") names psycopg 3, the one
    tsnvr installs (SQLAlchemy would pick psycopg2)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            self.engine = _sqlite_engine(url, immediate=False)
            self.write_engine = _sqlite_engine(url, immediate=True)
        else:
            try:
                self.engine = create_engine(with_driver(url), pool_pre_ping=True)
            except ModuleNotFoundError as exc:
                raise RuntimeError(f"database_url needs the {exc.name} package: pip install 'psycopg[binary]' "
                                   "(docs/postgresql.md)") from exc
            self.write_engine = self.engine
        self._write_lock = threading.RLock()

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction that commits on success and rolls back on any exception."""
        with self._write_lock, Session(self.write_engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        self.engine.dispose()
        if self.write_engine is not self.engine:
            self.write_engine.dispose()
