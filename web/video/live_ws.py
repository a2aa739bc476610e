"""/wsapi/live?ch=N[&stream=sub]: low-latency live video for MediaSource, frame by frame (the main
stream, or an ONVIF camera's sub stream).

The socket authenticates like /wsapi/subscribeEvents (auth=, Basic, the cookie or session=;
right: Remote). Then the server sends a text message {"mime", "width", "height"}, a binary init
segment (ftyp+moov) and a binary fMP4 fragment (moof+mdat) per frame, starting at the last
keyframe. When the camera reconnects the stream starts over with a new text message and init.
A refusal is the socket closed with 1008 and the reason; a viewer too slow to keep up (about
VIEWER_QUEUE frames behind) is closed with 1013.
"""

from __future__ import annotations

import asyncio

from starlette.concurrency import run_in_threadpool
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from recorder.live import Header, LiveStream, LiveViewer
from web.core import auth
from web.core.answers import dumps
from web.core.context import Services
from web.core.errors import ApiError
from web.core.numbers import NotWholeNumber, whole_number
from web.core.websocket import CLOSE_POLICY_VIOLATION, Refused, close, close_slow_client, forward_until_client_leaves


def requested_stream(ws: WebSocket, services: Services) -> LiveStream:
    ch = ws.query_params.get("ch", "")
    try:
        chid = whole_number(ch)  # not isdigit() and int(): "²" passes the one and fails the other
    except NotWholeNumber:
        raise Refused("ch is required: a channel number") from None
    profile = ws.query_params.get("stream", "main").lower()
    if profile not in ("main", "sub"):
        raise Refused("stream is main or sub")
    stream = services.recorder.live_stream(chid, profile) if services.recorder is not None else None
    if stream is None:
        raise Refused(f"no live {profile} stream for channel {ch}")
    return stream


async def forward(ws: WebSocket, viewer: LiveViewer) -> bool:
    """Send until the viewer is dropped (True) or the client goes (False)."""
    while True:
        item = await viewer.get()
        if item is None:
            return True
        try:
            if isinstance(item, Header):
                await ws.send_text(dumps(item.message()))
            else:
                await ws.send_bytes(item)
        except (WebSocketDisconnect, RuntimeError, OSError):
            return False


async def watch_live(ws: WebSocket) -> None:
    services: Services = ws.app.state.services
    await ws.accept()
    try:
        await run_in_threadpool(auth.require, ws)
        stream = requested_stream(ws, services)
    except (ApiError, Refused) as exc:
        await close(ws, CLOSE_POLICY_VIOLATION, str(exc))
        return
    viewer = stream.subscribe(asyncio.get_running_loop())
    dropped = False
    try:
        dropped = await forward_until_client_leaves(ws, lambda: forward(ws, viewer))
    except WebSocketDisconnect:
        pass
    finally:
        viewer.close()
    if dropped:
        await close_slow_client(ws, "the connection is too slow for this stream")


routes = [WebSocketRoute("/wsapi/live", watch_live)]
