"""The database of a data directory, created or brought up to the current schema on opening."""

from __future__ import annotations

from storage import schema
from storage.db import Database
from storage.settings import Settings


def open_database(settings: Settings) -> Database:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.db_url)
    schema.upgrade(db)
    return db
