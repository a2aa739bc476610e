"""Recorder CPU against ffmpeg's: N RTSP streams (1080p25, ~4 Mbit/s) from the test RTSP server,
recorded at the same time by tsnvr's recorder (one child process, a thread per stream) and by N
`ffmpeg -c copy -f segment` processes. Prints CPU per stream for both, their ratio, and frames
recorded against frames expected (loss).

    .venv/bin/python scripts/bench/recorder.py --streams 4 --seconds 60
    .venv/bin/python scripts/bench/recorder.py --streams 4 --seconds 30 --ramp 128

With --ramp MAX it then records 2N, 4N, ... streams (tsnvr alone, up to MAX), narrows down
between the last count held and the first lost by halving, and prints the largest N held without
loss: every stream's files hold at least 99.5 % of the frames their time span should, and its
segments cover at least 99 % of the measured window (wall-clock times from the index).

The source: the test RTSP server sends the pre-encoded clip (no encoder anywhere), each client
from its own pipeline that only demuxes and packetises it, with --server-threads threads serving
the clients (tests/rtsp_server.py --threads). With GStreamer's default of one thread for every
client's RTP-over-TCP data the server gave out near 16 streams of 1080p on 2 cores, before the
recorder; with 8 threads it sent 64 streams on 38 % of a core. --shared serves every client from
one pipeline instead (demuxed once), with a client connected first; a slow client can stall
a shared pipeline for all, so it is not the default. The server's CPU is printed with each step.

With --outage SECONDS it measures reconnecting instead: one stream recorded, the server stopped
for SECONDS (three times), started again on the same port; prints how long after the server
listened again the first recorded segment begins (its wall-clock time from the index: the first
packet's arrival). Goal: within 2 s.

    .venv/bin/python scripts/bench/recorder.py --outage 20

Needs the apt packages scripts/test installs (GStreamer RTSP server, ffmpeg). The clip is
made once with PyAV/libx264 and cached (--cache).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
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
LOSS_FREE_COVERED = 0.99


class Primer:
    """One client that reads the shared stream (and drops it) from before the recorder connects:
    clients arriving all at once while a shared media is being prepared get nothing."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.stop = threading.Event()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with av.open(self.url, options={"rtsp_transport": "tcp", "timeout": "10000000"}) as container:
            for _packet in container.demux(container.streams.video[0]):
                self.ready.set()
                if self.stop.is_set():
                    return

    def __enter__(self) -> Primer:
        self.thread.start()
        if not self.ready.wait(20):
            raise RuntimeError("the shared RTSP stream did not start")
        time.sleep(0.5)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        self.thread.join(15)


@dataclass(frozen=True)
class Source:
    """How the RTSP server serves the clip."""

    clip: Path
    shared: bool = False
    threads: int = 8

    @contextlib.contextmanager
    def server(self) -> Iterator[RtspServerProcess]:
        extra = ("--threads", str(self.threads)) + (("--shared",) if self.shared else ())
        with RtspServerProcess(file=self.clip, extra_args=extra) as server:
            if not self.shared:
                yield server
                return
            with Primer(server.url("file")):
                yield server


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


def window_coverage(work: Path, n: int, begin_ms: int, end_ms: int) -> list[float]:
    """Per stream, the share of [begin_ms, end_ms) its indexed segments cover."""
    db = Database(f"sqlite:///{work / 'tsnvr' / 'tsnvr.db'}")
    try:
        out = []
        for chid in range(1, n + 1):
            rows = segments.channel_segments(db, chid, begin_ms, end_ms)
            covered = sum(min(r.end_ms, end_ms) - max(r.begin_ms, begin_ms) for r in rows)
            out.append(covered / (end_ms - begin_ms))
        return out
    finally:
        db.dispose()


@dataclass(frozen=True)
class Step:
    streams: int
    cpu_per_stream: float  # % of one core
    server_cpu: float  # % of one core
    kept: float
    covered: float

    @property
    def held(self) -> bool:
        return self.kept >= LOSS_FREE_KEPT and self.covered >= LOSS_FREE_COVERED


