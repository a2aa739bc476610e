"""Decoded frames for analytics (the LPR worker), made from the packets the recorder already reads:
no second connection to the camera.

    sampler = supervisor.frame_sampler(chid)     # one per channel, for the supervisor's life
    sampler.attach(on_frame, fps=5)              # on_frame(SampledFrame), in the sampler's thread
    ...
    sampler.detach()

The capture thread calls begin/feed/end, as it does for the live stream. While a consumer is
attached and a stream is running, feed copies each packet into a bounded queue (O(1), never
blocking) and the sampler's own daemon thread decodes them; with no consumer, feed returns at once
and nothing is copied or decoded. Every packet is decoded (a P-frame needs the frames before it),
but only one frame per 1/fps of frame time is converted to BGR and handed over.

The callback runs in the sampler's thread and must be quick: while it runs nothing is decoded and
packets pile up. When the queue overflows (about 2.5 s of 25 fps video: decoder or consumer too
slow), the queued packets are dropped and the sampler skips to the next keyframe; the recording
never waits. A consumer with slow work should hand the frame to a queue of its own. An exception
raised by the callback is logged and the thread carries on.

Which frames are due is decided by the stream's own timestamps, so the choice is regular (every
5th frame of a 25 fps camera at fps=5, 120 and 80 ms apart alternately at fps=10) whatever the
network's jitter. A frame's wall_ms is on the recorder's clock, like segment times: those
timestamps anchored on the wall clock at which the recorder received the packets, the anchor moving
earlier whenever a packet comes sooner than predicted and again when the two drift 2 s apart or
the timestamps jump. Within one connection wall_ms always increases; in the first second after a
connect, while the anchor settles on a burst of buffered packets, steps can be shorter than 1/fps.

Each run of the thread (one consumer, one connection) has its own decoder, made from the stream's
codec parameters; a new run waits for the previous one to finish, so the callback is never called
from two threads at once. attach() again replaces the callback or changes fps in place.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import cast

import av
import numpy as np
from av.packet import Packet
from av.video.codeccontext import VideoCodecContext

from recorder.segmenter import StreamInfo
from recorder.wallclock import StreamClock

log = logging.getLogger("tsnvr.recorder")

QUEUE_PACKETS = 64  # about 2.5 s at 25 fps; more than that behind, drop and restart at a keyframe
DRIFT_LIMIT_MS = 2000.0  # re-anchor the frame clock when packets arrive this far from prediction
JUMP_S = 10.0  # a timestamp jump this large forward (or any step back) re-anchors it too


@dataclass(frozen=True)
class SampledFrame:
    chid: int
    wall_ms: float  # epoch milliseconds of the frame, on the recorder's clock
    image: np.ndarray  # BGR uint8, height x width x 3, C-contiguous; the consumer's to keep or change
    width: int
    height: int


FrameCallback = Callable[[SampledFrame], None]


@dataclass(frozen=True)
class _Codec:
    """What a decoder needs, copied while the input container is open (it is closed before a
    decoder thread is done with it)."""

    name: str
    extradata: bytes | None
    time_base: Fraction


@dataclass
class _Item:
    packet: Packet
    wall_ms: float  # when the recorder received it
    gap: bool  # packets before this one were dropped


@dataclass(eq=False)
class _Run:
    """One decoder thread's life: one consumer on one connection."""

    codec: _Codec
    owner: int  # the capture thread that began the stream
    queue: deque[_Item] = field(default_factory=deque)
    stopped: bool = False
    need_key: bool = True  # decoding starts at a keyframe, and again after a drop
    skipping: bool = False  # packets are being skipped after an overflow (they count as dropped)
    thread: threading.Thread | None = None


