"""GET /api/find?what=eventLog: the event log, a page at a time, with names in the asked language."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response

from storage.eventlog_search import EventFilter, search_events
from storage.models import EventLogEntry
from web.core import i18n
from web.core.auth import require
from web.core.context import services_of
from web.core.params import Query
from web.core.timefmt import format_ms
from web.find.common import page_answer, page_of, time_range_of


def type_name(lang: str, type: int) -> str:
    key = f"eventType.{type}"
    return i18n.text(lang, key) if i18n.has(key) else str(type)


def code_name(lang: str, type: int, code: int) -> str:
    key = f"eventCode.{type}.{code}"
    return i18n.text(lang, key) if i18n.has(key) else str(code)


def param_json(raw: str | None) -> dict[str, Any] | None:
    """The stored parameters, with top-level text URL-encoded as the guide shows
    ("storagePath": "E%3A%5CrecData%5C")."""
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(value, dict):
        return None
    return {k: quote(v, safe="") if isinstance(v, str) else v for k, v in value.items()}


def event_json(entry: EventLogEntry, lang: str, tz: ZoneInfo) -> dict[str, Any]:
    time_range = [format_ms(entry.ts_ms, tz)]
    if entry.end_ms is not None:
        time_range.append(format_ms(entry.end_ms, tz))
    item: dict[str, Any] = {
        "id": entry.id,
        "type": entry.type,
        "typeName": type_name(lang, entry.type),
        "code": entry.code,
        "codeName": code_name(lang, entry.type, entry.code),
        "timeRange": time_range,
    }
    param = param_json(entry.param)
    if param:
        item["param"] = param
    if entry.comment:
        item["comment"] = entry.comment
    return item


def find_event_log(request: Request) -> Response:
    require(request, "Settings")
    services = services_of(request)
    query = Query(request)
    lang = query.lang(services.settings.language)
    page = page_of(query, services)
    times = time_range_of(query, services.tz)
    types = query.int_list("type", low=0, high=1000)
    f = EventFilter(begin_ms=times.begin_ms, end_ms=times.end_ms, types=tuple(types or ()))
    db, tz = services.db, services.tz
    total, entries = search_events(db, f, page.at, page.max_count, page.ascending)
    return page_answer(request, total, page.at, [event_json(e, lang, tz) for e in entries])
