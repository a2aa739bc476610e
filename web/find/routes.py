"""GET /api/find?what=...: recorded days and minutes, event log, plate log (and its Excel export),
similar plates, detected objects."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from web.core.errors import bad_request
from web.core.params import Query
from web.find.eventlog import find_event_log
from web.find.export import export_car_numbers
from web.find.objects import find_detected_objects
from web.find.plates import find_car_numbers
from web.find.recorded import find_recorded_days, find_recorded_minutes
from web.find.similar import find_similar_car_numbers

Handler = Callable[[Request], Response]

HANDLERS: dict[str, Handler] = {
    "recDays": find_recorded_days,
    "recMinutes": find_recorded_minutes,
    "eventLog": find_event_log,
    "carNo": find_car_numbers,
    "similarCarNo": find_similar_car_numbers,
    "object": find_detected_objects,
}


def handler_for(request: Request) -> Handler:
    query = Query(request)
    what = query.params.get("what")  # only compared with the names below: may hold anything
    if not what:
        raise bad_request(f"what is required: one of {', '.join(HANDLERS)}")
    name = query.choice("what", HANDLERS)
    assert name is not None
    if name == "carNo" and query.flag("export"):
        return export_car_numbers
    return HANDLERS[name]


def find_endpoint(request: Request) -> Response:
    return handler_for(request)(request)


routes = [Route("/api/find", find_endpoint)]
