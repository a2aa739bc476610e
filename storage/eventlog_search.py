"""Searching the event log by time range and type, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select

from storage.db import Database
from storage.models import EventLogEntry


@dataclass(frozen=True)
class EventFilter:
    begin_ms: int | None = None  # events at or after this
    end_ms: int | None = None  # events at or before this
    types: tuple[int, ...] = ()  # any of these event types


def _conditions(f: EventFilter) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    if f.begin_ms is not None:
        out.append(EventLogEntry.ts_ms >= f.begin_ms)
    if f.end_ms is not None:
        out.append(EventLogEntry.ts_ms <= f.end_ms)
    if f.types:
        out.append(EventLogEntry.type.in_(f.types))
    return out


def count_events(db: Database, f: EventFilter) -> int:
    with db.read() as s:
        return s.execute(select(func.count()).select_from(EventLogEntry).where(*_conditions(f))).scalar_one()


def find_events(db: Database, f: EventFilter, at: int, limit: int, ascending: bool = False) -> list[EventLogEntry]:
    if limit <= 0:
        return []
    if ascending:
        order = (EventLogEntry.ts_ms.asc(), EventLogEntry.id.asc())
    else:
        order = (EventLogEntry.ts_ms.desc(), EventLogEntry.id.desc())
    query = select(EventLogEntry).where(*_conditions(f)).order_by(*order).offset(at).limit(limit)
    with db.read() as s:
        return list(s.scalars(query))
