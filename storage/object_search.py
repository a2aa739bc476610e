"""Searching the object-detection log by time, channel, type and flattened attributes."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, SQLColumnExpression
from sqlmodel import col

from storage.db import Database
from storage.models import DetectedObject
from storage.paging import count_and_page, within
from storage.sql_text import LIKE_ESCAPE, member_pattern


@dataclass(frozen=True)
class ClothesFilter:
    lengths: tuple[str, ...] = ()  # any of (short, long)
    colors: tuple[str, ...] = ()  # all of


@dataclass(frozen=True)
class ObjectFilter:
    begin_ms: int | None = None
    end_ms: int | None = None
    channels: tuple[int, ...] = ()
    types: tuple[str, ...] = ()  # any of face, human, vehicle
    gender: str | None = None
    age: str | None = None
    hat: bool | None = None
    glasses: bool | None = None
    mask: bool | None = None
    bag: bool | None = None
    top: ClothesFilter | None = None
    bottom: ClothesFilter | None = None
    vehicle_types: tuple[str, ...] = ()  # any of
    vehicle_colors: tuple[str, ...] = ()  # all of


def _has_all(column: SQLColumnExpression[str], values: tuple[str, ...]) -> list[ColumnElement[bool]]:
    return [column.like(member_pattern(v), escape=LIKE_ESCAPE) for v in values]


def _clothes(length_column: SQLColumnExpression[str | None], colors_column: SQLColumnExpression[str],
             f: ClothesFilter | None) -> list[ColumnElement[bool]]:
    if f is None:
        return []
    out = _has_all(colors_column, f.colors)
    if f.lengths:
        out.append(length_column.in_(f.lengths))
    return out


def _conditions(f: ObjectFilter) -> list[ColumnElement[bool]]:
    o = DetectedObject
    out = within(col(o.ts_ms), f.begin_ms, f.end_ms)
    if f.channels:
        out.append(col(o.chid).in_(f.channels))
    if f.types:
        out.append(col(o.type).in_(f.types))
    for column, value in ((col(o.gender), f.gender), (col(o.age), f.age), (col(o.hat), f.hat),
                          (col(o.glasses), f.glasses), (col(o.mask), f.mask), (col(o.bag), f.bag)):
        if value is not None:
            out.append(column == value)
    out += _clothes(col(o.top_length), col(o.top_colors), f.top)
    out += _clothes(col(o.bottom_length), col(o.bottom_colors), f.bottom)
    if f.vehicle_types:
        out.append(col(o.vehicle_type).in_(f.vehicle_types))
    out += _has_all(col(o.colors), f.vehicle_colors)
    return out


def search_objects(db: Database, f: ObjectFilter, at: int, limit: int,
                   ascending: bool = False) -> tuple[int, list[DetectedObject]]:
    """(total matches, one page of them), newest first unless ascending."""
    return count_and_page(db, DetectedObject, _conditions(f), col(DetectedObject.ts_ms), at, limit, ascending)
