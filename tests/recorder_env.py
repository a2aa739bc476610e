"""What tests of the recorder on its own (no server) start from: a data directory with a real
SQLite database, settings that reconnect quickly and never delete for space, and channel rows."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from storage import schema
from storage.db import Database
from storage.models import Channel
from storage.settings import Settings

QUICK = {"reconnect_min_seconds": 0.2, "source_timeout_seconds": 3.0, "retention_min_free_bytes": 0,
         "retention_min_free_percent": 0.0}


def recorder_data(tmp_path: Path, **settings: Any) -> tuple[Path, Database, Settings]:
    """tmp_path/data with a database, and Settings for it: QUICK, then `settings`."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    db = Database(f"sqlite:///{data_dir / 'tsnvr.db'}")
    schema.upgrade(db)
    values = Settings(data_dir=data_dir)
    for name, value in {**QUICK, **settings}.items():
        setattr(values, name, value)
    return data_dir, db, values


def add_channel(db: Database, chid: int, source: str, **fields: Any) -> Channel:
    channel = Channel(chid=chid, source=source, created_ms=int(time.time() * 1000), **fields)
    with db.write() as s:
        s.add(channel)
    return channel
