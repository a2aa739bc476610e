"""First start: create user admin with every right, password from TSNVR_ADMIN_PASSWORD or made up."""

from __future__ import annotations

import os
import secrets

from storage import users
from storage.db import Database


def ensure_admin(db: Database) -> str | None:
    """Create `admin` when there are no users; returns the generated password, if one was made."""
    if users.count(db) > 0:
        return None
    password = os.environ.get("TSNVR_ADMIN_PASSWORD") or ""
    generated = not password
    if generated:
        password = secrets.token_urlsafe(12)
    users.add(db, "admin", password, users.ALL_RIGHTS, name="admin")
    return password if generated else None
