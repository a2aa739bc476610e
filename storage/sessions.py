"""Cookie sessions, kept in the database so they survive a server restart."""

from __future__ import annotations

import hashlib
import secrets
import threading

from sqlmodel import col, delete, select

from storage.clock import now_ms
from storage.db import Database
from storage.models import AuthSession

TOUCH_EVERY_MS = 60_000


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SessionStore:
    def __init__(self, db: Database, idle_hours: float) -> None:
        self.db = db
        self.idle_ms = int(idle_hours * 3_600_000)
        self._seen: dict[str, tuple[str, int]] = {}  # token hash -> (uid, last time written)
        self._lock = threading.Lock()

    def create(self, uid: str, address: str) -> str:
        token = secrets.token_urlsafe(32)
        now = now_ms()
        with self.db.write() as s:
            s.add(AuthSession(token_hash=_hash(token), uid=uid, created_ms=now, seen_ms=now, address=address))
            s.exec(delete(AuthSession).where(col(AuthSession.seen_ms) < now - self.idle_ms))
        with self._lock:
            self._seen[_hash(token)] = (uid, now)
        return token

    def lookup(self, token: str) -> str | None:
        """The uid signed in with `token`, or None; keeps the session alive."""
        if not token or len(token) > 128:
            return None
        key, now = _hash(token), now_ms()
        with self._lock:
            cached = self._seen.get(key)
        if cached and now - cached[1] < TOUCH_EVERY_MS:
            return cached[0]
        with self.db.read() as s:
            row = s.exec(select(AuthSession).where(AuthSession.token_hash == key)).first()
        if row is None or row.seen_ms < now - self.idle_ms:
            with self._lock:
                self._seen.pop(key, None)
            return None
        with self.db.write() as s:
            row.seen_ms = now
            s.add(row)
        with self._lock:
            self._seen[key] = (row.uid, now)
        return row.uid

    def end(self, token: str) -> str | None:
        key = _hash(token)
        with self._lock:
            self._seen.pop(key, None)
        with self.db.write() as s:
            row = s.exec(select(AuthSession).where(AuthSession.token_hash == key)).first()
            if row is None:
                return None
            s.delete(row)
            return row.uid

    def end_all(self, uid: str) -> None:
        with self._lock:
            for key in [k for k, v in self._seen.items() if v[0] == uid]:
                del self._seen[key]
        with self.db.write() as s:
            s.exec(delete(AuthSession).where(col(AuthSession.uid) == uid))
