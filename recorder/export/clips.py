"""MP4 clips cut from a channel's recorded segments by remux (no decoding).

write_clips() is a generator: it writes one file, yields its Clip, and writes the next only when the
caller asks for it, so that the export task can hand each file over before the next is made.

How the recording becomes files:
- Segments are read in order (storage.segments.channel_segments) and their packets copied as they
  are. A packet's wall-clock time is its segment's begin_ms plus its timestamp in the file (each
  segment file starts at 0, at the first packet's decoding time, which begin_ms is). The first file
  starts at the keyframe at or before begin_ms (the GOP holding begin_ms); the last frame written
  is the last one that starts before end_ms. With B-frames (decoding order differs from showing
  order) the cut is in decoding order, completed so that no frame is missing in between: the
  B-frames shown before a frame already taken are taken too, a keyframe shown from end_ms on is
  not, and the last reference frame taken may be shown a few frames after end_ms.
- Output timestamps follow the wall clock, so a file's timeline is the recording's: where one
  segment ends less than half a frame from where the next begins (the recorder writes consecutive
  segments end to begin, bar millisecond rounding), the next continues exactly where the last
  frame ended, with no gap and no overlap; a segment that begins later (a reconnect) leaves that
  gap in the timeline; one that begins earlier than the last frame ended (the recorder re-anchored
  its clock) also continues where the last frame ended, as timestamps must increase.
- A new file begins, at a keyframe, where the recording has a gap of more than GAP_SPLIT_MS (each
  file is one continuous stretch), where the codec parameters change (codec, size, SPS/PPS: an MP4
  track holds one set), and before a GOP that would take the file over max_bytes. The size is
  counted before writing from the packets' bytes plus a bound on the MP4 boxes around them
  (mp4_size_bound), so the finished file is never larger than max_bytes. A single GOP too large for
  a file of its own is cut: its frames are written while they fit and the rest of that GOP is left
  out (the file still plays from its keyframe; the next file starts at the next keyframe). A
  max_bytes too small for even one keyframe raises ValueError before anything is written.
- Plain MP4, the index (moov) at the end: a player reads it from there (a browser asks for the
  end with a Range request). Not `+faststart`: moving the index to the front is a second pass over
  the whole file inside av_write_trailer, which PyAV calls holding the GIL, so every capture thread
  of the recorder waited for it. scripts/bench/export.py, one hour of 1080p (1.9 GB) while 4 streams
  record and 2 exports run: plain MP4 400-450x real time per export, packets reaching the recorder
  at most 8-215 ms late (p99 6-11 ms); +faststart 240x and up to 530 ms late (p99 390 ms), and
  more where the file must be read back from disk rather than the page cache.
- A file is written as `.NAME.part` (hidden) in out_dir and renamed to NAME when complete. When
  `cancelled` is set (checked at every packet), on an error (OSError such as ENOSPC, or FFmpeg's)
  and when the caller closes the generator early, the partial file is deleted first.
- A segment whose file is missing (retention deleted it since) or unreadable is skipped, with a
  warning: it is a gap like any other; a damaged one is used up to where it can be read.
- The calling thread keeps its priority. Measured (the bench with --nice 19, three runs each way):
  with the export threads niced, the recorder's packets arrived later (p99 32-243 ms, max 75-408
  ms) than without (p99 18-34 ms, max 27-114 ms): a niced thread holding the GIL is descheduled and
  every capture thread waits for it. And the export task calls this from a pool's worker threads,
  which an unprivileged process cannot un-nice afterwards. IO priority is not set: the recorder's
  writes and the clip's go to the page cache and reach the disk through the kernel's writeback,
  which a thread's IO priority does not order.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
from av.container import InputContainer, OutputContainer
from av.packet import Packet
from av.video.stream import VideoStream

from storage.db import Database
from storage.models import Segment
from storage.segments import channel_segments

log = logging.getLogger("tsnvr.export")

GAP_SPLIT_MS = 10_000  # a longer gap in the recording starts a new file
PROGRESS_INTERVAL_S = 0.2
MP4_OPTIONS: dict[str, str] = {}  # plain MP4 (see above); the bench compares "+faststart"

# A bound on what an MP4 adds to its packets' bytes (FFmpeg's mov muxer, one video track): ftyp,
# free and a 64-bit mdat header, the moov boxes (mvhd, tkhd, edts, mdhd, hdlr, vmhd, dinf, stsd,
# udta: under 1 kB measured) with the codec's extradata, and per sample at most a stsz entry (4),
# an stts (8) and ctts (8) entry, a chunk of its own (stsc 12, co64 8); per keyframe an stss (4).
MP4_FIXED_BYTES = 4096
MP4_SAMPLE_BYTES = 40
MP4_KEYFRAME_BYTES = 4


class ExportCancelled(Exception):
    """`cancelled` was set while a clip was being written; the partial file is already deleted."""


@dataclass(frozen=True)
class Clip:
    path: Path       # the finished MP4 in out_dir
    chid: int
    begin_ms: int    # wall-clock time (epoch ms) its first frame shows: a keyframe at or before the range's start
    end_ms: int      # wall-clock time at which the clip's last frame (in showing order) ends
    size: int        # bytes
    frames: int      # video packets written


def recorded_ms(db: Database, chid: int, begin_ms: int, end_ms: int) -> int:
    """Milliseconds of [begin_ms, end_ms) that the channel's segments cover: 0 means no data (for
    progress totals and the `-1` no-data answer)."""
    total = 0
    covered_to = begin_ms  # segments come oldest first; an overlap is counted once
    for segment in channel_segments(db, chid, begin_ms, end_ms):
        lo, hi = max(segment.begin_ms, covered_to), min(segment.end_ms, end_ms)
        if hi > lo:
            total += hi - lo
            covered_to = hi
    return total


def mp4_size_bound(media_bytes: int, samples: int, keyframes: int, extradata_bytes: int) -> int:
    """The most an MP4 holding these packets can take (see MP4_FIXED_BYTES)."""
    return (MP4_FIXED_BYTES + extradata_bytes + media_bytes + samples * MP4_SAMPLE_BYTES
            + keyframes * MP4_KEYFRAME_BYTES)


def write_clips(db: Database, data_dir: Path, chid: int, begin_ms: int, end_ms: int, *, out_dir: Path,
                name: Callable[[int, int], str], max_bytes: int,
                on_progress: Callable[[int], None] | None = None,
                cancelled: threading.Event | None = None) -> Iterator[Clip]:
    """The channel's recording of [begin_ms, end_ms) as MP4 files in out_dir, one at a time.

    name(chid, first_frame_ms) gives each file's name. Each file is at most max_bytes, split at a
    keyframe (a GOP larger than max_bytes on its own is cut short: see the module docstring;
    ValueError when not even one keyframe fits). on_progress(wall_ms) reports the position reached
    (at most every PROGRESS_INTERVAL_S). Setting `cancelled` stops within one packet:
    ExportCancelled, no partial file left. OSError (ENOSPC) propagates with the partial file
    deleted; so does closing the generator before it is exhausted."""
    if end_ms <= begin_ms:
        return
    export = _Export(chid, begin_ms, end_ms, out_dir, name, max_bytes, on_progress, cancelled or threading.Event())
    try:
        for segment in channel_segments(db, chid, begin_ms, end_ms):
            export.check_cancelled()
            if (yield from export.read_segment(data_dir, segment)) is False:
                break
        if export.clip is not None:
            yield export.finish()
    except BaseException:
        export.discard()
        raise


@dataclass(frozen=True)
class _Format:
    """What one MP4 track can hold: a change starts a new file."""

    codec: str
    width: int
    height: int
    extradata: bytes

    @classmethod
    def of(cls, stream: VideoStream) -> _Format:
        ctx = stream.codec_context
        return cls(ctx.name, ctx.width, ctx.height, bytes(ctx.extradata or b""))


@dataclass
class _Frame:
    packet: Packet
    dts: int  # in the segment's time base, relative to the segment's first packet
    wall_ms: int  # wall-clock time of its decoding (dts): the order files are written in
    shown_ms: int  # wall-clock time of its presentation (pts): the same without B-frames
    shown_end_ms: int  # shown_ms + its duration


@dataclass
class _Gop:
    """A keyframe and the frames up to the next, within one segment."""

    frames: list[_Frame] = field(default_factory=list)

    @property
    def bytes(self) -> int:
        return sum(f.packet.size for f in self.frames)

    @property
    def shown_end_ms(self) -> int:
        return max(f.shown_end_ms for f in self.frames)


class _ClipFile:
    """One output file being written, its timestamps counted from its first frame."""

    def __init__(self, path: Path, template: VideoStream, fmt: _Format) -> None:
        self.path = path
        self.part = path.with_name(f".{path.name}.part")
        self.format = fmt
        self.time_base: Fraction = template.time_base or Fraction(1, 90000)
        self.output: OutputContainer | None = av.open(str(self.part), "w", format="mp4",
                                                      container_options=MP4_OPTIONS)
        try:
            self.stream = self.output.add_stream_from_template(template)
        except BaseException:
            self.discard()
            raise
        self.media_bytes = 0
        self.frames = 0
        self.keyframes = 0
        self.begin_ms = 0
        self.end_ms = 0
        self.decoded_to_ms = 0  # where the last frame written ends in decoding time, for continuity
        self.segment_id: int | None = None  # the segment whose frames are being written
        self.shift = 0  # output dts = the frame's dts (in self.time_base) + shift
        self.next_dts = 0  # where the last frame written ends, in output ticks

    def fits(self, max_bytes: int, media_bytes: int, frames: int, keyframes: int) -> bool:
        return mp4_size_bound(self.media_bytes + media_bytes, self.frames + frames, self.keyframes + keyframes,
                              len(self.format.extradata)) <= max_bytes

    def write(self, frame: _Frame, segment_id: int, segment_tb: Fraction) -> None:
        packet = frame.packet
        dts = _rescale(frame.dts, segment_tb, self.time_base)
        duration = _rescale(packet.duration or 0, segment_tb, self.time_base)
        if self.frames == 0:
            self.shift = -dts
            self.begin_ms = frame.shown_ms
        elif segment_id != self.segment_id:
            self.shift = self._continuation(frame, dts)
        self.segment_id = segment_id
        pts = dts if packet.pts is None or packet.dts is None else dts + _rescale(packet.pts - packet.dts,
                                                                                  segment_tb, self.time_base)
        packet.dts = dts + self.shift
        packet.pts = pts + self.shift
        packet.duration = duration
        packet.time_base = self.time_base
        packet.stream = self.stream
        assert self.output is not None
        self.output.mux(packet)
        self.media_bytes += packet.size
        self.frames += 1
        self.keyframes += packet.is_keyframe
        self.next_dts = dts + self.shift + max(duration, 1)
        self.decoded_to_ms = frame.wall_ms + frame.shown_end_ms - frame.shown_ms
        self.end_ms = max(self.end_ms, frame.shown_end_ms)

    def _continuation(self, frame: _Frame, dts: int) -> int:
        """The shift for the first frame of a new segment: on from the last frame where the recording
        was continuous (or overlaps), else after the gap the wall clock shows."""
        gap_ms = frame.wall_ms - self.decoded_to_ms
        position = self.next_dts
        if gap_ms > max(1, frame.shown_end_ms - frame.shown_ms) / 2:
            position += round(Fraction(gap_ms, 1000) / self.time_base)
        return position - dts

    def finish(self, chid: int) -> Clip:
        output, self.output = self.output, None
        assert output is not None
        output.close()
        self.part.replace(self.path)
        return Clip(path=self.path, chid=chid, begin_ms=self.begin_ms, end_ms=self.end_ms,
                    size=self.path.stat().st_size, frames=self.frames)

    def discard(self) -> None:
        output, self.output = self.output, None
        if output is not None:
            with contextlib.suppress(OSError, av.FFmpegError):
                output.close()
        self.part.unlink(missing_ok=True)


class _Export:
    """The state of one write_clips() call: the file being written and where the recording is."""

    def __init__(self, chid: int, begin_ms: int, end_ms: int, out_dir: Path, name: Callable[[int, int], str],
                 max_bytes: int, on_progress: Callable[[int], None] | None, cancelled: threading.Event) -> None:
        self.chid = chid
        self.begin_ms = begin_ms
        self.end_ms = end_ms
        self.out_dir = out_dir
        self.name = name
        self.max_bytes = max_bytes
        self.on_progress = on_progress
        self.cancelled = cancelled
        self.clip: _ClipFile | None = None
        self.last_end_ms: int | None = None  # where the last frame read ends (wall clock)
        self.shown_to_ms = 0  # the latest presentation time of the frames taken so far
        self.reported = 0.0

    def check_cancelled(self) -> None:
        if self.cancelled.is_set():
            self.discard()
            raise ExportCancelled

    def read_segment(self, data_dir: Path, segment: Segment) -> Generator[Clip, None, bool]:
        """Write the segment's frames within the range; returns False once past the range's end."""
        assert segment.id is not None
        try:
            container = av.open(str(data_dir / segment.path))
        except (OSError, av.FFmpegError) as exc:
            log.warning("segment not readable, skipped", extra={"fields": {
                "chid": self.chid, "path": segment.path, "error": str(exc)}})
            return True
        with container:
            stream = container.streams.video[0]
            tb = stream.time_base or Fraction(1, 90000)
            fmt = _Format.of(stream)
            if self.clip is not None and (fmt != self.clip.format
                                          or segment.begin_ms - (self.last_end_ms or 0) > GAP_SPLIT_MS):
                yield self.finish()
            ms_per_tick = tb * 1000
            first_dts: int | None = None
            gop = _Gop()
            past_end = False
            for packet in self._demuxed(container, stream, segment):
                self.check_cancelled()
                if packet.dts is None or not packet.size:
                    continue
                if first_dts is None:
                    first_dts = packet.dts
                dts = packet.dts - first_dts
                wall_ms = segment.begin_ms + round(dts * ms_per_tick)
                shown_ms = wall_ms if packet.pts is None else segment.begin_ms + round((packet.pts - first_dts)
                                                                                       * ms_per_tick)
                if self._past_end(packet.is_keyframe, wall_ms, shown_ms):
                    past_end = True
                    break
                if packet.is_keyframe and gop.frames:
                    yield from self._write_gop(gop, segment.id, tb, stream, fmt)
                    gop = _Gop()
                self.shown_to_ms = max(self.shown_to_ms, shown_ms)
                gop.frames.append(_Frame(packet, dts, wall_ms, shown_ms,
                                         shown_ms + round((packet.duration or 0) * ms_per_tick)))
            yield from self._write_gop(gop, segment.id, tb, stream, fmt)
        return not past_end

    def _past_end(self, keyframe: bool, wall_ms: int, shown_ms: int) -> bool:
        """Whether the frames from this one on are past the range: those decoded from end_ms on, bar
        B-frames that are shown before a frame already taken (without them it would show a hole),
        and a keyframe shown from end_ms on (its GOP is all shown after it)."""
        if keyframe:
            return shown_ms >= self.end_ms or wall_ms >= self.end_ms
        return wall_ms >= self.end_ms and shown_ms >= self.shown_to_ms

    def _demuxed(self, container: InputContainer, stream: VideoStream, segment: Segment) -> Iterator[Packet]:
        """The segment's packets; a damaged file ends where it cannot be read (what was read is used).
        Only reading is guarded here: an error writing the clip is the caller's."""
        packets = container.demux(stream)
        while True:
            try:
                packet = next(packets)
            except StopIteration:
                return
            except av.FFmpegError as exc:
                log.warning("segment read failed", extra={"fields": {
                    "chid": self.chid, "path": segment.path, "error": str(exc)}})
                return
            yield packet

    def _write_gop(self, gop: _Gop, segment_id: int, tb: Fraction, stream: VideoStream,
                   fmt: _Format) -> Iterator[Clip]:
        frames = gop.frames
        if not frames or gop.shown_end_ms <= self.begin_ms:
            return
        self.last_end_ms = gop.shown_end_ms
        if self.clip is not None and not self.clip.fits(self.max_bytes, gop.bytes, len(frames),
                                                        sum(f.packet.is_keyframe for f in frames)):
            yield self.finish()
        if self.clip is None:
            if not frames[0].packet.is_keyframe:
                return  # a file must start at a keyframe: wait for the next
            frames = self._fitting(frames, len(fmt.extradata))
            self.clip = _ClipFile(self.out_dir / self.name(self.chid, frames[0].shown_ms), stream, fmt)
        for frame in frames:
            self.check_cancelled()
            self.clip.write(frame, segment_id, tb)
            self._progress(frame.shown_ms)

    def _fitting(self, frames: list[_Frame], extradata_bytes: int) -> list[_Frame]:
        """The frames of a GOP that fit in a file of their own (all, unless the GOP is too large)."""
        media = 0
        for count, frame in enumerate(frames, start=1):
            media += frame.packet.size
            if mp4_size_bound(media, count, 1, extradata_bytes) > self.max_bytes:
                if count == 1:
                    raise ValueError(f"max_bytes {self.max_bytes} cannot hold one keyframe "
                                     f"({frame.packet.size} bytes)")
                log.warning("GOP larger than the file size limit: cut short", extra={"fields": {
                    "chid": self.chid, "wall_ms": frames[0].shown_ms, "frames_left_out": len(frames) - count + 1}})
                return frames[:count - 1]
        return frames

    def _progress(self, wall_ms: int) -> None:
        if self.on_progress is None:
            return
        now = time.monotonic()
        if now - self.reported >= PROGRESS_INTERVAL_S:
            self.reported = now
            self.on_progress(wall_ms)

    def finish(self) -> Clip:
        clip, self.clip = self.clip, None
        assert clip is not None
        try:
            return clip.finish(self.chid)
        except BaseException:
            clip.discard()
            raise

    def discard(self) -> None:
        clip, self.clip = self.clip, None
        if clip is not None:
            clip.discard()


def _rescale(value: int, source: Fraction, target: Fraction) -> int:
    return value if source == target else round(value * source / target)
