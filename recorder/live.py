"""One channel's live video, made from the packets the recorder already reads: fMP4 with one
fragment per frame, grouped at keyframes into HLS segments, and pushed frame by frame to
WebSocket viewers.

The muxer runs only while someone watches (a WebSocket viewer, or an HLS request within
`idle_seconds`). The packets since the last keyframe are always kept, so a new viewer starts at
once from that keyframe rather than waiting for the next.

A generation is one run of the muxer with its own init segment: it changes when the camera
reconnects, its timestamps jump, or the muxer restarts after an idle spell. HLS marks the change
with a discontinuity; a WebSocket viewer gets a new header and init.

The capture thread calls begin/feed/end; the web layer (event-loop thread) reads and subscribes.
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field

import av
from av.packet import Packet

from recorder.fmp4_stream import Fmp4Stream, Fragment, codec_string
from recorder.segmenter import StreamInfo

log = logging.getLogger("tsnvr.recorder")

KEEP_SEGMENTS = 8  # listed in the playlist: the last few; kept a little longer for slow fetches
LISTED_SEGMENTS = 4
MAX_GOP_PACKETS = 1500  # a camera with no keyframe for a minute: stop buffering
JUMP_S = 10.0
VIEWER_QUEUE = 600  # about 20 s of frames; a viewer further behind is dropped


@dataclass
class LiveSegment:
    seq: int
    generation: int
    discontinuity: int  # generation changes before this segment, counted over the stream's life
    wall_ms: float
    first_dts: int
    fragments: list[bytes] = field(default_factory=list)
    duration: float = 0.0
    complete: bool = False

    @property
    def data(self) -> bytes:
        return b"".join(self.fragments)


@dataclass(frozen=True)
class Header:
    """What a WebSocket viewer is told before an init segment."""

    generation: int
    mime: str
    width: int
    height: int
    init: bytes

    def message(self) -> dict[str, str | int]:
        return {"mime": self.mime, "width": self.width, "height": self.height}


class LiveViewer:
    """A WebSocket viewer's queue: Header, then bytes (init, fragments); None when dropped."""

    def __init__(self, loop: asyncio.AbstractEventLoop, stream: LiveStream) -> None:
        self._loop = loop
        self._stream = stream
        self._queue: asyncio.Queue[Header | bytes | None] = asyncio.Queue()
        self.dropped = False
        self.needs_header = True  # until the current generation's header and init have been queued

    def offer(self, item: Header | bytes) -> None:
        """From the capture thread."""
        self._loop.call_soon_threadsafe(self._put, item)

    def _put(self, item: Header | bytes) -> None:
        if self.dropped:
            return
        if self._queue.qsize() >= VIEWER_QUEUE:
            self.dropped = True
            self._queue.put_nowait(None)
            return
        self._queue.put_nowait(item)

    async def get(self) -> Header | bytes | None:
        return await self._queue.get()

    def close(self) -> None:
        self._stream.unsubscribe(self)


