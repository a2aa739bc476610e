"""Schema revisions with alembic, on SQLite and (in scripts/test's second pass) PostgreSQL: a new
database, a database made by tsnvr 0.1.0 (tests/data/), revisions added later, a failing revision,
a database from a newer tsnvr, and the plate keyword index of each kind of database."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url

from storage import plate_fts, schema, users
from storage.db import Database
from storage.plate_search import PlateFilter, search_plates
from storage.plates import add_plate, plate_key
from tests.conftest import TEST_DATABASE_URL

DATA = Path(__file__).parent / "data"
RELEASE_SQLITE = DATA / "tsnvr-0.1.0.db"
RELEASE_POSTGRESQL = DATA / "tsnvr-0.1.0-postgresql.sql"
# what tests/data's databases hold (made by tsnvr 0.1.0's storage code)
RELEASE_PLATES = [("12가3456", "gate-a", ",1,2,"), ("99XY123", "gate-b", ",")]


@pytest.fixture
def url(new_database: Callable[..., str], tmp_path: Path) -> Callable[[str], str]:
    """url(name) -> a new empty database: an SQLite file in tmp_path, or a PostgreSQL database."""
    return lambda name: new_database(empty=True) or f"sqlite:///{tmp_path / name}.db"


def release_database(url: str) -> Database:
    """A copy of the database tsnvr 0.1.0 made (tests/data/)."""
    if url.startswith("sqlite"):
        shutil.copyfile(RELEASE_SQLITE, url.removeprefix("sqlite:///"))
    else:
        engine = create_engine(url)  # its own connection: the dump empties search_path for its session
        with engine.begin() as conn:
            conn.exec_driver_sql(RELEASE_POSTGRESQL.read_text(encoding="utf-8"))
        engine.dispose()
    return Database(url)


def shape(db: Database) -> set[tuple[str, ...]]:
    """Every table, column, index and trigger, as the database itself describes them."""
    with db.engine.connect() as conn:
        if db.is_sqlite:
            query = "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
        else:
            query = ("SELECT 'column', table_name, column_name, data_type, is_nullable, "
                     "coalesce(character_maximum_length, 0)::text, coalesce(column_default, '') "
                     "FROM information_schema.columns WHERE table_schema = 'public' "
                     "UNION ALL SELECT 'index', tablename, indexname, indexdef, '', '', '' "
                     "FROM pg_indexes WHERE schemaname = 'public' "
                     "UNION ALL SELECT 'extension', extname, '', '', '', '', '' FROM pg_extension")
        return {tuple(str(v) for v in row) for row in conn.exec_driver_sql(query)}


def legacy_version(db: Database) -> int:
    with db.engine.connect() as conn:
        return schema.legacy_version(conn)


def revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        return schema.current_revision(conn)


def columns(conn: Connection, table: str) -> list[str]:
    from sqlalchemy import inspect

    return [c["name"] for c in inspect(conn).get_columns(table)]


def test_a_new_database_is_created_at_the_newest_revision(url):
    db = Database(url("new"))
    assert schema.upgrade(db) == (None, schema.head())
    assert schema.upgrade(db) == (schema.head(), schema.head())  # idempotent
    assert revision(db) == schema.head() == "0004"
    assert legacy_version(db) == schema.ALEMBIC_ERA  # tsnvr 0.1.0 refuses a version above 1 as newer
    tables = {row[1] for row in shape(db)}
    assert {"meta", "users", "event_log", "plate_log", "object_log", "channels", "segments",
            "event_backups", "preset_names", "alembic_version"} <= tables


def test_a_database_made_by_tsnvr_0_1_0_is_upgraded_and_keeps_its_rows(url):
    db = release_database(url("release"))
    assert legacy_version(db) == schema.RELEASE_0_1_0 and revision(db) is None
    assert schema.upgrade(db) == ("0001", schema.head())
    assert revision(db) == schema.head()
    assert legacy_version(db) == schema.ALEMBIC_ERA
    total, rows = search_plates(db, PlateFilter(), 0, 10, ascending=True)
    assert total == 2
    assert [(r.plate_no, r.src_code, r.channels) for r in rows] == RELEASE_PLATES
    account = users.get(db, "op1")
    assert account is not None and users.verify(account, "pw-release-1")
    assert account.rights == users.rights_mask("LPR,Remote")
    new = add_plate(db, "34NE5678", 1530114326575, 1530114328575, src_code="gate-a")
    assert new.id == 3  # the id sequence continued
    for keyword, expected in (("가34", ["12가3456"]), ("XY1", ["99XY123"]), ("NE56", ["34NE5678"])):
        _, found = search_plates(db, PlateFilter(keyword=plate_key(keyword)), 0, 10)
        assert [r.plate_no for r in found] == expected


def test_an_upgraded_0_1_0_database_has_the_shape_of_a_new_one(url):
    upgraded = release_database(url("release"))
    schema.upgrade(upgraded)
    new = Database(url("new"))
    schema.upgrade(new)
    assert shape(upgraded) == shape(new)


def test_plate_keyword_search_has_a_trigram_index_on_each_kind_of_database(url):
    db = Database(url("trgm"))
    schema.upgrade(db)
    for i in range(50):
        add_plate(db, f"{i:02d}AB{i:03d}", i, i + 1, src_code="gate")
    _, found = search_plates(db, PlateFilter(keyword="AB01"), 0, 10, ascending=True)
    assert [r.plate_no for r in found] == [f"{i}AB0{i}" for i in range(10, 20)]
    if db.is_sqlite:
        assert plate_fts.has_index(db)
        return
    with db.engine.connect() as conn:
        conn.exec_driver_sql("SET enable_seqscan = off")  # 50 rows: the planner would rather scan
        plan = "\n".join(row[0] for row in conn.execute(
            text("EXPLAIN SELECT id FROM plate_log WHERE plate_key LIKE :k ESCAPE '\\'"), {"k": "%AB01%"}))
    assert f"Bitmap Index Scan on {plate_fts.TRIGRAM_INDEX}" in plan, plan


def after(n: int) -> str:
    """The revision n after this tsnvr's head."""
    return f"{int(schema.head()) + n:04d}"


