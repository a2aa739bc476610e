"""Searching the event log by time range and type, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement
from sqlmodel import col

from storage.db import Database
from storage.models import EventLogEntry
from storage.paging import count_and_page, within


@dataclass(frozen=True)
class EventFilter:
    begin_ms: int | None = None  # events at or after this
    end_ms: int | None = None  # events at or before this
    types: tuple[int, ...] = ()  # any of these event types


def _conditions(f: EventFilter) -> list[ColumnElement[bool]]:
    out = within(col(EventLogEntry.ts_ms), f.begin_ms, f.end_ms)
    if f.types:
        out.append(col(EventLogEntry.type).in_(f.types))
    return out


def search_events(db: Database, f: EventFilter, at: int, limit: int,
                  ascending: bool = False) -> tuple[int, list[EventLogEntry]]:
    """(total matches, one page of them), newest first unless ascending."""
    return count_and_page(db, EventLogEntry, _conditions(f), col(EventLogEntry.ts_ms), at, limit, ascending)
