"""Schema versions, kept by alembic (storage/migrations/versions/, one revision per change).

A new database is created from models.py at the newest revision; an existing one is upgraded in
place, all of its pending revisions in one transaction. A database made by tsnvr 0.1.0, which
numbered its schema itself (meta.schema_version 1, no alembic_version table), is stamped at
revision 0001 first. Every database alembic keeps has meta.schema_version 2, so 0.1.0 refuses it
as "newer" instead of using a schema it does not know.

To change the schema: edit models.py, then add a revision that brings a database of the previous
revision to the new shape (`.venv/bin/alembic -c storage/migrations/alembic.ini revision -m "..."`,
see docs/postgresql.md), and check it with tests/test_migrations.py.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, inspect, text
from sqlmodel import SQLModel

from storage import models  # noqa: F401  (registers the tables)
from storage.db import Database

MIGRATIONS = Path(__file__).with_name("migrations")
RELEASE_0_1_0 = 1  # meta.schema_version of tsnvr 0.1.0's databases
RELEASE_0_1_0_REVISION = "0001"
ALEMBIC_ERA = 2  # meta.schema_version of every database kept by alembic


class SchemaError(RuntimeError):
    pass


def alembic_config(connection: Connection | None = None, migrations: Path = MIGRATIONS) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations))
    config.attributes["connection"] = connection
    return config


def head(migrations: Path = MIGRATIONS) -> str:
    revision = ScriptDirectory.from_config(alembic_config(migrations=migrations)).get_current_head()
    assert revision is not None, f"no revisions in {migrations}"
    return revision


def current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def legacy_version(conn: Connection) -> int:
    """meta.schema_version: 0 for a database without it (new), 1 for tsnvr 0.1.0's, 2 under alembic."""
    if not inspect(conn).has_table("meta"):
        return 0
    row = conn.execute(text("SELECT value FROM meta WHERE key = 'schema_version'")).first()
    return int(row[0]) if row else 0


def set_legacy_version(conn: Connection, version: int) -> None:
    updated = conn.execute(text("UPDATE meta SET value = :v WHERE key = 'schema_version'"), {"v": str(version)})
    if updated.rowcount == 0:
        conn.execute(text("INSERT INTO meta (key, value) VALUES ('schema_version', :v)"), {"v": str(version)})


def _known(revision: str, migrations: Path) -> bool:
    try:
        return ScriptDirectory.from_config(alembic_config(migrations=migrations)).get_revision(revision) is not None
    except CommandError:  # "Can't locate revision": one of a newer tsnvr
        return False


UPGRADE_LOCK = 0x7473_6E76  # "tsnv": PostgreSQL advisory lock held while one process upgrades


def upgrade(db: Database, migrations: Path = MIGRATIONS) -> tuple[str | None, str]:
    """Bring the database to the newest revision; returns (revision before, revision after).
    A tsnvr 0.1.0 database counts as being at 0001 before; a new one at None. Processes starting
    together take turns (SQLite: BEGIN IMMEDIATE; PostgreSQL: an advisory lock), so the second
    finds the work done."""
    newest = head(migrations)
    with db.write_engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": UPGRADE_LOCK})
        before, legacy = current_revision(conn), legacy_version(conn)
        if before is None and legacy == RELEASE_0_1_0:
            before = RELEASE_0_1_0_REVISION
        newer = (before is not None and not _known(before, migrations)) or (before is None and legacy > RELEASE_0_1_0)
        if newer:
            raise SchemaError(
                f"the database is at schema revision {before or f'version {legacy}'}, newer than this tsnvr "
                f"knows ({newest}); upgrade tsnvr or use another data directory"
            )
        config = alembic_config(conn, migrations)
        if before is None:
            SQLModel.metadata.create_all(conn)
            set_legacy_version(conn, ALEMBIC_ERA)
            command.stamp(config, newest)
        else:
            if current_revision(conn) is None:
                command.stamp(config, before)
            command.upgrade(config, newest)
    return before, newest
