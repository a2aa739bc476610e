"""Parameters every /api/find search shares: paging (at, maxCount, sort) and the time range."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response

from web.core.answers import ts_json
from web.core.context import Services
from web.core.errors import bad_request
from web.core.params import Query
from web.core.timefmt import EARLIEST_MS, LATEST_MS, TsTime

DEFAULT_MAX_COUNT = 50
MAX_AT = 2**53  # far beyond any table, and still an integer every database takes

@dataclass(frozen=True)
class Page:
    at: int
    max_count: int
    ascending: bool


def page_of(query: Query, services: Services) -> Page:
    limit = services.settings.find_max_count
    at = query.integer("at", 0, low=0, high=MAX_AT)
    max_count = query.integer("maxCount", min(DEFAULT_MAX_COUNT, limit), low=0, high=limit)
    ascending = query.choice("sort", ("desc", "asc"), "desc") == "asc"
    return Page(at=at or 0, max_count=max_count or 0, ascending=ascending)


@dataclass(frozen=True)
class TimeRange:
    begin: TsTime | None
    end: TsTime | None

    @property
    def begin_ms(self) -> int | None:
        return self.begin.ms if self.begin else None

    @property
    def end_ms(self) -> int | None:
        return self.end.ms if self.end else None

    @property
    def utc(self) -> bool:
        """The client wrote its times in UTC: answer with UTC days and minutes."""
        return any(t is not None and t.utc for t in (self.begin, self.end))


def time_range_of(query: Query, tz: ZoneInfo) -> TimeRange:
    begin, end = query.time("timeBegin", tz), query.time("timeEnd", tz)
    for name, value in (("timeBegin", begin), ("timeEnd", end)):
        if value is not None and not EARLIEST_MS <= value.ms < LATEST_MS:
            raise bad_request(f"{name} must be between the years 1900 and 8999")
    if begin is not None and end is not None and begin.ms > end.ms:
        raise bad_request("timeBegin must not be after timeEnd")
    return TimeRange(begin, end)


def page_answer(request: Request, total: int, at: int, data: list[dict[str, Any]]) -> Response:
    return ts_json(request, {"totalCount": total, "at": at, "data": data})
