"""Export speed against real time, and what exports do to recording: one hour of recorded 1080p25
(~4 Mbit/s) exported by recorder/export/clips.write_clips, the code every export runs.

    .venv/bin/python scripts/bench/export.py [--hours 1] [--streams 4] [--exports 2] [--no-ffmpeg]

1. Alone: the hour exported once as clips.py writes it (plain MP4, the index at the end) and once
   with `+faststart`; prints each as a multiple of real time (goal at least 200x: it is a remux)
   and `ffmpeg -f concat -c copy` of the same segments with the same flags as a reference.
2. While recording: --streams channels recorded in this process by the real recorder
   (RecorderSupervisor, a thread per channel, as `tsnvr serve` runs it) from the test RTSP server,
   while --exports exports of the hour run at once in threads of their own (as the export tasks
   do); prints the exports' speed and the recorder's dropped packets (the segmenter's count over
   the whole recording, which spans the exports; goal 0), and, from the files it wrote, the frames
   missing in the export window against 25 a second and the longest gap between two frames, and
   how late packets reached the recorder (arrival against the stream's own clock) before and
   during the exports. --movflags +faststart and --nice N measure the choices clips.py's
   docstring explains.

The hour is made quickly, not recorded: a 10 s 1080p clip (PyAV/libx264, random picture so that the
encoder spends the whole bitrate; the same clip scripts/bench/recorder.py serves) is remuxed over
and over into 60 s segment files by the recorder's own SegmentWriter (fragmented MP4, timestamps
from 0, as the recorder writes them), and each is indexed with recorder.index.index_segment, end
to begin. It is cached (--cache) with the clip. The segments are in the page cache when exported
(just written, or read by the previous run): the figures are for warm reads; the outputs are
written to the page cache and flushed by the kernel, not synced.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from recorder import segment_files  # noqa: E402
from recorder.capture import Capture  # noqa: E402
from recorder.export import clips  # noqa: E402
from recorder.index import ClosedSegment, index_segment  # noqa: E402
from recorder.segment_writer import SegmentWriter  # noqa: E402
from recorder.supervisor import RecorderSupervisor  # noqa: E402
from storage import schema, segments  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import Channel  # noqa: E402
from storage.settings import Settings  # noqa: E402
from tests.rtsp_server import RtspServerProcess, loop_clip, make_h264_clip  # noqa: E402

FPS = 25
CLIP_SECONDS = 10
SEGMENT_SECONDS = 60
START_MS = 1_767_243_600_000  # 2026-01-01T00:00:00-05:00: the made-up hour begins here
EXPORT_CHID = 1
GOAL_RATIO = 200


def make_clip(cache: Path) -> Path:
    clip = cache / f"clip-1080p25-{CLIP_SECONDS}s.mp4"  # the name scripts/bench/recorder.py caches it under
    if not clip.exists():
        print(f"making {clip} (once)...", flush=True)
        make_h264_clip(clip.with_suffix(".tmp.mp4"), 1920, 1080, FPS, CLIP_SECONDS, 4_000_000, noise=True)
        clip.with_suffix(".tmp.mp4").rename(clip)
    return clip


def make_hour(cache: Path, clip: Path, hours: float) -> Path:
    """A data directory whose channel EXPORT_CHID holds `hours` of segments made from the clip."""
    data_dir = cache / f"footage-{hours:g}h"
    done = data_dir / "complete"
    if done.exists():
        return data_dir
    print(f"making {hours:g} h of segments in {data_dir} (once)...", flush=True)
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "tsnvr.db").unlink(missing_ok=True)
    db = Database(f"sqlite:///{data_dir / 'tsnvr.db'}")
    schema.upgrade(db)
    started = time.monotonic()
    with av.open(str(clip)) as src:
        stream = src.streams.video[0]
        packets = [(p, p.dts) for p in src.demux(stream) if p.dts is not None and p.size]
        time_base = stream.time_base or Fraction(1, 90000)
        first = packets[0][1]
        step = packets[1][1] - first
        clip_ticks = packets[-1][1] + step - first
        ctx = stream.codec_context
        loops_per_segment = SEGMENT_SECONDS // CLIP_SECONDS
        for n in range(round(hours * 3600 / SEGMENT_SECONDS)):
            begin_ms = START_MS + n * SEGMENT_SECONDS * 1000
            writer = SegmentWriter(segment_files.part_path(data_dir, EXPORT_CHID, begin_ms), stream)
            for loop in range(loops_per_segment):
                for p, dts in packets:
                    copy = av.Packet(bytes(p))
                    copy.dts = dts - first + loop * clip_ticks
                    copy.pts = copy.dts
                    copy.duration = step
                    copy.time_base = time_base
                    copy.is_keyframe = p.is_keyframe
                    writer.write(copy)
            path = writer.close()
            index_segment(db, data_dir, ClosedSegment(EXPORT_CHID, path, begin_ms, begin_ms + SEGMENT_SECONDS * 1000,
                                                      ctx.name, ctx.width, ctx.height))
    db.dispose()
    done.touch()
    print(f"  made in {time.monotonic() - started:.0f} s", flush=True)
    return data_dir


@dataclass(frozen=True)
class Exported:
    seconds: float  # wall time taken
    recorded_s: float  # recording exported
    files: int
    bytes: int

    @property
    def ratio(self) -> float:
        return self.recorded_s / self.seconds


def export_hour(data_dir: Path, out_dir: Path, hours: float, results: list[Exported] | None = None,
                nice: int = 0) -> Exported:
    """The hour through write_clips, each file deleted once made (as `next` does); with `nice`, this
    thread's CPU priority lowered by that much first."""
    if nice:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)
    out_dir.mkdir(parents=True, exist_ok=True)
    db = Database(f"sqlite:///{data_dir / 'tsnvr.db'}")
    end_ms = START_MS + round(hours * 3_600_000)
    files = size = 0
    started = time.monotonic()
    max_bytes = Settings().export_max_file_bytes
    for clip in clips.write_clips(db, data_dir, EXPORT_CHID, START_MS, end_ms, out_dir=out_dir,
                                  name=lambda chid, ms: f"CH{chid}.{ms}.mp4", max_bytes=max_bytes):
        files += 1
        size += clip.size
        clip.path.unlink()
    took = time.monotonic() - started
    recorded = clips.recorded_ms(db, EXPORT_CHID, START_MS, end_ms) / 1000
    db.dispose()
    result = Exported(took, recorded, files, size)
    if results is not None:
        results.append(result)
    return result