class _Timing:
    """Which frames are due at the consumer's rate (by the stream's own timestamps, so that the
    choice is regular: every 5th frame of a 25 fps stream at 5 fps), and their times on the
    recorder's clock."""

    def __init__(self, codec: _Codec) -> None:
        self.clock = StreamClock(codec.time_base)
        self.ms_per_tick = float(codec.time_base * 1000)
        self.jump_ticks = round(JUMP_S / codec.time_base)
        self.last_dts: int | None = None
        self.next_due = -math.inf  # stream milliseconds
        self.last_wall = -math.inf

    def observe(self, item: _Item) -> int:
        dts = item.packet.dts
        assert dts is not None
        if self.last_dts is None or not 0 < dts - self.last_dts <= self.jump_ticks:
            self.clock.reset()  # the first packet, or the timestamps jumped
            self.next_due = -math.inf
        elif abs(self.clock.drift_ms(dts, item.wall_ms)) > DRIFT_LIMIT_MS:
            self.clock.reset()  # the camera's clock and ours have drifted apart
        self.last_dts = dts
        self.clock.observe(dts, item.wall_ms)
        return dts

    def due(self, ts: int, interval_ms: float) -> float | None:
        """The frame's wall_ms if it is to be delivered (one per interval), else None."""
        at = ts * self.ms_per_tick
        if at < self.next_due:
            return None
        # Keep the average rate exact (25 fps at 10 fps: gaps of 120 and 80 ms), unless far behind.
        self.next_due = self.next_due + interval_ms if at - self.next_due < interval_ms else at + interval_ms
        # The anchor moves earlier while packets come in a burst (at connect): never go back in time.
        wall_ms = max(float(self.clock.wall_ms(ts)), self.last_wall + 1)
        self.last_wall = wall_ms
        return wall_ms


