"""Searching the plate log: keyword (substring of the plate key), time range, sources, channels."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Integer, and_, column, false, or_, select, table, text
from sqlmodel import col

from storage import plate_fts
from storage.db import Database
from storage.models import PlateRead
from storage.paging import count_and_page, time_order, within
from storage.sql_text import LIKE_ESCAPE, contains_pattern, member_pattern

EXPORT_BATCH = 2000


@dataclass(frozen=True)
class PlateFilter:
    keyword: str = ""  # a plate_key() fragment, matched literally anywhere in the plate key
    match_nothing: bool = False  # e.g. a keyword of only characters no plate key contains
    begin_ms: int | None = None  # reads that began at or after this
    end_ms: int | None = None  # reads that began at or before this
    src_codes: tuple[str, ...] = ()  # any of these sources
    channels: tuple[int, ...] = ()  # linked to any of these channels


def _keyword_conditions(db: Database, keyword: str) -> list[ColumnElement[bool]]:
    if "\x00" in keyword:
        # SQLite's LIKE reads a pattern only up to U+0000 (so "%\0%" would match every row) and FTS5
        # refuses it; no plate key holds one, so taken literally such a keyword matches nothing.
        return [false()]
    like = col(PlateRead.plate_key).like(contains_pattern(keyword), escape=LIKE_ESCAPE)
    conditions: list[ColumnElement[bool]] = [like]
    if len(keyword) >= plate_fts.MIN_FTS_KEYWORD and plate_fts.has_index(db):
        # The index narrows the rows to a handful of candidates; the LIKE above stays the judge.
        candidates = (
            select(column("rowid", Integer))
            .select_from(table(plate_fts.FTS_TABLE))
            .where(text(f"{plate_fts.FTS_TABLE} MATCH :plate_match").bindparams(
                plate_match=plate_fts.match_query(keyword)))
        )
        conditions.append(col(PlateRead.id).in_(candidates))
    return conditions


def conditions(db: Database, f: PlateFilter) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = [false()] if f.match_nothing else []
    if f.keyword:
        out += _keyword_conditions(db, f.keyword)
    out += within(col(PlateRead.begin_ms), f.begin_ms, f.end_ms)
    if f.src_codes:
        out.append(col(PlateRead.src_code).in_(f.src_codes))
    if f.channels:
        out.append(or_(*(col(PlateRead.channels).like(member_pattern(c), escape=LIKE_ESCAPE) for c in f.channels),
                       col(PlateRead.chid).in_(f.channels)))
    return out


def search_plates(db: Database, f: PlateFilter, at: int, limit: int,
                  ascending: bool = False) -> tuple[int, list[PlateRead]]:
    """(total matches, one page of them), newest first unless ascending."""
    return count_and_page(db, PlateRead, conditions(db, f), col(PlateRead.begin_ms), at, limit, ascending)


def iter_plates(db: Database, f: PlateFilter, ascending: bool = False,
                batch: int = EXPORT_BATCH) -> Iterator[PlateRead]:
    """Every match in search order, fetched in batches that continue after the last row seen
    (so a long export never holds one read transaction open, nor re-skips an OFFSET)."""
    base = conditions(db, f)
    begin_col, id_col = col(PlateRead.begin_ms), col(PlateRead.id)
    after: tuple[int, int | None] | None = None
    while True:
        where = list(base)
        if after is not None:
            begin, row_id = after
            if ascending:
                where.append(or_(begin_col > begin, and_(begin_col == begin, id_col > row_id)))
            else:
                where.append(or_(begin_col < begin, and_(begin_col == begin, id_col < row_id)))
        with db.read() as s:
            order = time_order(begin_col, id_col, ascending)
            rows = list(s.scalars(select(PlateRead).where(*where).order_by(*order).limit(batch)))
        yield from rows
        if len(rows) < batch:
            return
        after = (rows[-1].begin_ms, rows[-1].id)
