"""Event storage: the event-backup copies of PUT /api/event-videos/trigger, their files and rows.

The files live in DIR/event-storage/e/YYYYMMDD/HHMMSS/chN-YYYYMMDD-HHMMSS.mp4 (the event's time in the
server's zone), apart from the rolling recordings (retention deletes segments only), and stay until
deleted (`tsnvr event-storage delete`). One `EventBackup` row per channel's file; its name is reserved
when the event is stored, in the same transaction as the event-log row, so that two events of the same
second get different names: the first numbering, "", "(2)", "(3)", ..., at which none of the event's
files is taken by a row or by a file on disk.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, select, update

from storage.db import Database
from storage.models import EventBackup, EventLogEntry, Segment
from storage.served_paths import file_within, path_parts

ROOT = "event-storage"  # below the data directory
URL_PREFIX = "/event-storage/"  # a backup's URL: this and its path
EVENTS = "e"  # below ROOT: the backups' folders
WORK = ".work"  # below ROOT: files being written (never served: a hidden part)
MAX_NUMBERING = 10_000
RESERVE_ATTEMPTS = 5  # PostgreSQL: another event took a name between the check and the commit


class BackupState(StrEnum):
    PENDING = "pending"
    SAVED = "saved"
    FAILED = "failed"


def root(data_dir: Path) -> Path:
    return data_dir / ROOT


def file_name(chid: int, local: datetime, number: int) -> str:
    """ch1-20221129-101309.mp4, or ch1-20221129-101309(2).mp4 for number 2."""
    suffix = f"({number})" if number > 1 else ""
    return f"ch{chid}-{local:%Y%m%d-%H%M%S}{suffix}.mp4"


def backup_path(chid: int, local: datetime, number: int) -> str:
    """The path below DIR/event-storage: e/20221129/101309/ch1-20221129-101309.mp4."""
    return f"{EVENTS}/{local:%Y%m%d}/{local:%H%M%S}/{file_name(chid, local, number)}"


def _free_paths(session: Session, storage: Path, chids: list[int], local: datetime) -> list[str]:
    folder = backup_path(0, local, 1).rsplit("/", 1)[0]  # every name of this second is in one folder
    taken = set(session.exec(select(EventBackup.path).where(col(EventBackup.path).startswith(folder + "/"))))
    with contextlib.suppress(OSError):  # no folder yet
        taken.update(f"{folder}/{entry.name}" for entry in os.scandir(storage / folder))
    for number in range(1, MAX_NUMBERING + 1):
        paths = [backup_path(chid, local, number) for chid in chids]
        if taken.isdisjoint(paths):
            return paths
    raise RuntimeError(f"more than {MAX_NUMBERING} events at {local:%Y-%m-%d %H:%M:%S}")


def add_event(db: Database, storage: Path, entry_of: Callable[[list[str]], EventLogEntry],
              backups: list[EventBackup], local: datetime) -> tuple[EventLogEntry, list[EventBackup]]:
    """Store an event and its backups in one transaction: each backup (with chid, title and times set)
    gets the first free name for `local`, then `entry_of(paths)` makes the event-log row (which names the
    files), and the backups get its id. Returns the committed row and backups."""
    for attempt in range(RESERVE_ATTEMPTS):
        try:
            with db.write() as s:
                paths = _free_paths(s, storage, [b.chid for b in backups], local) if backups else []
                entry = entry_of(paths)
                s.add(entry)
                s.flush()
                assert entry.id is not None
                stored = [EventBackup(**{**b.model_dump(exclude={"id"}), "path": path, "event_id": entry.id})
                          for b, path in zip(backups, paths, strict=True)]
                s.add_all(stored)
                s.flush()
            return entry, stored
        except IntegrityError:
            if attempt == RESERVE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def pending(db: Database) -> list[EventBackup]:
    """Backups still to be made, the one whose recording ends first first."""
    query = (select(EventBackup).where(EventBackup.state == BackupState.PENDING)
             .order_by(col(EventBackup.end_ms), col(EventBackup.id)))
    with db.read() as s:
        return list(s.exec(query))


def recorded_until(db: Database, chid: int, ms: int) -> bool:
    """Whether the channel has an indexed segment ending at or after `ms` (so its recording of
    everything before `ms` is closed and indexed)."""
    query = select(Segment.id).where(Segment.chid == chid, col(Segment.end_ms) >= ms).limit(1)
    with db.read() as s:
        return s.exec(query).first() is not None


def finish(db: Database, backup_id: int, state: BackupState, done_ms: int, size: int = 0,
           reason: str | None = None) -> bool:
    """Mark a pending backup saved or failed; False when it is no longer pending (deleted meanwhile)."""
    query = (update(EventBackup).where(col(EventBackup.id) == backup_id, col(EventBackup.state) == BackupState.PENDING)
             .values(state=str(state), done_ms=done_ms, size=size, reason=reason))
    with db.write() as s:
        return bool(s.exec(query).rowcount)


def all_backups(db: Database) -> list[EventBackup]:
    with db.read() as s:
        return list(s.exec(select(EventBackup).order_by(col(EventBackup.id))))


def matching(db: Database, event_ids: Iterable[int] = (), paths: Iterable[str] = ()) -> list[EventBackup]:
    """The backups of these events and at these paths, by id."""
    ids, names = list(event_ids), list(paths)
    query = select(EventBackup).where(col(EventBackup.event_id).in_(ids) | col(EventBackup.path).in_(names))
    with db.read() as s:
        return list(s.exec(query.order_by(col(EventBackup.id))))


def delete_rows(db: Database, ids: Iterable[int]) -> int:
    id_list = list(ids)
    if not id_list:
        return 0
    with db.write() as s:
        result = s.exec(delete(EventBackup).where(col(EventBackup.id).in_(id_list)))
    return int(result.rowcount or 0)


def stored_file(storage: Path, relative: str) -> Path | None:
    """The file `relative` (e/...) names inside the event storage's e/ folder, None for anything else:
    a malformed path ('..', '.', empty or hidden parts, a backslash, NUL), one too long for the file system, or
    one leading outside by a symlink."""
    parts = path_parts(relative)
    if parts is None or len(parts) < 2 or parts[0] != EVENTS:
        return None
    return file_within(storage / EVENTS, relative[len(EVENTS) + 1:])


def used_bytes(storage: Path) -> int:
    """Bytes of every file in the event storage (including files being written)."""
    total = 0
    for folder, _dirs, files in os.walk(storage):
        for name in files:
            try:
                total += os.lstat(os.path.join(folder, name)).st_size
            except OSError:  # deleted meanwhile
                continue
    return total


def remove_file(storage: Path, relative: str) -> bool:
    """Delete a backup's file and the folders it leaves empty (up to e/); False when there was none."""
    path = stored_file(storage, relative)
    if path is None:
        return False
    path.unlink(missing_ok=True)
    events = (storage / EVENTS).resolve()
    folder = path.parent
    while folder != events and folder.is_relative_to(events):
        try:
            folder.rmdir()
        except OSError:  # not empty
            break
        folder = folder.parent
    return True