class FrameSampler:
    def __init__(self, chid: int, queue_packets: int = QUEUE_PACKETS) -> None:
        self.chid = chid
        self.queue_packets = queue_packets
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._codec: _Codec | None = None  # the running stream's, between begin and end
        self._owner = 0
        self._on_frame: FrameCallback | None = None
        self._interval_ms = 0.0
        self._run: _Run | None = None
        self._last_thread: threading.Thread | None = None  # the newest decoder thread, maybe still ending
        self._decoded = 0
        self._delivered = 0
        self._dropped = 0

    # -- the capture thread ---------------------------------------------------------------------

    def begin(self, info: StreamInfo) -> None:
        """A new connection: new codec parameters and timestamps, so a new decoder."""
        ctx = info.template.codec_context
        extradata = ctx.extradata
        codec = _Codec(ctx.name, bytes(extradata) if extradata else None, info.time_base)
        with self._lock:
            self._stop_run()
            self._codec = codec
            self._owner = threading.get_ident()
            self._start_run()

    def feed(self, packet: Packet, wall_ms: float) -> None:
        """A packet the recorder keeps (decode order, DTS set). Never blocks; a no-op with no consumer."""
        run = self._run
        if run is None or run.stopped or packet.dts is None or run.owner != threading.get_ident():
            return
        key = bool(packet.is_keyframe)
        if run.need_key and not key:  # need_key and skipping change only here, in the owner's thread
            if run.skipping:
                with self._lock:
                    self._dropped += 1
            return
        # The recorder's own packet is muxed (and emptied) later. PyAV copies any buffer; the stubs of PyAV before
        # 18.1.1 allow only bytes (the cast changes nothing at run time)
        copy = Packet(cast(bytes, packet))
        copy.pts, copy.dts, copy.is_keyframe = packet.pts, packet.dts, key
        if packet.time_base is not None:
            copy.time_base = packet.time_base
        with self._lock:
            if run is not self._run or run.stopped:
                return
            gap, run.skipping = run.skipping, False
            if len(run.queue) >= self.queue_packets:  # the decoder is this far behind: start afresh
                self._dropped += len(run.queue)
                run.queue.clear()
                if not key:
                    self._dropped += 1
                    run.need_key = run.skipping = True
                    return
                gap = True
            run.need_key = False
            run.queue.append(_Item(copy, wall_ms, gap))
            self._wake.notify_all()

    def end(self) -> None:
        """The connection is over: the decoder thread ends (after its current callback, if any)."""
        with self._lock:
            if self._codec is not None and self._owner != threading.get_ident():
                return  # a capture that did not stop in time, ending after its successor began
            self._stop_run()
            self._codec = None

    # -- the consumer (any thread) ----------------------------------------------------------------

    def attach(self, on_frame: FrameCallback, fps: float) -> None:
        """Deliver `fps` frames a second of video (at most the stream's own rate) to on_frame, called
        in the sampler's thread: keep it quick, hand slow work to a queue of your own. The one
        consumer: a second attach replaces the callback and fps. Delivery starts at the next keyframe."""
        if not (fps > 0 and math.isfinite(fps)):
            raise ValueError(f"fps must be a positive number, not {fps!r}")
        with self._lock:
            self._on_frame = on_frame
            self._interval_ms = 1000.0 / fps
            if self._run is None:
                self._start_run()

    def detach(self) -> None:
        """No consumer: the decoder thread ends and feed does nothing. A callback running now finishes."""
        with self._lock:
            self._on_frame = None
            self._stop_run()

    @property
    def attached(self) -> bool:
        return self._on_frame is not None

    @property
    def stats(self) -> dict[str, int]:
        """Counters since creation: frames decoded, frames delivered, packets dropped (overflow)."""
        with self._lock:
            return {"decoded": self._decoded, "delivered": self._delivered, "dropped_packets": self._dropped}

    # -- the decoder thread -----------------------------------------------------------------------

    def _start_run(self) -> None:
        """Under the lock: a decoder thread, if there is both a consumer and a stream."""
        if self._on_frame is None or self._codec is None:
            return
        run = _Run(self._codec, self._owner)
        previous = self._last_thread
        run.thread = threading.Thread(target=self._work, args=(run, previous), name=f"frames-ch{self.chid}",
                                      daemon=True)
        self._run = run
        self._last_thread = run.thread
        run.thread.start()

    def _stop_run(self) -> None:
        """Under the lock."""
        run, self._run = self._run, None
        if run is not None:
            run.stopped = True
            run.queue.clear()
            self._wake.notify_all()

    def _next(self, run: _Run) -> _Item | None:
        with self._lock:
            while not run.queue and not run.stopped:
                self._wake.wait()
            return None if run.stopped else run.queue.popleft()

    def _work(self, run: _Run, previous: threading.Thread | None) -> None:
        if previous is not None:
            previous.join()  # one callback at a time, in order
        if run.stopped:
            return
        try:
            decoder = av.CodecContext.create(run.codec.name, "r")
            if not isinstance(decoder, VideoCodecContext):
                raise TypeError(f"{run.codec.name} is not a video codec")
            if run.codec.extradata:
                decoder.extradata = run.codec.extradata
            decoder.thread_count = 1  # many channels share few cores: one thread each
        except Exception as exc:
            log.warning("cannot decode for analytics", extra={"fields": {
                "chid": self.chid, "codec": run.codec.name, "error": str(exc)}})
            with self._lock:
                run.stopped = True
                run.queue.clear()
            return
        timing = _Timing(run.codec)
        while (item := self._next(run)) is not None:
            try:
                self._decode(run, decoder, timing, item)
            except Exception:  # a bug must not end the channel's analytics for good
                log.exception("analytics decoding failed", extra={"fields": {"chid": self.chid}})

    def _decode(self, run: _Run, decoder: VideoCodecContext, timing: _Timing, item: _Item) -> None:
        if item.gap:
            decoder.flush_buffers()
        dts = timing.observe(item)
        try:
            frames = decoder.decode(item.packet)
        except av.FFmpegError as exc:  # a damaged packet: the next keyframe mends the picture
            log.debug("analytics decode error", extra={"fields": {"chid": self.chid, "error": str(exc)}})
            return
        for frame in frames:
            with self._lock:
                self._decoded += 1
                on_frame, interval = self._on_frame, self._interval_ms
            wall_ms = timing.due(frame.pts if frame.pts is not None else dts, interval)
            if wall_ms is not None and on_frame is not None and not run.stopped:
                self._deliver(on_frame, frame, wall_ms)

    def _deliver(self, on_frame: FrameCallback, frame: av.VideoFrame, wall_ms: float) -> None:
        try:
            image = np.ascontiguousarray(frame.to_ndarray(format="bgr24"))  # rows may be padded
        except (av.FFmpegError, ValueError) as exc:
            log.debug("analytics frame conversion failed", extra={"fields": {"chid": self.chid, "error": str(exc)}})
            return
        with self._lock:
            self._delivered += 1
        try:
            on_frame(SampledFrame(self.chid, wall_ms, image, frame.width, frame.height))
        except Exception:
            log.exception("frame consumer failed", extra={"fields": {"chid": self.chid}})
