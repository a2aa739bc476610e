"""Which days and minutes have recordings, from the segment table, in a given time zone.

Days: one grouped query computes each segment's first and last local day in SQL, with the
zone's UTC offsets written into the query as a CASE over the offset changes (DST) in the range,
so years of segments come back as a few rows per channel and day. Minutes (at most a few days):
grouped by UTC minute, then turned into local hours and minutes here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo

from sqlalchemy import ColumnElement, SQLColumnExpression, case, select
from sqlalchemy.orm import Session
from sqlmodel import col

from storage.db import Database
from storage.models import Segment

MINUTE_MS = 60_000
QUARTER_MS = 900_000  # every modern UTC offset is a whole number of quarter hours
DAY_MS = 86_400_000
# Offsets are computed from this long before the earliest segment end (or timeBegin, if later) to
# this long after timeEnd; only a segment longer than this may have its first day one off, and only
# when it begins within an hour of midnight across an offset change.
LONG_SEGMENT_MARGIN_MS = 7 * DAY_MS

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def offset_ms(zone: tzinfo, ms: int) -> int:
    offset = (_EPOCH + timedelta(milliseconds=ms)).astimezone(zone).utcoffset() or timedelta(0)
    return offset // timedelta(milliseconds=1)


def offset_changes(zone: tzinfo, lo_ms: int, hi_ms: int) -> list[tuple[int, int]]:
    """[(from_ms, offset_ms), ...]: the offset in force from each instant on, over lo..hi."""
    changes = [(lo_ms, offset_ms(zone, lo_ms))]
    t = lo_ms
    while t < hi_ms:
        step = min(t + DAY_MS, hi_ms)
        new = offset_ms(zone, step)
        if new != changes[-1][1]:
            old, a, b = changes[-1][1], t, step  # offset(a) == old, offset(b) == new
            while b - a > 1:
                mid = (a + b) // 2
                a, b = (mid, b) if offset_ms(zone, mid) == old else (a, mid)
            changes.append((b, new))
        t = step
    return changes


def local_day(zone: tzinfo, ms: int) -> int:
    """Days since 1970-01-01 of the local date at instant ms."""
    return (ms + offset_ms(zone, ms)) // DAY_MS


def day_date(day: int) -> date:
    return date.fromordinal(_EPOCH_ORDINAL + day)


def _local_day_sql(ms: SQLColumnExpression[int], changes: list[tuple[int, int]]) -> ColumnElement[int]:
    if len(changes) == 1:
        return (ms + changes[0][1]) // DAY_MS
    offset = case(*((ms < changes[i + 1][0], changes[i][1]) for i in range(len(changes) - 1)),
                  else_=changes[-1][1])
    return (ms + offset) // DAY_MS


def _segment_conditions(begin_ms: int | None, end_ms: int | None,
                        chids: list[int] | None) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    if chids:
        out.append(col(Segment.chid).in_(chids))
    if begin_ms is not None:
        out.append(col(Segment.end_ms) > begin_ms)
    if end_ms is not None:
        out.append(col(Segment.begin_ms) <= end_ms)
    return out


def _end_extremes(s: Session, where: list[ColumnElement[bool]]) -> tuple[int, int] | None:
    """Smallest and largest segment end (each one walk down the end_ms index)."""
    end = col(Segment.end_ms)
    first = s.execute(select(end).where(*where).order_by(end.asc()).limit(1)).scalar()
    if first is None:
        return None
    last = s.execute(select(end).where(*where).order_by(end.desc()).limit(1)).scalar_one()  # same snapshot: found
    return first, last


def recorded_days(db: Database, zone: tzinfo, begin_ms: int | None = None, end_ms: int | None = None,
                  chids: list[int] | None = None) -> dict[int, set[int]]:
    """chid -> local day numbers (see day_date) with any recording between begin and end."""
    where = _segment_conditions(begin_ms, end_ms, chids)
    with db.read() as s:
        extremes = _end_extremes(s, where)
        if extremes is None:
            return {}
        # Offsets are needed only where segments are, and near the asked range: days outside it are
        # clipped below, but the clipping must see a segment's true first and last day.
        margin = LONG_SEGMENT_MARGIN_MS
        lo = extremes[0] - margin if begin_ms is None else max(extremes[0], begin_ms) - margin
        hi = extremes[1] if end_ms is None else min(extremes[1], end_ms + margin)
        changes = offset_changes(zone, lo, max(lo, hi))
        first = _local_day_sql(col(Segment.begin_ms), changes).label("first_day")
        last = _local_day_sql(col(Segment.end_ms) - 1, changes).label("last_day")
        chid_col = col(Segment.chid)
        rows = s.execute(select(chid_col, first, last).where(*where).group_by(chid_col, first, last)).all()
    low = local_day(zone, begin_ms) if begin_ms is not None else None
    high = local_day(zone, end_ms) if end_ms is not None else None
    days: dict[int, set[int]] = {}
    for chid, first_day, last_day in rows:
        first_day = max(first_day, low) if low is not None else first_day
        last_day = min(last_day, high) if high is not None else last_day
        if first_day <= last_day:
            days.setdefault(chid, set()).update(range(first_day, last_day + 1))
    return days


def recorded_minutes(db: Database, begin_ms: int, end_ms: int,
                     chids: list[int] | None = None) -> dict[int, set[int]]:
    """chid -> UTC minute numbers (ms // 60000) with any recording between begin and end."""
    first = (col(Segment.begin_ms) // MINUTE_MS).label("first_minute")
    last = ((col(Segment.end_ms) - 1) // MINUTE_MS).label("last_minute")
    chid_col = col(Segment.chid)
    query = (select(chid_col, first, last).where(*_segment_conditions(begin_ms, end_ms, chids))
             .group_by(chid_col, first, last))
    with db.read() as s:
        rows = s.execute(query).all()
    low, high = begin_ms // MINUTE_MS, end_ms // MINUTE_MS
    minutes: dict[int, set[int]] = {}
    for chid, first_minute, last_minute in rows:
        first_minute, last_minute = max(first_minute, low), min(last_minute, high)
        if first_minute <= last_minute:
            minutes.setdefault(chid, set()).update(range(first_minute, last_minute + 1))
    return minutes


def local_hours(zone: tzinfo, utc_minutes: set[int]) -> dict[tuple[int, int], list[int]]:
    """(local day number, hour) -> sorted minutes, in time order (a repeated DST hour merges)."""
    offsets: dict[int, int] = {}
    hours: dict[tuple[int, int], set[int]] = {}
    for minute in sorted(utc_minutes):
        quarter = minute * MINUTE_MS // QUARTER_MS
        if quarter not in offsets:
            offsets[quarter] = offset_ms(zone, quarter * QUARTER_MS) // MINUTE_MS
        local = minute + offsets[quarter]
        day, in_day = divmod(local, 1440)
        hours.setdefault((day, in_day // 60), set()).add(in_day % 60)
    return {key: sorted(values) for key, values in hours.items()}
