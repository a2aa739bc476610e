"""One page of a time-ordered search and the honest total, read from the same snapshot."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, func, select

from storage.db import Database

Row = TypeVar("Row")


def within(column: Any, begin_ms: int | None, end_ms: int | None) -> list[ColumnElement[bool]]:
    """column between begin_ms and end_ms, both inclusive, either end optional."""
    out: list[ColumnElement[bool]] = []
    if begin_ms is not None:
        out.append(column >= begin_ms)
    if end_ms is not None:
        out.append(column <= end_ms)
    return out


def time_order(time_column: Any, id_column: Any, ascending: bool) -> tuple[Any, Any]:
    """Newest first (or oldest first), rows of the same millisecond by id."""
    if ascending:
        return time_column.asc(), id_column.asc()
    return time_column.desc(), id_column.desc()


def count_and_page(db: Database, model: type[Row], where: list[ColumnElement[bool]], time_column: Any,
                   at: int, limit: int, ascending: bool) -> tuple[int, list[Row]]:
    """(totalCount, the rows at..at+limit); one read transaction, so the two agree."""
    with db.read() as s:
        total = s.execute(select(func.count()).select_from(model).where(*where)).scalar_one()
        if limit <= 0 or at >= total:
            return total, []
        order = time_order(time_column, model.id, ascending)  # type: ignore[attr-defined]
        return total, list(s.scalars(select(model).where(*where).order_by(*order).offset(at).limit(limit)))
