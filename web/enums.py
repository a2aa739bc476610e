"""/api/enum?what=channel|eventType|realtimeEvent|objectType|objectAttr|lprSrc|emergencyCall|parkingLot."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from storage.channels import all_channels
from storage.eventlog import CODES, EventType
from storage.events import REALTIME_TOPICS
from web.core import channel_view, device_view, i18n
from web.core.answers import ts_json
from web.core.auth import require
from web.core.context import Services
from web.core.errors import bad_request
from web.core.params import Query
from web.core.urls import base_url

# Faces are not detected. Of human attributes, only those read from the pixels of the body's box
# (which garment, which colours) are claimed; gender, age, hat, bag and the rest are not.
OBJECT_TYPES = ["human", "vehicle"]
COLORS = ["brown", "black", "red", "orange", "yellow", "green", "cyan", "blue", "purple", "magenta", "gray", "pink",
          "beige", "white", "other"]
OBJECT_ATTRIBUTES: dict[str, dict[str, Any]] = {
    "human": {"clothes": {"type": ["tops", "bottoms"], "colors": COLORS}},
    "vehicle": {"vehicleType": ["car", "truck", "bus", "bicycle", "motorcycle", "train"], "colors": COLORS},
}


def channel_list(request: Request, services: Services, query: Query) -> list[dict[str, Any]]:
    with_src, with_caps = query.flag("staticSrc"), query.flag("caps")
    base = base_url(request)
    out = []
    for channel in all_channels(services.db):
        item = channel_view.summary(channel)
        if with_src:
            item["src"] = channel_view.stream_sources(channel, base, services.live.video_size(channel.chid),
                                                      services.sub_stream_size(channel.chid))
        if with_caps:
            item["caps"] = channel_view.caps(channel, services.cameras)
        out.append(item)
    return out


def event_types(_request: Request, services: Services, query: Query) -> list[dict[str, Any]]:
    lang = query.lang(services.settings.language)
    out = []
    for event_type in EventType:
        item: dict[str, Any] = {"id": int(event_type), "name": i18n.text(lang, f"eventType.{int(event_type)}")}
        codes = CODES.get(event_type)
        if codes:  # the guide lists user-defined events (type 6) without a code list
            item["code"] = [{"id": int(code), "name": i18n.text(lang, f"eventCode.{int(event_type)}.{int(code)}")}
                            for code in codes]
        out.append(item)
    return out


def object_attributes(_request: Request, _services: Services, query: Query) -> dict[str, Any]:
    kind = query.text("type", max_length=32)
    if kind is None or kind == "" or kind == "all":
        return OBJECT_ATTRIBUTES
    if kind not in OBJECT_ATTRIBUTES:
        raise bad_request(f"type: this server detects no {kind!r} objects; the types are {', '.join(OBJECT_TYPES)}")
    return OBJECT_ATTRIBUTES[kind]


def device_list(list_of: Callable[[Services], Any]) -> Callable[[Request, Services, Query], Any]:
    """A list of web.core.device_view, answered as it is."""

    def answer(_request: Request, services: Services, _query: Query) -> Any:
        return list_of(services)

    return answer


ANSWERS: dict[str, Callable[[Request, Services, Query], Any]] = {
    "channel": channel_list,
    "eventType": event_types,
    "realtimeEvent": lambda *_: list(REALTIME_TOPICS),
    "objectType": lambda *_: OBJECT_TYPES,
    "objectAttr": object_attributes,
    "lprSrc": device_list(device_view.lpr_src_list),
    "emergencyCall": device_list(device_view.emergency_call_list),
    "parkingLot": device_list(device_view.parking_lot_enum),
}


def enum_endpoint(request: Request) -> Response:
    require(request)
    services: Services = request.app.state.services
    query = Query(request)
    what = query.text("what", max_length=32)
    if not what:
        raise bad_request(f"what is required: one of {', '.join(ANSWERS)}")
    if what not in ANSWERS:
        raise bad_request(f"what: unknown list {what!r}; the lists are {', '.join(ANSWERS)}")
    return ts_json(request, ANSWERS[what](request, services, query))


routes = [Route("/api/enum", enum_endpoint)]
