"""GET /api/find?what=object: the object-detection log, filtered by the guide's face, human and
vehicle attributes, a page at a time."""

from __future__ import annotations

import json
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response

from storage.models import DetectedObject
from storage.object_search import ClothesFilter, ObjectFilter, search_objects
from storage.objects import AGES, COLORS, GENDERS, LENGTHS, OBJECT_TYPES, VEHICLE_TYPES
from web.core.auth import require
from web.core.context import services_of
from web.core.errors import bad_request
from web.core.params import Query
from web.core.timefmt import format_ms
from web.core.urls import base_url, storage_url
from web.find.common import page_answer, page_of, time_range_of


def _one_of(name: str, value: str, options: tuple[str, ...]) -> str:
    lowered = value.strip().lower()
    if lowered not in options:
        raise bad_request(f"{name}: {value!r} is not one of {', '.join(options)}")
    return lowered


def object_types_of(query: Query) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_one_of("objectType", w, OBJECT_TYPES) for w in query.words("objectType") or ()))


def clothes_of(query: Query, name: str) -> ClothesFilter | None:
    """topClothes=short,red,blue: a length (short|long) and colours, which must all be worn."""
    words = query.words(name)
    if not words:
        return None
    lengths: list[str] = []
    colors: list[str] = []
    for word in words:
        value = _one_of(name, word, LENGTHS + COLORS)
        target = lengths if value in LENGTHS else colors
        if value not in target:
            target.append(value)
    return ClothesFilter(lengths=tuple(lengths), colors=tuple(colors))


def vehicle_of(query: Query) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """vehicleType=car,yellow: vehicle types (any of) and colours (all of)."""
    types: list[str] = []
    colors: list[str] = []
    for word in query.words("vehicleType") or ():
        value = _one_of("vehicleType", word, VEHICLE_TYPES + COLORS)
        target = types if value in VEHICLE_TYPES else colors
        if value not in target:
            target.append(value)
    return tuple(types), tuple(colors)


def _choice(query: Query, name: str, options: tuple[str, ...]) -> str | None:
    value = query.text(name)
    return None if value is None or value == "" else _one_of(name, value, options)


def object_filter_of(query: Query, tz: ZoneInfo) -> ObjectFilter:
    times = time_range_of(query, tz)
    vehicle_types, vehicle_colors = vehicle_of(query)
    return ObjectFilter(
        begin_ms=times.begin_ms,
        end_ms=times.end_ms,
        channels=tuple(query.int_list("ch") or ()),
        types=object_types_of(query),
        gender=_choice(query, "gender", GENDERS),
        age=_choice(query, "age", AGES),
        hat=query.optional_bool("hat"),
        glasses=query.optional_bool("glasses"),
        mask=query.optional_bool("mask"),
        bag=query.optional_bool("bag"),
        top=clothes_of(query, "topClothes"),
        bottom=clothes_of(query, "bottomClothes"),
        vehicle_types=vehicle_types,
        vehicle_colors=vehicle_colors,
    )


def object_json(obj: DetectedObject, base: str, tz: ZoneInfo) -> dict[str, Any]:
    item: dict[str, Any] = {"timestamp": format_ms(obj.ts_ms, tz), "chid": obj.chid, "objId": obj.obj_id}
    if obj.parent_id is not None:
        item["parentId"] = obj.parent_id
    item["type"] = obj.type
    item["likelihood"] = round(obj.likelihood, 2)
    try:
        item["attributes"] = json.loads(obj.attributes or "{}")
    except ValueError:
        item["attributes"] = {}
    if obj.image:
        item["image"] = obj.image if obj.image.startswith(("http://", "https://")) else storage_url(base, obj.image)
    return item


def find_detected_objects(request: Request) -> Response:
    require(request, "Playback")
    services = services_of(request)
    query = Query(request)
    page = page_of(query, services)
    f = object_filter_of(query, services.tz)
    total, rows = search_objects(services.db, f, page.at, page.max_count, page.ascending)
    base, tz = base_url(request), services.tz
    return page_answer(request, total, page.at, [object_json(o, base, tz) for o in rows])