def record_step(source: Source, n: int, warmup: float, seconds: float) -> Step:
    """n streams recorded by tsnvr alone for warmup + seconds."""
    with tempfile.TemporaryDirectory(prefix="tsnvr-bench-") as tmp, source.server() as server:
        work = Path(tmp)
        recorder = start_recorder(work, server.url("file"), n)
        assert server.proc is not None
        procs, server_ps = [psutil.Process(recorder.pid)], [psutil.Process(server.proc.pid)]
        time.sleep(warmup)
        c0, s0, t0, w0 = cpu_seconds(procs), cpu_seconds(server_ps), time.monotonic(), time.time()
        time.sleep(seconds)
        c1, s1, t1, w1 = cpu_seconds(procs), cpu_seconds(server_ps), time.monotonic(), time.time()
        # the segments open at the end close when the recorder stops: wait a little past the window
        time.sleep(1.0)
        recorder.terminate()
        recorder.wait(60)
        streams = recorded_streams(work, n)
        # a second's margin at each end: segment times are anchored on packet arrival
        coverage = window_coverage(work, n, int(w0 * 1000) + 1000, int(w1 * 1000) - 1000)
    window = t1 - t0
    return Step(n, (c1 - c0) / window / n * 100, (s1 - s0) / window * 100, min(s.kept for s in streams),
                min(coverage))


def ramp(source: Source, first: int, largest: int, warmup: float, seconds: float) -> int:
    """Record 2*first, 4*first, ... streams with tsnvr alone until one loses frames, then halve the
    gap between the last held and the first lost; returns the largest count held."""
    print(f"\nramp: tsnvr alone, {seconds:.0f} s each, source "
          + (f"shared, {source.threads} server threads" if source.shared else "a pipeline per client"))
    print(f"{'streams':>8} {'CPU %/stream':>13} {'server CPU %':>13} {'kept min':>9} {'covered min':>12}")

    def step(n: int) -> bool:
        result = record_step(source, n, warmup, seconds)
        print(f"{n:>8} {result.cpu_per_stream:>12.2f}% {result.server_cpu:>12.0f}% "
              f"{result.kept:>9.2%} {result.covered:>12.2%}" + ("" if result.held else "  lost"), flush=True)
        return result.held

    held, lost = first, None
    n = first * 2
    while n <= largest:
        if not step(n):
            lost = n
            break
        held = n
        n *= 2
    while lost is not None and lost - held > max(1, first // 2):
        middle = (held + lost) // 2
        if step(middle):
            held = middle
        else:
            lost = middle
    print(f"largest N held without loss: {held} streams"
          + (f" (the ramp stopped at --ramp {largest})" if lost is None else f" ({lost} streams did not hold)")
          + f"; {psutil.cpu_count()} CPUs, shared with whatever else runs on this machine")
    return held


def outage(source: Source, seconds: float, times: int = 3) -> None:
    """Stop the server for `seconds`, start it again; how soon is the channel recorded again?"""
    print(f"\noutage: one stream, the server down {seconds:.0f} s, {times} times")
    with tempfile.TemporaryDirectory(prefix="tsnvr-bench-") as tmp:
        work = Path(tmp)
        server = RtspServerProcess(file=source.clip, extra_args=("--threads", str(source.threads))).start()
        recorder = start_recorder(work, server.url("file"), 1)
        ups: list[float] = []
        try:
            time.sleep(6)
            for _ in range(times):
                server.stop()
                time.sleep(seconds)
                server.start()
                ups.append(time.time())
                time.sleep(6)
        finally:
            server.stop()
            recorder.terminate()
            recorder.wait(60)
        db = Database(f"sqlite:///{work / 'tsnvr' / 'tsnvr.db'}")
        try:
            rows = segments.channel_segments(db, 1)
        finally:
            db.dispose()
    for up in ups:
        after = [r.begin_ms for r in rows if r.begin_ms >= up * 1000 - 500]
        delay = (after[0] / 1000 - up) if after else float("inf")
        print(f"recording again {delay:.2f} s after the server listened again (goal <= 2 s)")


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
    parser.add_argument("--server-threads", type=int, default=8, help="threads of the RTSP server")
    parser.add_argument("--shared", action="store_true", help="one server pipeline for every client")
    parser.add_argument("--ramp-only", action="store_true", help="skip the comparison with ffmpeg")
    parser.add_argument("--outage", type=float, metavar="SECONDS", help="measure reconnecting after outages")
    args = parser.parse_args()
    n = args.streams
    args.cache.mkdir(parents=True, exist_ok=True)
    source = make_source(args.cache, max(args.warmup + args.seconds, 3 * ((args.outage or 0) + 6) + 6))
    with av.open(str(source)) as container:
        bitrate = source.stat().st_size * 8 / (container.duration / 1_000_000) / 1e6
    served = Source(source, shared=args.shared, threads=args.server_threads)
    if args.outage:
        outage(served, args.outage)
        return 0
    if args.ramp_only:
        print(f"1080p{FPS} at {bitrate:.1f} Mbit/s")
        ramp(served, n, args.ramp or n * 2, args.warmup, args.seconds)
        return 0

    with tempfile.TemporaryDirectory(prefix="tsnvr-bench-") as tmp, served.server() as server:
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
        ramp(served, n, args.ramp, args.warmup, args.seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
