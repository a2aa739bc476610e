"""Looking up recorded segments for /api/vod: by time window, by file id and its neighbours.

A channel's segments are ordered by (begin_ms, id); "after" and "before" follow that order.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, or_
from sqlmodel import col, select

from storage.db import Database
from storage.models import Segment


def segment_by_id(db: Database, segment_id: int) -> Segment | None:
    with db.read() as s:
        return s.get(Segment, segment_id)


def _run(db: Database, where: list[ColumnElement[bool]], ascending: bool, limit: int) -> list[Segment]:
    if ascending:
        order = (col(Segment.begin_ms).asc(), col(Segment.id).asc())
    else:
        order = (col(Segment.begin_ms).desc(), col(Segment.id).desc())
    with db.read() as s:
        return list(s.exec(select(Segment).where(*where).order_by(*order).limit(limit)))


def overlapping(db: Database, chid: int, begin_ms: int, end_ms: int, limit: int) -> list[Segment]:
    """The channel's segments overlapping [begin_ms, end_ms), oldest first."""
    where = [col(Segment.chid) == chid, col(Segment.end_ms) > begin_ms, col(Segment.begin_ms) < end_ms]
    return _run(db, where, True, limit)


def ending_by(db: Database, chid: int, ms: int, limit: int) -> list[Segment]:
    """The `limit` segments nearest before `ms` (ended by then), nearest first."""
    return _run(db, [col(Segment.chid) == chid, col(Segment.end_ms) <= ms], False, limit)


def starting_from(db: Database, chid: int, ms: int, limit: int) -> list[Segment]:
    """The `limit` segments nearest after `ms` (beginning then or later), nearest first."""
    return _run(db, [col(Segment.chid) == chid, col(Segment.begin_ms) >= ms], True, limit)


def _after(segment: Segment) -> ColumnElement[bool]:
    begin = col(Segment.begin_ms)
    return or_(begin > segment.begin_ms, and_(begin == segment.begin_ms, col(Segment.id) > segment.id))


def _before(segment: Segment) -> ColumnElement[bool]:
    begin = col(Segment.begin_ms)
    return or_(begin < segment.begin_ms, and_(begin == segment.begin_ms, col(Segment.id) < segment.id))


def following(db: Database, segment: Segment, limit: int) -> list[Segment]:
    """The segments after `segment` on its channel, nearest first."""
    return _run(db, [col(Segment.chid) == segment.chid, _after(segment)], True, limit)


def preceding(db: Database, segment: Segment, limit: int) -> list[Segment]:
    """The segments before `segment` on its channel, nearest first."""
    return _run(db, [col(Segment.chid) == segment.chid, _before(segment)], False, limit)
