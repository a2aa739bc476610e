"""Recorder CPU against ffmpeg's: N RTSP streams (1080p25, ~4 Mbit/s) from the test RTSP server,
recorded at the same time by tsnvr's recorder (one child process, a thread per stream) and by N
`ffmpeg -c copy -f segment` processes. Prints CPU per stream for both, their ratio, and frames
recorded against frames expected (loss).

    .venv/bin/python scripts/bench/recorder.py --streams 4 --seconds 60
    .venv/bin/python scripts/bench/recorder.py --streams 4 --seconds 30 --ramp 128

With --ramp MAX it then records 2N, 4N, ... streams (tsnvr alone, up to MAX) and prints the
largest N held without loss: every stream's files hold at least 99.5 % of the frames their time
span should, and cover at least 95 % of the measured time. On a small machine the RTSP server,
sending N copies of the stream, may be what gives out first; the output says so.

Needs the apt packages scripts/test installs (GStreamer RTSP server, ffmpeg). The clip is
made once with PyAV/libx264 and cached (--cache).
"""

from __future__ import annotations

import argparse
import math
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import av
import psutil

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from storage import segments  # noqa: E402
from storage.db import Database  # noqa: E402
from tests.rtsp_server import RtspServerProcess, loop_clip, make_h264_clip  # noqa: E402

FPS = 25
CLIP_SECONDS = 10
SEGMENT_SECONDS = 10

RECORDER_CHILD = """
import signal, sys, time
from pathlib import Path
from recorder.supervisor import RecorderSupervisor
from storage import schema
from storage.db import Database
from storage.models import Channel
from storage.settings import Settings

data_dir, url, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
db = Database(f"sqlite:///{data_dir / 'tsnvr.db'}")
schema.upgrade(db)
with db.write() as s:
    for chid in range(1, count + 1):
        s.add(Channel(chid=chid, source=url, created_ms=0))
settings = Settings(data_dir=data_dir)
settings.segment_seconds = float(sys.argv[4])
settings.retention_min_free_bytes = 0
settings.retention_min_free_percent = 0.0
supervisor = RecorderSupervisor(db, settings, lambda event: None)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
supervisor.start()
try:
    while True:
        time.sleep(1)
finally:
    supervisor.stop()
"""


@dataclass
class Recorded:
    frames: int = 0
    seconds: float = 0.0  # the stream time the files cover

    @property
    def kept(self) -> float:
        """Frames in the files against frames their time span should hold (1.0: nothing lost)."""
        return self.frames / (self.seconds * FPS) if self.seconds else 0.0


@dataclass
class Result:
    name: str
    cpu_seconds: float
    streams: list[Recorded]


def cpu_seconds(procs: list[psutil.Process]) -> float:
    total = 0.0
    for proc in procs:
        times = proc.cpu_times()
        total += times.user + times.system
    return total


def count_frames(files: list[Path]) -> Recorded:
    out = Recorded()
    for path in files:
        try:
            with av.open(str(path)) as container:
                stream = container.streams.video[0]
                dts = [(p.dts, p.duration or 0) for p in container.demux(stream) if p.size and p.dts is not None]
        except (av.FFmpegError, IndexError):
            continue
        if dts:
            out.frames += len(dts)
            out.seconds += float((dts[-1][0] + dts[-1][1] - dts[0][0]) * stream.time_base)
    return out


LOSS_FREE_KEPT = 0.995
LOSS_FREE_COVERED = 0.95


def start_recorder(work: Path, url: str, n: int) -> subprocess.Popen:
    (work / "tsnvr").mkdir()
    return subprocess.Popen([sys.executable, "-c", RECORDER_CHILD, str(work / "tsnvr"), url, str(n),
                             str(SEGMENT_SECONDS)], cwd=REPO)


def recorded_streams(work: Path, n: int) -> list[Recorded]:
    db = Database(f"sqlite:///{work / 'tsnvr' / 'tsnvr.db'}")
    try:
        return [count_frames([work / "tsnvr" / s.path for s in segments.channel_segments(db, chid)])
                for chid in range(1, n + 1)]
    finally:
        db.dispose()


