"""Live HLS: /live/ch{N}main/index.m3u8 (and /live/ch{N}sub/... for an ONVIF camera's sub stream), its
init segments and its media segments (fMP4, one camera GOP each), made by recorder.live from the
packets being recorded (or, for sub, read from the camera while someone watches).

Like every file-style resource, these take a session cookie, HTTP Basic or auth= (right: Remote).
A playlist asked for with auth= lists its segments with the same auth=, because a player has no
other way to carry it. The first request of an idle channel starts the muxer and waits (up to
PLAYLIST_WAIT_S) for a complete segment, so the player's first answer is never empty.
"""

from __future__ import annotations

import asyncio
import math
import re
from datetime import UTC, datetime
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from recorder.live import LISTED_SEGMENTS, LiveSegment, LiveStream
from web.core.auth import require_for_file
from web.core.context import Services
from web.core.errors import ApiError

PLAYLIST_WAIT_S = 10.0
POLL_S = 0.05
PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
NAME = re.compile(r"ch(\d{1,6})(main|sub)")


async def watched_stream(request: Request) -> LiveStream:
    """The channel's live stream, for a viewer with the rights; touched, so its muxer runs (or starts)."""
    await run_in_threadpool(require_for_file, request)
    services: Services = request.app.state.services
    match = NAME.fullmatch(request.path_params["name"])
    stream = None
    if match and services.recorder is not None:
        stream = services.recorder.live_stream(int(match[1]), match[2])
    if stream is None:
        raise ApiError(404, f"no live stream {request.path_params['name']!r}")
    stream.touch()
    return stream


def auth_suffix(request: Request) -> str:
    value = request.query_params.get("auth")
    return f"?auth={quote(value, safe='')}" if value else ""


def playlist(segments: list[LiveSegment], suffix: str) -> str:
    listed = segments[-LISTED_SEGMENTS:]
    target = max(1, math.ceil(max(s.duration for s in listed)))
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", f"#EXT-X-TARGETDURATION:{target}",
             f"#EXT-X-MEDIA-SEQUENCE:{listed[0].seq}", f"#EXT-X-DISCONTINUITY-SEQUENCE:{listed[0].discontinuity}"]
    generation = None
    for segment in listed:
        if segment.generation != generation:
            if generation is not None:
                lines.append("#EXT-X-DISCONTINUITY")
            generation = segment.generation
            lines.append(f'#EXT-X-MAP:URI="init-{generation}.mp4{suffix}"')
        when = datetime.fromtimestamp(segment.wall_ms / 1000, UTC).isoformat(timespec="milliseconds")
        lines.append(f"#EXT-X-PROGRAM-DATE-TIME:{when.replace('+00:00', 'Z')}")
        lines.append(f"#EXTINF:{segment.duration:.3f},")
        lines.append(f"{segment.seq}.m4s{suffix}")
    return "\n".join(lines) + "\n"


async def serve_playlist(request: Request) -> Response:
    stream = await watched_stream(request)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + PLAYLIST_WAIT_S
    while not (segments := stream.complete_segments()):
        if loop.time() >= deadline:
            raise ApiError(503, "the channel has no live video yet", {"Retry-After": "2"})
        await asyncio.sleep(POLL_S)
        stream.touch()
    return Response(playlist(segments, auth_suffix(request)), media_type=PLAYLIST_TYPE,
                    headers={"Cache-Control": "no-cache"})


async def serve_init(request: Request) -> Response:
    stream = await watched_stream(request)
    data = stream.init_segment(request.path_params["generation"])
    if data is None:
        raise ApiError(404, "no such init segment (the stream has moved on)")
    return Response(data, media_type="video/mp4", headers={"Cache-Control": "max-age=3600"})


async def serve_segment(request: Request) -> Response:
    stream = await watched_stream(request)
    segment = stream.segment(request.path_params["seq"])
    if segment is None:
        raise ApiError(404, "no such segment (too old, or not finished yet)")
    return Response(segment.data, media_type="video/iso.segment", headers={"Cache-Control": "max-age=60"})


routes = [
    Route("/live/{name}/index.m3u8", serve_playlist, methods=["GET", "HEAD"]),
    Route("/live/{name}/init-{generation:int}.mp4", serve_init, methods=["GET", "HEAD"]),
    Route("/live/{name}/{seq:int}.m4s", serve_segment, methods=["GET", "HEAD"]),
]
