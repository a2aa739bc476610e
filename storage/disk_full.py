"""Whether an error means the data disk (or the database's) is full: ENOSPC or a quota from a
file write, SQLite's SQLITE_FULL ("database or disk is full"), PostgreSQL's disk_full (53100).
SQLAlchemy wraps the driver's error; the chain of causes is followed."""

from __future__ import annotations

import errno
import sqlite3

FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
SQLITE_FULL = 13
POSTGRES_DISK_FULL = "53100"


def is_disk_full(exc: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if _says_full(current):
            return True
        orig = getattr(current, "orig", None)  # sqlalchemy.exc.DBAPIError: the driver's error
        if isinstance(orig, BaseException) and _says_full(orig):
            return True
        current = current.__cause__ or current.__context__
    return False


def _says_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno in FULL_ERRNOS:
        return True
    if isinstance(exc, sqlite3.Error):
        return getattr(exc, "sqlite_errorcode", None) == SQLITE_FULL or "database or disk is full" in str(exc)
    return getattr(exc, "sqlstate", None) == POSTGRES_DISK_FULL
