"""A connection to an ONVIF camera's sub stream, not recorded: it serves the channel's live `sub`
profile (HLS /live/ch{N}sub, /wsapi/live?stream=sub) and, for a channel with `substream`, feeds the
channel's FrameSampler instead of the recorded main stream, so analytics decode a 640-wide picture
rather than 1080p. Zones are in logical coordinates (lpr.zones), so the smaller picture needs no
conversion.

    feed = SubStreamFeed(source_with_the_sub_uri, frames, live, config, analytics=True)
    feed.start()     # a thread: connected while someone watches `live` or (analytics) a consumer is
                     # attached to frames; reconnects with back-off
    feed.request_stop(); feed.join(timeout)

The FrameSampler takes packets only from the thread that began its run, so while an analytics feed
is connected the capture's own packets are ignored by it; the capture leaves begin/end to the feed.
"""

from __future__ import annotations

import logging
import threading
import time

import av

from recorder.backoff import Backoff
from recorder.config import RecorderConfig
from recorder.frames import FrameSampler
from recorder.live import LiveStream
from recorder.segmenter import StreamInfo
from recorder.source import ChannelSource, open_source, redacted, redacted_text

log = logging.getLogger("tsnvr.recorder")

IDLE_POLL_S = 0.5  # how often an idle feed looks for a consumer


class SubStreamFeed:
    def __init__(self, source: ChannelSource, frames: FrameSampler, live: LiveStream, config: RecorderConfig,
                 analytics: bool = True) -> None:
        self.source = source  # source.source: the sub stream's URI
        self.frames = frames
        self.live = live
        self.config = config
        self.analytics = analytics  # False: only live viewers are served
        self.size: tuple[int, int] | None = None  # the stream's resolution, once connected
        self.sessions = 0
        self.packets = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"substream-ch{source.chid}", daemon=True)

    @property
    def uri(self) -> str:
        return self.source.source

    def start(self) -> None:
        self._thread.start()

    def request_stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float | None = None) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def wanted(self) -> bool:
        """Someone watches the live sub stream, or (analytics) frames have a consumer."""
        return self.live.wanted() or (self.analytics and self.frames.attached)

    def _run(self) -> None:
        backoff = Backoff(self.config.reconnect_min_seconds, self.config.reconnect_max_seconds)
        while not self._stop.is_set():
            if not self.wanted():
                self._stop.wait(IDLE_POLL_S)
                continue
            if self._session():
                backoff.reset()
            if not self._stop.is_set() and self.wanted():
                self._stop.wait(backoff.next())

    def _session(self) -> bool:
        """One connection; True when packets flowed."""
        timeout = self.config.source_timeout_seconds
        try:
            container = open_source(self.source, self.config.data_dir, timeout)
        except (av.FFmpegError, OSError) as exc:
            log.info("cannot open sub stream", extra={"fields": {
                "chid": self.source.chid, "url": redacted(self.uri), "error": redacted_text(str(exc))}})
            return False
        streamed = False
        with container:
            if not container.streams.video:
                return False
            stream = container.streams.video[0]
            self.sessions += 1
            info = StreamInfo.of(stream)
            if info.width > 0 and info.height > 0:
                self.size = (info.width, info.height)
            self.live.begin(info)
            if self.analytics:
                self.frames.begin(info)
            try:
                for packet in container.demux(stream):
                    if self._stop.is_set() or not self.wanted():
                        break
                    if packet.size == 0 or packet.dts is None:
                        continue
                    wall_ms = time.time() * 1000
                    self.live.feed(packet, wall_ms)
                    if self.analytics:
                        self.frames.feed(packet, wall_ms)
                    self.packets += 1
                    streamed = True
            except (av.FFmpegError, OSError) as exc:
                log.info("sub stream failed", extra={"fields": {
                    "chid": self.source.chid, "error": redacted_text(str(exc))}})
            finally:
                if self.analytics:
                    self.frames.end()
                self.live.end()
        return streamed
