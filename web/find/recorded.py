"""GET /api/find?what=recDays and what=recMinutes: the days, and the minutes, with recordings.

Times the client wrote in UTC (Z) get UTC days and minutes; anything else the server's zone.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response

from storage.clock import now_ms
from storage.recorded_time import DAY_MS, day_date, local_day, local_hours, recorded_days, recorded_minutes
from web.core.answers import ts_json
from web.core.auth import require
from web.core.context import services_of
from web.core.errors import bad_request
from web.core.params import Query
from web.core.timefmt import format_ms
from web.find.common import TimeRange, time_range_of

UTC_ZONE = ZoneInfo("UTC")
MAX_MINUTE_RANGE_MS = 3 * DAY_MS


def _zones(times: TimeRange, server_zone: ZoneInfo) -> tuple[tzinfo, ZoneInfo | None]:
    """(zone that decides days and minutes, zone for format_ms: None writes UTC with Z)."""
    return (UTC_ZONE, None) if times.utc else (server_zone, server_zone)


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def month_start_ms(zone: tzinfo, day: int) -> int:
    d = day_date(day)
    return _ms(datetime(d.year, d.month, 1, tzinfo=zone))


def month_end_ms(zone: tzinfo, day: int) -> int:
    d = day_date(day)
    year, month = (d.year + 1, 1) if d.month == 12 else (d.year, d.month + 1)
    return _ms(datetime(year, month, 1, tzinfo=zone)) - 1


def months_json(days: set[int]) -> list[dict[str, Any]]:
    """[{"year", "month", "days": [...]}, ...] in date order."""
    months: dict[tuple[int, int], list[int]] = {}
    for day in sorted(days):
        d = day_date(day)
        months.setdefault((d.year, d.month), []).append(d.day)
    return [{"year": y, "month": m, "days": ds} for (y, m), ds in months.items()]


def find_recorded_days(request: Request) -> Response:
    require(request, "Playback")
    services = services_of(request)
    query = Query(request)
    chids = query.int_list("ch")
    times = time_range_of(query, services.tz)
    zone, answer_zone = _zones(times, services.tz)
    days = recorded_days(services.db, zone, times.begin_ms, times.end_ms, chids)
    every_day: set[int] = set().union(*days.values()) if days else set()
    today = local_day(zone, now_ms())
    begin_ms = times.begin_ms if times.begin_ms is not None else month_start_ms(zone, min(every_day, default=today))
    end_ms = times.end_ms if times.end_ms is not None else month_end_ms(zone, max(every_day, default=today))
    if chids:
        data: list[dict[str, Any]] = [{"chid": chid, "data": months_json(days[chid])} for chid in sorted(days)]
    else:
        data = months_json(every_day)
    return ts_json(request, {"timeBegin": format_ms(begin_ms, answer_zone), "timeEnd": format_ms(end_ms, answer_zone),
                             "data": data})


def minute_range(times: TimeRange) -> tuple[int, int]:
    """One of timeBegin/timeEnd alone means one day from (or up to) it; at most 3 days."""
    if times.begin_ms is not None:
        begin = times.begin_ms
        end = times.end_ms if times.end_ms is not None else begin + DAY_MS - 1
    elif times.end_ms is not None:
        end = times.end_ms
        begin = end - DAY_MS + 1
    else:
        raise bad_request("recMinutes needs timeBegin or timeEnd (or both, at most 3 days apart)")
    if end - begin > MAX_MINUTE_RANGE_MS:
        raise bad_request("recMinutes covers at most 3 days between timeBegin and timeEnd")
    return begin, end


def find_recorded_minutes(request: Request) -> Response:
    require(request, "Playback")
    services = services_of(request)
    query = Query(request)
    chids = query.int_list("ch")
    times = time_range_of(query, services.tz)
    begin_ms, end_ms = minute_range(times)
    zone, answer_zone = _zones(times, services.tz)
    minutes = recorded_minutes(services.db, begin_ms, end_ms, chids)
    data = []
    for chid in sorted(minutes):
        hours = local_hours(zone, minutes[chid])
        entries = []
        for (day, hour), values in hours.items():
            d = day_date(day)
            entries.append({"year": d.year, "month": d.month, "day": d.day, "hour": hour, "minutes": values})
        data.append({"chid": chid, "data": entries})
    return ts_json(request, {"timeBegin": format_ms(begin_ms, answer_zone), "timeEnd": format_ms(end_ms, answer_zone),
                             "data": data})
