"""A stream's packets -> a run of segment files, each starting on a keyframe.

Packets without a DTS, or whose DTS goes backwards, are dropped (the muxer refuses them); a
packet with the same timestamps as the one before is the rest of the same frame (FFmpeg's parser
splits an access unit where a camera repeats SPS/PPS before each slice of a keyframe) and is
appended to it. The first keyframe of an RTSP stream often comes without timestamps: in a stream
without B-frames it gets them from the packet after it (or is joined to it, when that one is the
keyframe's other half). A file rolls at the first keyframe after `segment_seconds`. Each packet is written
when the next one arrives, so that its duration is known exactly and frames split in two are
whole again: consecutive segments then meet end to begin. The last packet of a stream that died is left out
(Segmenter.close): nothing showed that its frame was whole.

The channel counts as recording once a fragment of video has reached the disk, not when a file
opens: on a full disk files open but nothing can be written, and the channel stays not recording.
A write that fails (ENOSPC, most often) abandons the file (what it holds is kept, see
Segmenter._failed) and the next keyframe after WRITE_RETRY_S tries a new one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
from av.packet import Packet
from av.video.stream import VideoStream

from recorder import segment_files
from recorder.events import ChannelReporter
from recorder.index import ClosedSegment
from recorder.segment_writer import SegmentWriter
from recorder.wallclock import StreamClock

log = logging.getLogger("tsnvr.recorder")

DISCONTINUITY_S = 10.0  # a DTS jump this large forward (or 1 s backward) starts afresh
BACKWARD_JUMP_S = 1.0
DRIFT_LIMIT_MS = 2000.0  # re-anchor the wall clock when packets arrive this far from prediction
WRITE_RETRY_S = 2.0


@dataclass(frozen=True)
class StreamInfo:
    template: VideoStream
    time_base: Fraction
    codec: str
    width: int
    height: int
    reorders: bool  # B-frames: decode order differs from presentation order
    frame_ticks: int  # a nominal frame duration in time_base units

    @classmethod
    def of(cls, stream: VideoStream) -> StreamInfo:
        ctx = stream.codec_context
        time_base = stream.time_base or Fraction(1, 90000)
        rate = stream.average_rate or stream.guessed_rate or Fraction(25)
        return cls(template=stream, time_base=time_base, codec=ctx.name, width=ctx.width, height=ctx.height,
                   reorders=bool(ctx.has_b_frames), frame_ticks=max(1, round(1 / (rate * time_base))))


class Segmenter:
    def __init__(self, chid: int, info: StreamInfo, data_dir: Path, segment_seconds: float,
                 reporter: ChannelReporter, on_closed: Callable[[ClosedSegment], None],
                 on_abandoned: Callable[[Path], None] | None = None,
                 on_packet: Callable[[Packet, float], None] | None = None,
                 on_write_failed: Callable[[BaseException], None] | None = None) -> None:
        self.chid = chid
        self.info = info
        self.data_dir = data_dir
        self.segment_ticks = max(1, round(segment_seconds / info.time_base))
        self.jump_ticks = round(DISCONTINUITY_S / info.time_base)  # ints: Fractions per packet cost CPU
        self.backward_ticks = round(BACKWARD_JUMP_S / info.time_base)
        self.reporter = reporter
        self.on_closed = on_closed
        self.on_abandoned = on_abandoned
        self.on_packet = on_packet  # live video: every packet kept, before it is written
        self.on_write_failed = on_write_failed
        self.recording = False  # video reached the disk since the last failure
        self.clock = StreamClock(info.time_base)
        self.writer: SegmentWriter | None = None
        self.segment_first_dts = 0
        self.segment_end_dts = 0
        self.pending: Packet | None = None
        self.last_dts: int | None = None
        self.last_step = info.frame_ticks
        self.announced = False
        self.retry_at = 0.0  # monotonic time before which no new file is tried after a failure
        self.written = 0
        self.dropped = 0
        self.untimed: Packet | None = None  # a keyframe without timestamps, waiting for the next packet

    def feed(self, packet: Packet, arrival_ms: float) -> None:
        if packet.size == 0:
            return
        if packet.dts is None and packet.pts is not None and not self.info.reorders:
            packet.dts = packet.pts  # without reordering, decode time is presentation time
        dts = packet.dts
        if dts is None:
            if self.untimed is not None:
                self.dropped += 1
            if packet.is_keyframe and not self.info.reorders:
                self.untimed = packet
            else:
                self.untimed = None
                self.dropped += 1
            return
        if self.untimed is not None:
            head, self.untimed = self.untimed, None
            if packet.is_keyframe:
                packet = _joined(head, packet, timing=packet)
            else:
                head.dts = head.pts = dts - self.info.frame_ticks
                self._accept(head, arrival_ms)
        self._accept(packet, arrival_ms)

    def _accept(self, packet: Packet, arrival_ms: float) -> None:
        dts = _dts(packet)
        if self.last_dts is not None:
            step = dts - self.last_dts
            if step > self.jump_ticks or step < -self.backward_ticks:
                log.info("timestamp jump, new segment",
                         extra={"fields": {"chid": self.chid, "jump_s": float(step * self.info.time_base)}})
                self._finish_segment()
                self.clock.reset()
                self.last_dts = None
            elif dts == self.last_dts and self.pending is not None and packet.pts == self.pending.pts:
                self.pending = _joined(self.pending, packet, timing=self.pending)
                return
            elif dts <= self.last_dts:
                self.dropped += 1
                return
            else:
                self.last_step = dts - self.last_dts
        self.last_dts = dts
        if not self.clock.frozen:
            self.clock.observe(dts, arrival_ms)
        if self.on_packet is not None:
            self.on_packet(packet, arrival_ms)

        if self.writer is not None and packet.is_keyframe and dts - self.segment_first_dts >= self.segment_ticks:
            self._finish_segment(next_dts=dts)
            if self.clock.frozen and abs(self.clock.drift_ms(dts, arrival_ms)) > DRIFT_LIMIT_MS:
                self.clock.reset()
                self.clock.observe(dts, arrival_ms)
        if self.writer is None:
            if not packet.is_keyframe or time.monotonic() < self.retry_at:
                self.dropped += 1
                return
            self._start_segment(dts)
            if self.writer is None:
                return
        self._write_pending(next_dts=dts)
        if self.writer is not None:
            self.pending = packet

    def close(self, cut_short: bool = False) -> None:
        """End of stream: finish the open segment. `cut_short`: the stream ended by itself (a camera gone, a
        stall): FFmpeg's parser then hands over the access unit it was gathering, whose end it never saw (a frame
        without its last slices if the camera went mid-frame). That last packet is left out, not written as a
        frame that decodes half grey."""
        if cut_short:
            self.pending = None
        self._finish_segment()

    def _start_segment(self, dts: int) -> None:
        if not self.announced:
            self.announced = True
            self.reporter.stream_ready(self.info.codec, self.info.width, self.info.height)
        part = segment_files.part_path(self.data_dir, self.chid, self.clock.wall_ms(dts))
        try:
            self.writer = SegmentWriter(part, self.info.template)
        except (OSError, av.FFmpegError) as exc:
            self._failed(exc)
            return
        self.segment_first_dts = dts

    def _write_pending(self, next_dts: int | None) -> None:
        if self.pending is None or self.writer is None:
            return
        packet, self.pending = self.pending, None
        dts = _dts(packet)
        if next_dts is not None:
            packet.duration = next_dts - dts
        elif not packet.duration:
            packet.duration = self.last_step
        end_dts = dts + packet.duration
        try:
            self.writer.write(packet)
        except (OSError, av.FFmpegError) as exc:
            self._failed(exc)
            return
        self.written += 1
        self.segment_end_dts = end_dts
        if not self.recording and self.writer.on_disk:
            self._recording()

    def _recording(self) -> None:
        self.recording = True
        self.reporter.set_recording(True, True)

    def _finish_segment(self, next_dts: int | None = None) -> None:
        self._write_pending(next_dts)
        writer, self.writer = self.writer, None
        if writer is None:
            return
        try:
            if writer.packets == 0:
                writer.abandon()
                writer.part.unlink(missing_ok=True)
                return
            path = writer.close()
        except (OSError, av.FFmpegError) as exc:
            self._failed(exc, writer)
            return
        if not self.recording:  # a segment shorter than a fragment: on disk now
            self._recording()
        begin_ms = self.clock.wall_ms(self.segment_first_dts)
        end_ms = self.clock.wall_ms(self.segment_end_dts)
        self.clock.freeze()
        self.on_closed(ClosedSegment(chid=self.chid, path=path, begin_ms=begin_ms, end_ms=end_ms,
                                     codec=self.info.codec, width=self.info.width, height=self.info.height))

    def _failed(self, exc: BaseException, writer: SegmentWriter | None = None) -> None:
        writer = writer or self.writer
        self.writer = None
        self.pending = None
        log.warning("cannot write segment", extra={"fields": {"chid": self.chid, "error": str(exc)}})
        self.reporter.set_recording(True, False, failure_ms=int(time.time() * 1000))  # never True meanwhile
        self.recording = False
        self.retry_at = time.monotonic() + WRITE_RETRY_S
        if writer is not None:
            writer.abandon()  # what reached the disk stays, as .part: repaired and indexed
            if self.on_abandoned is not None and writer.part.exists():
                self.on_abandoned(writer.part)
        if self.on_write_failed is not None:
            self.on_write_failed(exc)


def _dts(packet: Packet) -> int:
    """The DTS of a packet that feed() accepted: it drops every packet without one."""
    assert packet.dts is not None
    return packet.dts


def _joined(first: Packet, rest: Packet, timing: Packet) -> Packet:
    """One packet holding both packets' data, timed like `timing`."""
    joined = Packet(bytes(first) + bytes(rest))
    joined.pts, joined.dts, joined.time_base = timing.pts, timing.dts, timing.time_base
    joined.duration = timing.duration
    joined.is_keyframe = first.is_keyframe or rest.is_keyframe
    return joined
