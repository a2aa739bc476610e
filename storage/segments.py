"""The index of recorded files: one `Segment` row per closed MP4 segment.

Paths are relative to the data directory. Times are wall-clock epoch milliseconds; a segment
covers [begin_ms, end_ms).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import col, delete, func, select

from storage.db import Database
from storage.models import Segment


def add_segment(db: Database, segment: Segment) -> Segment:
    with db.write() as s:
        s.add(segment)
        s.flush()
        s.refresh(segment)
    return segment


def channel_segments(db: Database, chid: int, begin_ms: int | None = None, end_ms: int | None = None) -> list[Segment]:
    """The channel's segments overlapping [begin_ms, end_ms), oldest first."""
    query = select(Segment).where(Segment.chid == chid)
    if begin_ms is not None:
        query = query.where(Segment.end_ms > begin_ms)
    if end_ms is not None:
        query = query.where(Segment.begin_ms < end_ms)
    with db.read() as s:
        return list(s.exec(query.order_by(col(Segment.begin_ms), col(Segment.id))))


def oldest_segments(db: Database, limit: int, ended_before_ms: int | None = None) -> list[Segment]:
    """Segments of every channel, the earliest ending first."""
    query = select(Segment)
    if ended_before_ms is not None:
        query = query.where(Segment.end_ms < ended_before_ms)
    with db.read() as s:
        return list(s.exec(query.order_by(col(Segment.end_ms), col(Segment.id)).limit(limit)))


def indexed_paths(db: Database, paths: Iterable[str]) -> set[str]:
    """Which of these relative paths already have a row."""
    wanted = list(paths)
    found: set[str] = set()
    with db.read() as s:
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            found.update(s.exec(select(Segment.path).where(col(Segment.path).in_(chunk))))
    return found


def delete_segments(db: Database, ids: Iterable[int]) -> int:
    id_list = list(ids)
    if not id_list:
        return 0
    with db.write() as s:
        result = s.exec(delete(Segment).where(col(Segment.id).in_(id_list)))
    return int(result.rowcount or 0)


def total_size(db: Database, chid: int | None = None) -> int:
    query = select(func.coalesce(func.sum(Segment.size), 0))
    if chid is not None:
        query = query.where(Segment.chid == chid)
    with db.read() as s:
        return int(s.exec(query).one())


MAX_SEGMENT_MS = 86_400_000  # far longer than any segment the recorder writes


def oldest_begin_ms(db: Database) -> int | None:
    """Where the recordings kept begin: the earliest begin_ms of any segment (None: none kept).
    Looked for among the segments ending within a day of the earliest end, on the end_ms index,
    rather than by scanning every row."""
    with db.read() as s:
        first_end = s.exec(select(func.min(Segment.end_ms))).one()
        if first_end is None:
            return None
        query = select(func.min(Segment.begin_ms)).where(Segment.end_ms <= first_end + MAX_SEGMENT_MS)
        return int(s.exec(query).one())
