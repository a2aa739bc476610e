"""GET /api/find?what=similarCarNo: distinct plate numbers resembling a keyword, closest first."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from storage.plate_similar import similar_plates
from storage.plates import plate_key
from web.core.answers import ts_json
from web.core.auth import require
from web.core.context import services_of
from web.core.errors import bad_request
from web.core.params import Query
from web.find.common import DEFAULT_MAX_COUNT

MAX_KEYWORD = 32


def find_similar_car_numbers(request: Request) -> Response:
    require(request, "LPR")
    services = services_of(request)
    query = Query(request)
    key = plate_key(query.text("keyword", "", max_length=MAX_KEYWORD) or "")
    if not key:
        raise bad_request("keyword is required: the plate number to compare")
    limit = services.settings.find_max_count
    max_count = min(query.integer("maxCount", DEFAULT_MAX_COUNT, low=0) or 0, limit)
    plates = similar_plates(services.db, key, max_count)
    return ts_json(request, [p.plate_no for p in plates])