def ffmpeg_concat(data_dir: Path, work: Path, hours: float, movflags: str) -> float:
    """Seconds `ffmpeg -f concat -c copy` takes for the same segments."""
    db = Database(f"sqlite:///{data_dir / 'tsnvr.db'}")
    rows = segments.channel_segments(db, EXPORT_CHID, START_MS, START_MS + round(hours * 3_600_000))
    db.dispose()
    listing = work / "concat.txt"
    listing.write_text("".join(f"file '{data_dir / r.path}'\n" for r in rows))
    out = work / "ffmpeg.mp4"
    flags = ["-movflags", movflags] if movflags else []
    started = time.monotonic()
    subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-f", "concat", "-safe", "0",
                    "-i", str(listing), "-c", "copy", *flags, str(out)], check=True)
    took = time.monotonic() - started
    out.unlink()
    return took


class Arrivals:
    """When each packet the recorder keeps arrives, against its own timestamp: how late the recorder
    reads (Capture._on_packet is wrapped; it runs in the capture thread for every packet kept)."""

    def __init__(self) -> None:
        self.seen: dict[int, list[tuple[float, float]]] = {}  # chid -> (arrival ms, arrival - stream ms)
        self._original = Capture._on_packet

    def __enter__(self) -> Arrivals:
        original = self._original
        seen = self.seen

        def on_packet(capture: Capture, packet: av.Packet, wall_ms: float) -> None:
            if packet.dts is not None and packet.time_base is not None:
                stream_ms = float(packet.dts * packet.time_base * 1000)
                seen.setdefault(capture.chid, []).append((wall_ms, wall_ms - stream_ms))
            original(capture, packet, wall_ms)

        Capture._on_packet = on_packet  # type: ignore[method-assign,assignment]
        return self

    def __exit__(self, *_exc: object) -> None:
        Capture._on_packet = self._original  # type: ignore[method-assign]

    def lateness_ms(self, begin_ms: float, end_ms: float) -> list[float]:
        """Per packet within [begin_ms, end_ms): how much later it arrived than the earliest packet of
        its stream would predict (the stream's least delay taken as 0)."""
        out = []
        for values in self.seen.values():
            least = min(offset for _, offset in values)
            out += [offset - least for arrival, offset in values if begin_ms <= arrival < end_ms]
        return sorted(out)