def ramp(source: Path, first: int, largest: int, warmup: float, seconds: float) -> None:
    """Record 2*first, 4*first, ... streams with tsnvr alone until one loses frames."""
    held = first
    n = first * 2
    print(f"\nramp: tsnvr alone, {seconds:.0f} s each")
    print(f"{'streams':>8} {'CPU %/stream':>13} {'server CPU %':>13} {'kept min':>9} {'covered min':>12}")
    while n <= largest:
        with tempfile.TemporaryDirectory(prefix="tsnvr-bench-") as tmp, RtspServerProcess(file=source) as server:
            work = Path(tmp)
            recorder = start_recorder(work, server.url("file"), n)
            procs, server_ps = [psutil.Process(recorder.pid)], [psutil.Process(server.proc.pid)]
            time.sleep(warmup)
            c0, s0, t0 = cpu_seconds(procs), cpu_seconds(server_ps), time.monotonic()
            time.sleep(seconds)
            c1, s1, t1 = cpu_seconds(procs), cpu_seconds(server_ps), time.monotonic()
            recorder.terminate()
            recorder.wait(60)
            streams = recorded_streams(work, n)
        window = t1 - t0
        kept = min(s.kept for s in streams)
        covered = min(s.seconds for s in streams) / (window + warmup)
        print(f"{n:>8} {(c1 - c0) / window / n * 100:>12.2f}% {(s1 - s0) / window * 100:>12.0f}% "
              f"{kept:>9.2%} {covered:>12.2%}", flush=True)
        if kept < LOSS_FREE_KEPT or covered < LOSS_FREE_COVERED:
            break
        held = n
        n *= 2
    print(f"largest N held without loss: {held} streams"
          + (f" (the ramp stopped at --ramp {largest})" if n > largest else ""))


def make_source(cache: Path, seconds: float) -> Path:
    clip = cache / f"clip-1080p25-{CLIP_SECONDS}s.mp4"
    if not clip.exists():
        print(f"making {clip} (once)...", flush=True)
        make_h264_clip(clip.with_suffix(".tmp.mp4"), 1920, 1080, FPS, CLIP_SECONDS, 4_000_000, noise=True)
        clip.with_suffix(".tmp.mp4").rename(clip)
    times = math.ceil((seconds + 60) / CLIP_SECONDS)
    long = cache / f"long-1080p25-{times * CLIP_SECONDS}s.mp4"
    if not long.exists():
        loop_clip(clip, long, times)
    return long


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--streams", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=60.0, help="measured time, after the warm-up")
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "tsnvr-bench-recorder")
    parser.add_argument("--ramp", type=int, metavar="MAX", help="then find the largest N up to MAX held without loss")
    args = parser.parse_args()
    n = args.streams
    args.cache.mkdir(parents=True, exist_ok=True)
    source = make_source(args.cache, args.warmup + args.seconds)
    with av.open(str(source)) as container:
        bitrate = source.stat().st_size * 8 / (container.duration / 1_000_000) / 1e6

    with tempfile.TemporaryDirectory(prefix="tsnvr-bench-") as tmp, RtspServerProcess(file=source) as server:
        work = Path(tmp)
        url = server.url("file")
        started = time.monotonic()
        recorder = start_recorder(work, url, n)
        ffmpegs = []
        for i in range(n):
            out = work / f"ffmpeg{i}"
            out.mkdir()
            ffmpegs.append(subprocess.Popen(
                ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-rtsp_transport", "tcp", "-i", url,
                 "-map", "0:v", "-c", "copy", "-f", "segment", "-segment_time", str(SEGMENT_SECONDS),
                 "-reset_timestamps", "1", str(out / "%05d.mp4")]))
        rec_ps = [psutil.Process(recorder.pid)]
        ff_ps = [psutil.Process(p.pid) for p in ffmpegs]
        time.sleep(args.warmup)
        rec0, ff0, t0 = cpu_seconds(rec_ps), cpu_seconds(ff_ps), time.monotonic()
        time.sleep(args.seconds)
        rec1, ff1, t1 = cpu_seconds(rec_ps), cpu_seconds(ff_ps), time.monotonic()
        for proc in ffmpegs:
            proc.send_signal(signal.SIGINT)
        recorder.terminate()
        for proc in [*ffmpegs, recorder]:
            proc.wait(30)
        ran = time.monotonic() - started

        rec_streams = recorded_streams(work, n)
        ff_streams = [count_frames(sorted((work / f"ffmpeg{i}").glob("*.mp4"))) for i in range(n)]

    window = t1 - t0
    results = [Result("tsnvr recorder", rec1 - rec0, rec_streams), Result("ffmpeg -c copy", ff1 - ff0, ff_streams)]
    print(f"\n{n} streams of 1080p{FPS} at {bitrate:.1f} Mbit/s; CPU measured over {window:.0f} s after a "
          f"{args.warmup:.0f} s warm-up; processes ran {ran:.0f} s; {psutil.cpu_count()} CPUs")
    print(f"{'':<16} {'CPU %/stream':>12} {'frames/stream min':>18} {'recorded s min':>15} {'frames kept min':>16}")
    for r in results:
        per_stream = r.cpu_seconds / window / n * 100
        print(f"{r.name:<16} {per_stream:>11.2f}% {min(s.frames for s in r.streams):>18} "
              f"{min(s.seconds for s in r.streams):>15.1f} {min(s.kept for s in r.streams):>16.2%}")
    ratio = results[0].cpu_seconds / results[1].cpu_seconds if results[1].cpu_seconds else float("inf")
    print(f"ratio tsnvr/ffmpeg CPU: {ratio:.2f}x (goal <= 1.5x)")
    if args.ramp:
        ramp(source, n, args.ramp, args.warmup, args.seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
