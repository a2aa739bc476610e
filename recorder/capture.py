"""One channel's capture: a thread that connects to the source, hands packets to a Segmenter and
reconnects with back-off when the stream ends or fails, reporting status on the bus as it goes.
While the camera's port is down the back-off is cut short the moment it accepts connections again
(recorder.reachability), so that a camera back after a long outage records again within a second
or two rather than at the end of a back-off of up to reconnect_max_seconds.

Stopping is a flag the read loop checks between packets. A read blocked on a source that went
silent returns when FFmpeg's socket timeout fires (about twice source_timeout_seconds), so that
is the longest a stop can take; while packets flow it takes one packet interval.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import av
from av.container import InputContainer
from av.packet import Packet
from av.video.stream import VideoStream

from recorder.backoff import Backoff
from recorder.config import RecorderConfig
from recorder.events import ChannelReporter, ChannelStatus, Publish
from recorder.frames import FrameSampler
from recorder.index import ClosedSegment
from recorder.live import LiveStream
from recorder.onvif.streams import OnvifStreams, StreamUris
from recorder.pacing import RealTimePacer
from recorder.reachability import tcp_address, wait_back
from recorder.segmenter import Segmenter, StreamInfo
from recorder.source import ChannelSource, open_source, redacted, redacted_text, status_for_error
from recorder.sub_stream import SubStreamFeed
from storage.clock import now_ms
from storage.events import ChannelEvent, ChannelStatusEvent

log = logging.getLogger("tsnvr.recorder")


@dataclass(frozen=True)
class SessionEnd:
    """How one connection ended: the status to report (None: stopped) and whether video flowed."""

    code: int | None
    streamed: bool = False


class Capture:
    def __init__(self, source: ChannelSource, config: RecorderConfig, publish: Publish,
                 on_segment: Callable[[ClosedSegment], None],
                 on_abandoned: Callable[[Path], None] | None = None, frames: FrameSampler | None = None,
                 on_write_failed: Callable[[int, BaseException], None] | None = None) -> None:
        self.source = source
        self.config = config
        self.reporter = ChannelReporter(source.chid, publish)
        self.publish = publish
        # An ONVIF channel's stream URIs, asked of the camera before each connection.
        self.onvif = (OnvifStreams(source, config.source_timeout_seconds, self._stream_moved)
                      if source.is_onvif else None)
        self.on_segment = on_segment
        self.on_abandoned = on_abandoned
        self.on_write_failed = on_write_failed  # (chid, the error): a segment could not be written
        self.packets_written = 0
        self.packets_dropped = 0
        self.sessions = 0
        self.live = LiveStream(source.chid)
        # Decoded frames for analytics: the supervisor's sampler for this channel outlives captures.
        self.frames = frames if frames is not None else FrameSampler(source.chid)
        # An ONVIF camera's sub stream (recorder.sub_stream): the live `sub` profile, and the analytics'
        # source when the channel has `substream`.
        self.sub_live = LiveStream(source.chid)
        self.sub_feed: SubStreamFeed | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"capture-ch{source.chid}", daemon=True)

    @property
    def chid(self) -> int:
        return self.source.chid

    def start(self) -> None:
        self._thread.start()

    def request_stop(self) -> None:
        self._stop.set()
        feed = self.sub_feed
        if feed is not None:
            feed.request_stop()

    def join(self, timeout: float | None = None) -> bool:
        """True when the thread has ended."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        backoff = Backoff(self.config.reconnect_min_seconds, self.config.reconnect_max_seconds)
        self.reporter.set_status(ChannelStatus.CONNECTING)
        try:
            while not self._stop.is_set():
                try:
                    end = self._session()
                except Exception:  # a bug must not end the channel's recording for good
                    log.exception("capture failed", extra={"fields": {"chid": self.chid}})
                    end = SessionEnd(ChannelStatus.SERVICE_FAILURE)
                if end.code is None or self._stop.is_set():
                    break
                self.reporter.set_status(end.code)
                if end.code == ChannelStatus.PLAYBACK_COMPLETE:
                    break
                if end.streamed:
                    backoff.reset()
                self._wait_before_reconnect(backoff.next())
        finally:
            self._use_sub_stream(None)
            self.reporter.set_recording(False, False)

    @property
    def sub_analytics(self) -> bool:
        """Analytics read the sub stream, not the recorded one."""
        feed = self.sub_feed
        return feed is not None and feed.analytics

    def sub_stream_size(self) -> tuple[int, int] | None:
        """The sub stream's resolution (as streamed, else as the camera's profile says); None when the
        channel has no sub stream."""
        feed = self.sub_feed
        if feed is None:
            return None
        if feed.size is not None:
            return feed.size
        uris = self.onvif.uris if self.onvif is not None else None
        return uris.sub_size if uris is not None else None

    def _use_sub_stream(self, uri: str | None) -> None:
        """The sub stream from this URI (None: none; analytics from the recorded stream)."""
        feed = self.sub_feed
        if feed is not None and feed.uri == uri:
            return
        if feed is not None:
            feed.request_stop()
            feed.join(2 * self.config.source_timeout_seconds)
        self.sub_feed = None
        if uri is not None and not self._stop.is_set():
            self.sub_feed = SubStreamFeed(replace(self.source, source=uri), self.frames, self.sub_live, self.config,
                                          analytics=self.source.substream)
            self.sub_feed.start()

    def _sub_stream_uri(self) -> str | None:
        uris = self.onvif.uris if self.onvif is not None else None
        if uris is None or not uris.sub or uris.sub == uris.main:
            return None
        return uris.sub

    def _wait_before_reconnect(self, seconds: float) -> None:
        """The back-off, cut short when a camera whose port was down starts accepting connections."""
        if self.onvif is not None:
            address = self.onvif.device_address
        else:
            address = None if self.source.is_file else tcp_address(self.source.source)
        if address is None:
            self._stop.wait(seconds)
        else:
            wait_back(address, seconds, self._stop)

    def _session(self) -> SessionEnd:
        timeout = self.config.source_timeout_seconds
        source = self.onvif.session_source() if self.onvif is not None else self.source
        if self._stop.is_set():  # asked to stop while the camera was being asked
            return SessionEnd(None)
        self._use_sub_stream(self._sub_stream_uri())
        frames = None if self.sub_analytics else self.frames  # None: the sub stream feeds analytics
        started = time.monotonic()
        try:
            container = open_source(source, self.config.data_dir, timeout)
        except (av.FFmpegError, OSError) as exc:
            code = status_for_error(exc, time.monotonic() - started, timeout)
            log.info("cannot open source", extra={"fields": {
                "chid": self.chid, "url": redacted(source.source), "error": redacted_text(str(exc)),
                "status": code}})
            return SessionEnd(code)
        self.sessions += 1
        with container:
            if not container.streams.video:
                return SessionEnd(ChannelStatus.NO_VIDEO)
            stream = container.streams.video[0]
            self.reporter.set_status(ChannelStatus.CONNECTED)
            info = StreamInfo.of(stream)
            segmenter = Segmenter(self.chid, info, self.config.data_dir, self.config.segment_seconds,
                                  self.reporter, self.on_segment, self.on_abandoned, self._on_packet,
                                  self._write_failed)
            self.live.begin(info)
            if frames is not None:
                frames.begin(info)
            end = SessionEnd(None)
            try:
                if self.source.is_file:
                    end = self._play_file(container, stream, segmenter)
                else:
                    end = self._read_live(container, stream, segmenter)
                return end
            finally:
                if frames is not None:
                    frames.end()
                self.live.end()
                # a live stream that ended by itself (not stopped) ends in a frame that may lack its last slices
                segmenter.close(cut_short=not self.source.is_file and end.code is not None)
                self.packets_written += segmenter.written
                self.packets_dropped += segmenter.dropped
                self.reporter.set_recording(False, False)

    def _stream_moved(self, uris: StreamUris) -> None:
        self.publish(ChannelStatusEvent(ChannelEvent.VIDEO_SRC_MODIFIED, self.chid, now_ms()))

    def _write_failed(self, exc: BaseException) -> None:
        if self.on_write_failed is not None:
            self.on_write_failed(self.chid, exc)

    def _on_packet(self, packet: Packet, wall_ms: float) -> None:
        """Every packet the segmenter keeps, before it is written: to live video and to analytics."""
        self.live.feed(packet, wall_ms)
        if not self.sub_analytics:
            self.frames.feed(packet, wall_ms)

    def _read_live(self, container: InputContainer, stream: VideoStream, segmenter: Segmenter) -> SessionEnd:
        timeout = self.config.source_timeout_seconds
        last_packet = time.monotonic()
        streamed = False
        try:
            for packet in container.demux(stream):
                if self._stop.is_set():
                    return SessionEnd(None)
                last_packet = time.monotonic()
                segmenter.feed(packet, time.time() * 1000)
                streamed = streamed or segmenter.written > 0
        except (av.FFmpegError, OSError) as exc:
            log.info("stream failed", extra={"fields": {"chid": self.chid, "error": redacted_text(str(exc))}})
            return SessionEnd(status_for_error(exc, time.monotonic() - last_packet, timeout), streamed)
        if self._stop.is_set():
            return SessionEnd(None)
        # Normally a stall raises TimeoutError; a quiet end of iteration after as long is one too.
        silent = time.monotonic() - last_packet >= timeout * 0.9
        return SessionEnd(ChannelStatus.TIMEOUT if silent else ChannelStatus.RECONNECTING, streamed)

    def _play_file(self, container: InputContainer, stream: VideoStream, segmenter: Segmenter) -> SessionEnd:
        """Play in real time; with playback "repeat", loop with timestamps that keep increasing."""
        pacer = RealTimePacer(segmenter.info.time_base, self._stop)
        frame_ticks = segmenter.info.frame_ticks
        shift = 0
        next_start: int | None = None  # where the next loop's first packet goes, shifted
        while True:
            loop_first: int | None = None
            loop_end: int | None = None
            for packet in container.demux(stream):
                ts = packet.dts if packet.dts is not None else packet.pts
                if ts is None:
                    continue
                if loop_first is None:
                    loop_first = ts
                    if next_start is not None:
                        shift = next_start - ts
                if packet.dts is not None:
                    packet.dts += shift
                if packet.pts is not None:
                    packet.pts += shift
                if not pacer.wait(ts + shift):
                    return SessionEnd(None)
                end = ts + shift + (packet.duration or frame_ticks)
                loop_end = end if loop_end is None else max(loop_end, end)
                segmenter.feed(packet, time.time() * 1000)
            if loop_end is None:
                return SessionEnd(ChannelStatus.NO_VIDEO)
            if not self.source.repeats:
                return SessionEnd(ChannelStatus.PLAYBACK_COMPLETE, streamed=True)
            next_start = loop_end
            container.seek(0)