def percentile(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


@dataclass(frozen=True)
class RecordingFacts:
    dropped: int  # the recorder's own count (Capture.packets_dropped), whole recording
    expected: int  # frames the export window should hold, all streams
    missing: int
    longest_gap_ms: int


@contextlib.contextmanager
def recording(work: Path, cache: Path, clip: Path, streams: int) -> Iterator[tuple[RecorderSupervisor, Database]]:
    long = cache / "served-1080p25-600s.mp4"
    if not long.exists():
        loop_clip(clip, long, 60)
    data_dir = work / "recording"
    data_dir.mkdir()
    db = Database(f"sqlite:///{data_dir / 'tsnvr.db'}")
    schema.upgrade(db)
    settings = Settings(data_dir=data_dir)
    settings.segment_seconds = 10.0
    settings.retention_min_free_bytes = 0
    settings.retention_min_free_percent = 0.0
    with RtspServerProcess(file=long, extra_args=("--threads", "8")) as server:
        with db.write() as s:
            for chid in range(1, streams + 1):
                s.add(Channel(chid=chid, source=server.url("file"), created_ms=0))
        supervisor = RecorderSupervisor(db, settings, lambda _event: None)
        supervisor.start()
        try:
            yield supervisor, db
        finally:
            supervisor.stop()
    db.dispose()


def recording_facts(db: Database, data_dir: Path, streams: int, dropped: int, begin_ms: int,
                    end_ms: int) -> RecordingFacts:
    expected = missing = longest = 0
    for chid in range(1, streams + 1):
        times: list[int] = []
        for row in segments.channel_segments(db, chid, begin_ms, end_ms):
            with av.open(str(data_dir / row.path)) as container:
                stream = container.streams.video[0]
                ms = float((stream.time_base or Fraction(1, 90000)) * 1000)
                times += [row.begin_ms + round(p.dts * ms) for p in container.demux(stream)
                          if p.size and p.dts is not None]
        inside = [t for t in times if begin_ms <= t < end_ms]
        want = (end_ms - begin_ms) * FPS // 1000
        expected += want
        missing += max(0, want - len(inside))
        gaps = [b - a for a, b in zip(inside, inside[1:], strict=False)]
        longest = max([longest, *gaps, end_ms - begin_ms if not inside else 0])
    return RecordingFacts(dropped, expected, missing, longest)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hours", type=float, default=1.0, help="recording exported")
    parser.add_argument("--streams", type=int, default=4, help="channels recorded during the exports")
    parser.add_argument("--exports", type=int, default=2, help="exports at once while recording")
    parser.add_argument("--warmup", type=float, default=5.0, help="recording before the exports start")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "tsnvr-bench-recorder")
    parser.add_argument("--no-ffmpeg", action="store_true", help="skip the ffmpeg reference")
    parser.add_argument("--nice", type=int, default=0, help="lower the export threads' CPU priority by this")
    parser.add_argument("--skip-alone", action="store_true", help="only the exports while recording")
    parser.add_argument("--movflags", help="the exports while recording with these movflags instead of "
                                            "clips.py's (\"\" for plain MP4)")
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    clip = make_clip(args.cache)
    footage = make_hour(args.cache, clip, args.hours)
    size = sum(f.stat().st_size for f in (footage / "rec").rglob("*.mp4"))
    print(f"{args.hours:g} h of 1080p{FPS} at {size * 8 / (args.hours * 3600) / 1e6:.1f} Mbit/s "
          f"({size / 1e9:.2f} GB in {SEGMENT_SECONDS} s segments)")

    with tempfile.TemporaryDirectory(prefix="tsnvr-bench-export-") as tmp:
        work = Path(tmp)
        export_hour(footage, work / "warm", min(args.hours, 0.1))  # first-call costs (imports, codecs) out of the way
        if not args.skip_alone:
            alone(footage, work, args)
        options = clips.MP4_OPTIONS
        if args.movflags is not None:
            clips.MP4_OPTIONS = {"movflags": args.movflags} if args.movflags else {}
        try:
            while_recording(footage, clip, work, args)
        finally:
            clips.MP4_OPTIONS = options
    return 0


