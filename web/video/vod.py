"""GET /api/vod: the addresses of live streams (no `when`, or `when=now`) and of recorded files
(`when=`, or `id=`), as the guide's *Search for video sources* describes them."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from storage import segment_search
from storage.channels import all_channels, get_channel
from storage.clock import now_ms
from storage.models import Segment
from web.core.answers import ts_json
from web.core.auth import require
from web.core.context import Services
from web.core.errors import bad_request
from web.core.params import Query
from web.core.urls import base_url
from web.video.vod_items import live_item, recorded_item
from web.video.vod_params import parse_duration, parse_when, window_end

DEFAULT_LIMIT = 10
MAX_LIMIT = 50
LIVE_NEAR_MS = 60_000  # a `when` this close to now also gets the live item (unless nolive)
MAX_FILE_ID = 2**31 - 1  # segments.id is an INTEGER column: 32 bits on PostgreSQL


def has_id(query: Query) -> bool:
    return bool((query.text("id") or "").strip())


def asks_live(query: Query) -> bool:
    when = (query.text("when") or "").strip().lower()
    return not has_id(query) and when in ("", "now")


def live_filters(query: Query) -> dict[str, Any]:
    return {"protocol": query.text("protocol", max_length=32) or None,
            "stream": query.text("stream", max_length=32) or None}


def live_list(request: Request, services: Services, query: Query) -> list[dict[str, Any]]:
    if query.flag("next") or query.flag("prev"):
        raise bad_request("next and prev need id")
    chids = query.int_list("ch")
    filters = live_filters(query)
    name_only = query.flag("nameonly")
    base = base_url(request)
    return [live_item(c, base, services.live.video_size(c.chid), name_only=name_only, cameras=services.cameras,
                      sub_size=services.sub_stream_size(c.chid), **filters)
            for c in all_channels(services.db) if chids is None or c.chid in chids]


def one_channel(query: Query) -> int | None:
    chids = query.int_list("ch")
    if chids is not None and len(chids) != 1:
        raise bad_request("ch: recorded video is searched on one channel at a time")
    return chids[0] if chids else None


def by_file_id(services: Services, query: Query, chid: int | None, limit: int) -> list[Segment]:
    """The file `id` and those after it; with next (prev) only those after (before) it."""
    following, preceding = query.flag("next"), query.flag("prev")
    if following and preceding:
        raise bad_request("next and prev cannot be used together")
    segment_id = query.integer("id", low=1, high=MAX_FILE_ID)
    assert segment_id is not None
    segment = segment_search.segment_by_id(services.db, segment_id)
    if segment is None or (chid is not None and segment.chid != chid):
        return []
    if following:
        return segment_search.following(services.db, segment, limit)
    if preceding:
        return segment_search.preceding(services.db, segment, limit)
    return [segment, *segment_search.following(services.db, segment, limit - 1)]


def by_time(services: Services, query: Query, chid: int, when_ms: int, limit: int) -> list[Segment]:
    """Files overlapping [when, when + duration), oldest first; `otherwise` when there are none."""
    end_ms = window_end(when_ms, parse_duration(query.text("duration", max_length=32)))
    otherwise = query.choice("otherwise", ("nearBefore", "nearAfter"))
    found = segment_search.overlapping(services.db, chid, when_ms, end_ms, limit)
    if found or otherwise is None:
        return found
    if otherwise == "nearBefore":
        return segment_search.ending_by(services.db, chid, when_ms, limit)[::-1]
    return segment_search.starting_from(services.db, chid, end_ms, limit)


def recorded_list(request: Request, services: Services, query: Query) -> list[dict[str, Any]]:
    limit = query.integer("limit", DEFAULT_LIMIT, low=1, high=MAX_LIMIT) or DEFAULT_LIMIT
    chid = one_channel(query)
    no_live = query.flag("nolive")
    now = now_ms()
    when_ms: int | None = None
    if has_id(query):
        segments = by_file_id(services, query, chid, limit)
    else:
        if query.flag("next") or query.flag("prev"):
            raise bad_request("next and prev need id")
        if chid is None:
            raise bad_request("ch is required for recorded video")
        when_ms = parse_when(query.text("when"), services.tz, now)
        assert when_ms is not None  # asks_live() took the other cases
        segments = by_time(services, query, chid, when_ms, limit)
    base = base_url(request)
    titles: dict[int, str] = {}
    items = []
    for segment in segments:
        if segment.chid not in titles:
            channel = get_channel(services.db, segment.chid)
            titles[segment.chid] = channel.name if channel else ""  # a deleted channel's files stay
        items.append(recorded_item(segment, titles[segment.chid], base, services.tz))
    if when_ms is not None and chid is not None and abs(when_ms - now) < LIVE_NEAR_MS and not no_live:
        channel = get_channel(services.db, chid)
        if channel is not None:
            items.append(live_item(channel, base, services.live.video_size(chid), cameras=services.cameras,
                                   sub_size=services.sub_stream_size(chid), **live_filters(query)))
    return items


def vod_endpoint(request: Request) -> Response:
    services: Services = request.app.state.services
    query = Query(request)
    if asks_live(query):
        require(request)
        return ts_json(request, live_list(request, services, query))
    require(request, "Playback")
    return ts_json(request, recorded_list(request, services, query))


routes = [Route("/api/vod", vod_endpoint)]