class LiveStream:
    def __init__(self, chid: int, idle_seconds: float = 30.0) -> None:
        self.chid = chid
        self.idle_seconds = idle_seconds
        self._lock = threading.Lock()
        self._info: StreamInfo | None = None
        self._gop: list[tuple[bytes, int | None, int, bool, float]] = []
        self._last_dts: int | None = None
        self._muxer: Fmp4Stream | None = None
        self._header: Header | None = None
        self._generation = 0
        self._discontinuities = -1
        self._segments: deque[LiveSegment] = deque()
        self._open: LiveSegment | None = None
        self._next_seq = 0
        self._viewers: set[LiveViewer] = set()
        self._inits: dict[int, bytes] = {}  # generations whose segments are still kept
        self._last_fragment_dts = 0
        self._jump_ticks = 0
        self._touched = -math.inf

    # -- the capture thread ---------------------------------------------------------------------

    def begin(self, info: StreamInfo) -> None:
        """A new connection: what follows has new codec parameters and timestamps."""
        with self._lock:
            self._stop_muxer()
            self._info = info
            self._jump_ticks = round(JUMP_S / info.time_base)
            self._gop.clear()
            self._last_dts = None

    def feed(self, packet: Packet, wall_ms: float) -> None:
        """A packet with a DTS that the recorder keeps (decode order, increasing)."""
        info = self._info
        if info is None or packet.dts is None:
            return
        dts = packet.dts
        with self._lock:
            if self._last_dts is not None and not 0 < dts - self._last_dts <= self._jump_ticks:
                self._stop_muxer()
                self._gop.clear()
            self._last_dts = dts
            if packet.is_keyframe:
                self._gop.clear()
            elif not self._gop or len(self._gop) >= MAX_GOP_PACKETS:
                self._gop.clear()
                return  # nothing to start from until a keyframe
            frame = (bytes(packet), packet.pts, dts, bool(packet.is_keyframe), wall_ms)
            self._gop.append(frame)
            if self._muxer is None:
                if not self.wanted():
                    return
                self._start_muxer(info)
                return  # the GOP so far, this packet included, went through the new muxer
            if not self.wanted():
                self._stop_muxer()
                self._segments.clear()  # stale by the time anyone asks again
                self._inits.clear()
                return
            self._mux(*frame)

    def end(self) -> None:
        with self._lock:
            self._stop_muxer()
            self._info = None
            self._gop.clear()

    def wanted(self) -> bool:
        """Someone watches: a WebSocket viewer, or an HLS request within idle_seconds."""
        return bool(self._viewers) or time.monotonic() - self._touched < self.idle_seconds

    def _start_muxer(self, info: StreamInfo) -> None:
        try:
            self._muxer = Fmp4Stream(info.template, info.time_base)
        except (av.FFmpegError, OSError, ValueError) as exc:
            log.warning("cannot start live stream", extra={"fields": {"chid": self.chid, "error": str(exc)}})
            return
        self._generation += 1
        self._header = None
        for frame in list(self._gop):
            self._mux(*frame)

    def _mux(self, data: bytes, pts: int | None, dts: int, keyframe: bool, wall_ms: float) -> None:
        assert self._muxer is not None
        try:
            fragments = self._muxer.mux(data, pts, dts, keyframe, wall_ms)
        except (av.FFmpegError, OSError, ValueError) as exc:
            log.info("live stream restarts", extra={"fields": {"chid": self.chid, "error": str(exc)}})
            self._stop_muxer()
            return
        if self._header is None and self._muxer.init is not None and self._info is not None:
            self._header = Header(self._generation, f'video/mp4; codecs="{codec_string(self._muxer.init)}"',
                                  self._info.width, self._info.height, self._muxer.init)
            self._inits[self._generation] = self._muxer.init
        for fragment in fragments:
            self._add_fragment(fragment)

    def _stop_muxer(self) -> None:
        muxer, self._muxer = self._muxer, None
        if muxer is not None:
            for fragment in muxer.close():
                self._add_fragment(fragment)
            self._close_open_segment(None)
        self._open = None
        for viewer in self._viewers:
            viewer.needs_header = True

    def _add_fragment(self, fragment: Fragment) -> None:
        if fragment.keyframe or self._open is None:
            self._close_open_segment(fragment.dts)
            if not fragment.keyframe:
                return
            if not self._segments or self._segments[-1].generation != self._generation:
                self._discontinuities += 1
            self._open = LiveSegment(self._next_seq, self._generation, self._discontinuities,
                                     fragment.wall_ms, fragment.dts)
            self._next_seq += 1
            self._segments.append(self._open)
            while len(self._segments) > KEEP_SEGMENTS:
                self._segments.popleft()
            kept = {s.generation for s in self._segments}
            for generation in [g for g in self._inits if g not in kept]:
                del self._inits[generation]
        self._open.fragments.append(fragment.data)
        self._last_fragment_dts = fragment.dts
        header = self._header
        for viewer in list(self._viewers):
            if viewer.needs_header:
                if header is None or not fragment.keyframe:
                    continue
                viewer.needs_header = False
                viewer.offer(header)
                viewer.offer(header.init)
            viewer.offer(fragment.data)
            if viewer.dropped:
                self._viewers.discard(viewer)

    def _close_open_segment(self, next_dts: int | None) -> None:
        segment, self._open = self._open, None
        if segment is None or self._info is None:
            return
        end_dts = next_dts if next_dts is not None else self._last_fragment_dts + self._info.frame_ticks
        segment.duration = float((end_dts - segment.first_dts) * self._info.time_base)
        segment.complete = True

    # -- the web layer ----------------------------------------------------------------------------

    def touch(self) -> None:
        """An HLS client asked for something: keep (or start) muxing."""
        self._touched = time.monotonic()

    def subscribe(self, loop: asyncio.AbstractEventLoop) -> LiveViewer:
        viewer = LiveViewer(loop, self)
        with self._lock:
            self._viewers.add(viewer)
            open_segment, header = self._open, self._header
            if open_segment is not None and header is not None and open_segment.generation == header.generation:
                viewer.needs_header = False
                viewer.offer(header)
                viewer.offer(header.init)
                for data in list(open_segment.fragments):
                    viewer.offer(data)
        return viewer

    def unsubscribe(self, viewer: LiveViewer) -> None:
        with self._lock:
            self._viewers.discard(viewer)

    def complete_segments(self) -> list[LiveSegment]:
        with self._lock:
            return [s for s in self._segments if s.complete]

    def segment(self, seq: int) -> LiveSegment | None:
        with self._lock:
            return next((s for s in self._segments if s.seq == seq and s.complete), None)

    def init_segment(self, generation: int) -> bytes | None:
        with self._lock:
            return self._inits.get(generation)
