"""One page of a time-ordered search and the honest total, read from the same snapshot."""

from __future__ import annotations

from typing import Protocol, TypeVar

from sqlalchemy import ColumnElement, SQLColumnExpression, UnaryExpression, func, select
from sqlmodel import col

from storage.db import Database


class _Identified(Protocol):
    """A table model whose primary key is `id`."""

    id: int | None


Row = TypeVar("Row", bound=_Identified)


def within(column: SQLColumnExpression[int], begin_ms: int | None, end_ms: int | None) -> list[ColumnElement[bool]]:
    """column between begin_ms and end_ms, both inclusive, either end optional."""
    out: list[ColumnElement[bool]] = []
    if begin_ms is not None:
        out.append(column >= begin_ms)
    if end_ms is not None:
        out.append(column <= end_ms)
    return out


def time_order(time_column: SQLColumnExpression[int], id_column: SQLColumnExpression[int | None],
               ascending: bool) -> tuple[UnaryExpression[int], UnaryExpression[int | None]]:
    """Newest first (or oldest first), rows of the same millisecond by id."""
    if ascending:
        return time_column.asc(), id_column.asc()
    return time_column.desc(), id_column.desc()


def count_and_page(db: Database, model: type[Row], where: list[ColumnElement[bool]],
                   time_column: SQLColumnExpression[int], at: int, limit: int,
                   ascending: bool) -> tuple[int, list[Row]]:
    """(totalCount, the rows at..at+limit); one read transaction, so the two agree."""
    with db.read() as s:
        total = s.execute(select(func.count()).select_from(model).where(*where)).scalar_one()
        if limit <= 0 or at >= total:
            return total, []
        order = time_order(time_column, col(model.id), ascending)
        return total, list(s.scalars(select(model).where(*where).order_by(*order).offset(at).limit(limit)))
