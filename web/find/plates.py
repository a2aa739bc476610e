"""GET /api/find?what=carNo: the plate log by keyword, time, source and channel, a page at a time."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from storage.plate_search import PlateFilter, search_plates
from storage.plates import plate_key
from storage.settings import Settings
from web.core.auth import require
from web.core.context import Services, services_of
from web.core.params import Query
from web.core.urls import base_url
from web.find.common import TimeRange, page_answer, page_of, time_range_of
from web.find.plate_json import plate_json

MAX_KEYWORD = 64


def source_codes(values: list[str], settings: Settings) -> tuple[str, ...]:
    """`src` names LPR devices by id (settings lpr_device); a device code is accepted as well."""
    codes: list[str] = []
    for value in values:
        device = next((d for d in settings.lpr_device if str(d.id) == value), None)
        code = device.code if device else value
        if code not in codes:
            codes.append(code)
    return tuple(codes)


def plate_filter_of(query: Query, services: Services) -> tuple[PlateFilter, TimeRange]:
    raw_keyword = query.text("keyword", "", max_length=MAX_KEYWORD) or ""
    keyword = plate_key(raw_keyword)
    times = time_range_of(query, services.tz)
    sources = query.words("src")
    channels = query.int_list("ch")
    f = PlateFilter(
        keyword=keyword,
        # "_" or "-" alone: plate keys never hold these, so taken literally nothing matches
        match_nothing=bool(raw_keyword.strip()) and not keyword,
        begin_ms=times.begin_ms,
        end_ms=times.end_ms,
        src_codes=source_codes(sources, services.settings) if sources else (),
        channels=tuple(channels or ()),
    )
    return f, times


def find_car_numbers(request: Request) -> Response:
    require(request, "LPR")
    query = Query(request)
    services = services_of(request)
    page = page_of(query, services)
    f, _times = plate_filter_of(query, services)
    db = services.db
    total, rows = search_plates(db, f, page.at, page.max_count, page.ascending)
    base, tz, settings = base_url(request), services.tz, services.settings
    return page_answer(request, total, page.at, [plate_json(r, base, tz, settings) for r in rows])
