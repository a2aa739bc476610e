"""Schema versions. A new database is created at the newest version; an existing one is upgraded
in place, one step at a time, each step in its own transaction with the version bump.

To change the schema: edit models.py, then append a step to STEPS that brings a database of the
previous version to the new shape (e.g. ALTER TABLE ... ADD COLUMN), using the connection it gets.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import Connection, inspect, text
from sqlmodel import SQLModel

from storage import models  # noqa: F401  (registers the tables)
from storage.db import Database

Step = Callable[[Connection], None]


class SchemaError(RuntimeError):
    pass


def _initial(conn: Connection) -> None:
    SQLModel.metadata.create_all(conn)


STEPS: Sequence[Step] = (_initial,)  # STEPS[i] upgrades version i to i + 1


def current_version(conn: Connection) -> int:
    if not inspect(conn).has_table("meta"):
        return 0
    row = conn.execute(text("SELECT value FROM meta WHERE key = 'schema_version'")).first()
    return int(row[0]) if row else 0


def _set_version(conn: Connection, version: int) -> None:
    updated = conn.execute(text("UPDATE meta SET value = :v WHERE key = 'schema_version'"), {"v": str(version)})
    if updated.rowcount == 0:
        conn.execute(text("INSERT INTO meta (key, value) VALUES ('schema_version', :v)"), {"v": str(version)})


def upgrade(db: Database, steps: Sequence[Step] = STEPS) -> tuple[int, int]:
    """Bring the database to len(steps); returns (version before, version after)."""
    with db.write_engine.connect() as conn:
        before = current_version(conn)
        conn.rollback()
    if before > len(steps):
        raise SchemaError(
            f"the database is at schema version {before}, newer than this tsnvr knows ({len(steps)}); "
            "upgrade tsnvr or use another data directory"
        )
    if before == 0:
        with db.write_engine.begin() as conn:
            SQLModel.metadata.create_all(conn)
            _set_version(conn, len(steps))
        return 0, len(steps)
    for version in range(before, len(steps)):
        with db.write_engine.begin() as conn:
            steps[version](conn)
            _set_version(conn, version + 1)
    return before, len(steps)
