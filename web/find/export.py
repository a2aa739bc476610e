"""GET /api/find?what=carNo&export=true: every matching plate as Excel files under DIR/exports,
answered with their download URLs; the export is written to the event log."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from storage import exports
from storage.clock import now_ms
from storage.eventlog import EventType, PrivacyCode
from storage.plate_search import iter_plates
from web.core.answers import ts_json
from web.core.auth import require
from web.core.context import services_of
from web.core.errors import ApiError
from web.core.params import Query
from web.core.timefmt import to_datetime
from web.core.urls import base_url
from web.find.export_xlsx import PlateWorkbooks, header, plate_cells
from web.find.plates import plate_filter_of


def download_url(base: str, name: str) -> str:
    return f"{base}/download/{quote(name, safe='()')}"


def export_car_numbers(request: Request) -> Response:
    account = require(request, "LPR", "DataExport")
    services = services_of(request)
    settings = services.settings
    query = Query(request)
    lang = query.lang(settings.language)
    ascending = query.choice("sort", ("desc", "asc"), "desc") == "asc"
    f, times = plate_filter_of(query, services)
    directory = exports.exports_dir(settings.data_dir)
    exports.remove_expired(directory, settings.export_max_age_hours * 3600)
    name_zone = None if times.begin is not None and times.begin.utc else services.tz  # None: UTC
    named_after = times.begin_ms if times.begin_ms is not None else now_ms()
    stem = exports.name_stem(to_datetime(named_after, name_zone))
    base = base_url(request)
    books = PlateWorkbooks(directory, stem, settings.export_rows_per_file, header(lang),
                           plate_cells(base, services.tz, settings))
    try:
        for row in iter_plates(services.db, f, ascending):
            books.add(row)
        paths = books.close()
    except OSError as exc:
        books.abort()
        raise ApiError(500, f"the export could not be written: {exc.strerror or exc}") from None
    except BaseException:
        books.abort()
        raise
    names = [p.name for p in paths]
    services.eventlog.record(
        EventType.PRIVACY, PrivacyCode.DATA_EXPORTED,
        {"uid": account.uid, "what": "carNo", "count": books.rows, "files": names},
        comment=f"{account.uid}: {books.rows} plates in {', '.join(names)}",
    )
    return ts_json(request, [download_url(base, name) for name in names])