def alone(footage: Path, work: Path, args: argparse.Namespace) -> None:
    print("\nalone (one export, nothing recording):")
    own = clips.MP4_OPTIONS
    for options in (own, {"movflags": "+faststart"}):
        clips.MP4_OPTIONS = options
        try:
            result = export_hour(footage, work / "alone", args.hours)
        finally:
            clips.MP4_OPTIONS = own
        kind = "MP4 " + options["movflags"] if options else "plain MP4 (moov at the end)"
        print(f"  write_clips, {kind}{' [clips.py]' if options == own else ''}: {result.seconds:.1f} s, "
              f"{result.ratio:.0f}x real time (goal >= {GOAL_RATIO}x), {result.files} file(s), "
              f"{result.bytes / 1e9:.2f} GB")
        if not args.no_ffmpeg:
            took = ffmpeg_concat(footage, work, args.hours, options.get("movflags", ""))
            print(f"    ffmpeg -f concat -c copy, same flags: {took:.1f} s, {args.hours * 3600 / took:.0f}x real "
                  f"time; write_clips took {result.seconds / took:.2f} times as long")


def while_recording(footage: Path, clip: Path, work: Path, args: argparse.Namespace) -> None:
    print(f"\nwhile recording {args.streams} stream(s) of 1080p{FPS} from the test RTSP server, "
          f"{args.exports} export(s) at once, {clips.MP4_OPTIONS or 'plain MP4'}"
          + (f", export threads at nice +{args.nice}:" if args.nice else ":"))
    with Arrivals() as arrivals, recording(work, args.cache, clip, args.streams) as (supervisor, _db):
        time.sleep(args.warmup)
        results: list[Exported] = []
        threads = [threading.Thread(target=export_hour,
                                    args=(footage, work / f"concurrent{i}", args.hours, results, args.nice))
                   for i in range(args.exports)]
        w0 = time.time() * 1000
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        w1 = time.time() * 1000
        time.sleep(1.5)  # the frames of the window reach their files
        captures = [c for c in (supervisor.capture(chid) for chid in range(1, args.streams + 1)) if c]
    dropped = sum(c.packets_dropped for c in captures)
    db = Database(f"sqlite:///{work / 'recording' / 'tsnvr.db'}")
    # a second's margin at each end: segment times are anchored on packet arrival
    facts = recording_facts(db, work / "recording", args.streams, dropped, int(w0) + 1000, int(w1) - 1000)
    db.dispose()
    for i, result in enumerate(results):
        print(f"  export {i + 1}: {result.seconds:.1f} s, {result.ratio:.0f}x real time")
    print(f"  recorder: dropped packets {facts.dropped} (goal 0); frames missing in the {(w1 - w0) / 1000:.0f} s "
          f"export window {facts.missing} of {facts.expected}; longest gap between frames {facts.longest_gap_ms} ms")
    before = arrivals.lateness_ms(w0 - args.warmup * 1000 + 2000, w0)
    during = arrivals.lateness_ms(w0, w1)
    print(f"  packet arrival, late against the stream's own clock: before the exports p99 "
          f"{percentile(before, 0.99):.0f} ms, max {max(before, default=0):.0f} ms; during them p99 "
          f"{percentile(during, 0.99):.0f} ms, max {max(during, default=0):.0f} ms")


if __name__ == "__main__":
    sys.exit(main())