def later_revisions(tmp_path: Path, *bodies: tuple[str, str]) -> Path:
    """A copy of storage/migrations with revisions head+1, head+2, ... (upgrade bodies) after the head."""
    migrations = tmp_path / "migrations"
    shutil.copytree(schema.MIGRATIONS, migrations, ignore=shutil.ignore_patterns("__pycache__"))
    previous = schema.head()
    for number, (name, body) in enumerate(bodies, start=int(previous) + 1):
        rev = f"{number:04d}"
        (migrations / "versions" / f"{rev}_{name}.py").write_text(
            f'revision = "{rev}"\ndown_revision = "{previous}"\nbranch_labels = None\ndepends_on = None\n'
            "from alembic import op\nfrom sqlalchemy import text\n"
            f"def upgrade():\n    conn = op.get_bind()\n{body}\n", encoding="utf-8")
        previous = rev
    return migrations


def test_later_revisions_run_once_each_in_order_on_an_existing_database(url, tmp_path):
    db = Database(url("old"))
    schema.upgrade(db)
    add_plate(db, "12가3456", 1000, 2000, src_code="F1")
    migrations = later_revisions(
        tmp_path,
        ("add_note", "    conn.execute(text(\"ALTER TABLE plate_log ADD COLUMN note TEXT DEFAULT 'x'\"))\n"
                     f"    conn.execute(text(\"INSERT INTO meta (key, value) VALUES ('ran', '{after(1)}')\"))"),
        ("backfill_note", "    conn.execute(text('UPDATE plate_log SET note = plate_key'))\n"
                          "    conn.execute(text(\"UPDATE meta SET value = value || "
                          f"',{after(2)}' WHERE key = 'ran'\"))"),
    )
    assert schema.upgrade(db, migrations) == (schema.head(), after(2))
    assert schema.upgrade(db, migrations) == (after(2), after(2))  # nothing runs twice
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT value FROM meta WHERE key = 'ran'")).scalar() == f"{after(1)},{after(2)}"
        assert conn.execute(text("SELECT plate_no, note FROM plate_log")).all() == [("12가3456", plate_key("12가3456"))]


def test_a_failed_revision_leaves_the_database_at_the_previous_one(url, tmp_path):
    db = Database(url("failed"))
    schema.upgrade(db)
    migrations = later_revisions(
        tmp_path,
        ("fine", "    conn.execute(text('ALTER TABLE plate_log ADD COLUMN fine TEXT'))"),
        ("broken", "    conn.execute(text('ALTER TABLE plate_log ADD COLUMN half TEXT'))\n"
                   "    raise RuntimeError('revision failed half way')"),
    )
    with pytest.raises(RuntimeError, match="half way"):
        schema.upgrade(db, migrations)
    assert revision(db) == schema.head()  # the pending revisions commit together or not at all
    with db.engine.connect() as conn:
        assert not {"fine", "half"} & set(columns(conn, "plate_log"))


def test_a_database_from_a_newer_tsnvr_is_refused(url, tmp_path):
    db = Database(url("newer"))
    schema.upgrade(db, later_revisions(tmp_path, ("future", "    pass")))
    with pytest.raises(schema.SchemaError, match=f"revision {after(1)}, newer than this tsnvr knows"):
        schema.upgrade(db)
    assert revision(db) == after(1)


def test_processes_starting_together_on_a_new_database_take_turns(url):
    """The server and a CLI command started at once: one creates the schema, the others find it made."""
    target = url("together")
    script = ("import sys\nfrom storage import schema\nfrom storage.db import Database\n"
              "print(schema.upgrade(Database(sys.argv[1]))[0])\n")
    children = [subprocess.Popen([sys.executable, "-c", script, target], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for _ in range(4)]
    results = [child.communicate(timeout=60) for child in children]
    assert [child.returncode for child in children] == [0] * 4, results
    assert sorted(out.strip() for out, _ in results) == [schema.head()] * 3 + ["None"]
    assert revision(Database(target)) == schema.head()


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs scripts/test's PostgreSQL server (TSNVR_TEST_DATABASE_URL)")
def test_an_ordinary_role_owning_its_database_gets_the_schema_and_pg_trgm(database_server):
    """The set-up of docs/postgresql.md: no superuser, a plain postgresql:// URL."""
    role, name = f"tsnvr_owner_{os.getpid()}", f"tsnvr_owned_{os.getpid()}"
    with database_server.connect() as conn:
        conn.exec_driver_sql(f"CREATE ROLE {role} LOGIN")
        conn.exec_driver_sql(f"CREATE DATABASE {name} OWNER {role} STRATEGY FILE_COPY")
    try:
        url = make_url(TEST_DATABASE_URL).set(drivername="postgresql", username=role, database=name)
        db = Database(url.render_as_string(hide_password=False))
        assert schema.upgrade(db) == (None, schema.head())
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql(
                "SELECT extowner::regrole::text FROM pg_extension WHERE extname = 'pg_trgm'").scalar() == role
            assert conn.exec_driver_sql("SELECT count(*) FROM pg_indexes WHERE indexname = %s",
                                        (plate_fts.TRIGRAM_INDEX,)).scalar() == 1
        db.dispose()
    finally:
        with database_server.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE {name} WITH (FORCE)")
            conn.exec_driver_sql(f"DROP ROLE {role}")
