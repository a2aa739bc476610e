"""Benchmark of what analysing an ONVIF channel's sub stream saves: CPU per channel spent by the
analytics when they sample the 1920x1080 main stream versus the camera's 640x360 sub stream, on the
real road of `tsnvr serve`.

The footage: one scene, the demo street of `tsnvr demo` (a car with a plate drives by every 12 s,
film grain over it), scaled and encoded once with PyAV at 1920x1080 4 Mbit/s and at 640x360
512 kbit/s (bitrates cameras commonly use), 25 fps, and cached (--cache). Each is served in real
time by its own test RTSP server (tests/rtsp_server.py, /file), and the ONVIF device simulator
(tests/onvif_sim) gives their URIs as its main and sub profiles. N ONVIF channels are recorded by
a RecorderSupervisor in this process (a capture thread per channel, segments written and indexed in
a temporary data directory), in runs of the same length, one after another, each starting the
scene from its beginning:

- reference: recording only, nothing attached to the channels' frame samplers;
- main: substream off, analytics sample the recorded main stream (the capture's packets);
- sub: substream on, analytics sample the sub stream (recorder.sub_stream: a second connection).

"Decode" attaches a consumer that only takes the frames (recorder.frames.FrameSampler decodes every
packet and converts lpr_fps frames a second to BGR); with --lpr the same two runs are repeated with
tsnvr.analytics.Analytics and the real LPR engine: a whole-frame zone on every channel, people and
vehicles detected (lpr_objects, on by default), the engine's threads as set (lpr_threads: all cores).
The worker reads only each channel's latest frame while there is motion, so it prints how many
frames the engine read, and the ratio per frame read too: when it cannot keep up it reads fewer
frames, and CPU per channel no longer tells the two apart.

CPU is this process's (time.process_time: every thread) during the measured window, after a
warm-up; the analytics' share is a run's CPU minus the reference run's. Prints CPU seconds per
channel per second (a share of one core), frames handed over, and the ratio main/sub. All runs are
in one process, one after another, so the machine's state is the same for each.

    .venv/bin/python scripts/bench/analytics.py [--channels 4] [--seconds 24] [--fps 4] [--lpr]

Needs the apt packages scripts/test installs (GStreamer RTSP server).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import math
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

import av  # noqa: E402
import cv2  # noqa: E402
import numpy as np  # noqa: E402

from recorder.frames import SampledFrame  # noqa: E402
from recorder.supervisor import RecorderSupervisor  # noqa: E402
from storage import schema  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.events import Event  # noqa: E402
from storage.models import Channel  # noqa: E402
from storage.settings import Settings  # noqa: E402
from storage.settings.tables import LprDevice, LprZone  # noqa: E402
from tests.onvif_sim.server import OnvifSimulator  # noqa: E402
from tests.rtsp_server import RtspServerProcess, loop_clip  # noqa: E402
from tsnvr import demo  # noqa: E402
from tsnvr.analytics import Analytics  # noqa: E402

STREAMS = {"main": (1920, 1080, 4_000_000), "sub": (640, 360, 512_000)}
USER, PASSWORD = "bench", "bench-secret"


@dataclass
class Run:
    name: str
    cpu_seconds: float  # process CPU over the window
    seconds: float  # the window
    channels: int
    frames: int  # frames the samplers handed over (to the consumer or the LPR worker) in the window
    sizes: set[tuple[int, int]]  # of the frames (decode runs)
    analysed: int = 0  # frames the LPR engine read plates in (lpr runs)

    @property
    def per_channel(self) -> float:
        """CPU seconds per channel per second."""
        return self.cpu_seconds / self.seconds / self.channels


def encode_scene(path: Path, width: int, height: int, bitrate: int) -> Path:
    """The demo street (tsnvr.demo: a car with a plate driving by, 12 s) scaled to width x height."""
    tmp = path.with_suffix(".tmp.mp4")
    with av.open(str(tmp), "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=demo.FPS)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.bit_rate = bitrate
        stream.gop_size = demo.FPS
        stream.options = {"bf": "0", "preset": "veryfast", "sc_threshold": "0",
                          "maxrate": str(bitrate), "bufsize": str(bitrate)}
        for i in range(demo.FRAMES):
            scaled = cv2.resize(demo.render_frame(i).to_ndarray(format="bgr24"), (width, height),
                                interpolation=cv2.INTER_AREA if width < demo.WIDTH else cv2.INTER_LINEAR)
            image = np.ascontiguousarray(scaled, dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(image, format="bgr24").reformat(format="yuv420p")
            frame.pts, frame.time_base = i, Fraction(1, demo.FPS)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return tmp.rename(path)


def footage(cache: Path, seconds: float) -> dict[str, Path]:
    """The scene at both sizes, looped to play at least `seconds` (made once, kept in `cache`)."""
    times = max(1, math.ceil(seconds / demo.SECONDS))
    out = {}
    for name, (width, height, bitrate) in STREAMS.items():
        stem = f"street-{width}x{height}-{bitrate // 1000}k"
        clip = cache / f"{stem}-{demo.SECONDS}s.mp4"
        if not clip.exists():
            encode_scene(clip, width, height, bitrate)
        long = cache / f"{stem}-{times * demo.SECONDS}s.mp4"
        if not long.exists():
            loop_clip(clip, long.with_suffix(".tmp.mp4"), times).rename(long)
        out[name] = long
    return out


@contextlib.contextmanager
def camera(clips: dict[str, Path]) -> Iterator[OnvifSimulator]:
    """The two RTSP servers and the ONVIF camera whose profiles point at them."""
    with RtspServerProcess(file=clips["main"], user=USER, password=PASSWORD) as main, \
            RtspServerProcess(file=clips["sub"], user=USER, password=PASSWORD) as sub, \
            OnvifSimulator(rtsp_main=main.url("file"), rtsp_sub=sub.url("file"), user=USER,
                           password=PASSWORD) as sim:
        yield sim


class Sizes:
    """The decode runs' consumer: takes each frame, notes its size."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seen: set[tuple[int, int]] = set()

    def frame(self, frame: SampledFrame) -> None:
        with self.lock:
            self.seen.add((frame.width, frame.height))


def count_analysed(analytics: Analytics, ready_within: float) -> list[int]:
    """Once the worker's models are loaded (the first frame starts that, in a thread of its own; its
    CPU stays out of the window), a counter of the frames its engine reads plates in: the worker
    takes only each channel's latest frame, so when it falls behind it analyses fewer than offered."""
    worker = analytics.worker
    assert worker is not None, analytics.error
    deadline = time.monotonic() + ready_within
    while not worker._models_ready:  # the worker's own flag: nothing public says the models are in
        if worker.model_error or time.monotonic() > deadline:
            raise SystemExit(f"LPR models not loaded: {worker.model_error or 'timed out'}")
        time.sleep(0.1)
    count = [0]
    read_plates = worker.engine.read_plates

    def counted(*args: Any, **kwargs: Any) -> Any:
        count[0] += 1
        return read_plates(*args, **kwargs)

    worker.engine.read_plates = counted
    return count


def measure(name: str, sim: OnvifSimulator, channels: int, substream: bool, mode: str, fps: float,
            warmup: float, seconds: float, cache: Path) -> Run:
    """One run: `mode` is "none" (recording only), "decode" or "lpr"."""
    with tempfile.TemporaryDirectory(prefix="bench-analytics-") as tmp:
        data_dir = Path(tmp)
        db = Database(f"sqlite:///{data_dir / 'tsnvr.db'}")
        schema.upgrade(db)
        with db.write() as s:
            for chid in range(1, channels + 1):
                s.add(Channel(chid=chid, type="onvif", source="rtsp://127.0.0.1:9/unused", uid=USER,
                              password=PASSWORD, device_url=sim.url, substream=substream, created_ms=0))
        settings = Settings(data_dir=data_dir)
        settings.segment_seconds = 10.0
        settings.retention_min_free_bytes = 0
        settings.retention_min_free_percent = 0.0
        settings.lpr_fps = fps
        sizes = Sizes()
        publish: Callable[[Event], None] = lambda event: None  # noqa: E731
        supervisor = RecorderSupervisor(db, settings, publish)
        analytics: Analytics | None = None
        analysed = [0]
        supervisor.start()
        try:
            if mode == "decode":
                for chid in range(1, channels + 1):
                    supervisor.frame_sampler(chid).attach(sizes.frame, fps)
            elif mode == "lpr":
                settings.lpr_enabled = True
                settings.lpr_channels = list(range(1, channels + 1))
                settings.lpr_device = [LprDevice(id=chid, code=f"bench-{chid}", linked_channels=[chid],
                                                 zone=LprZone(chid=chid)) for chid in range(1, channels + 1)]
                settings.lpr_cache_dir = str(cache / "models")
                analytics = Analytics(db, supervisor, publish)
                analytics.apply(settings)
                analysed = count_analysed(analytics, ready_within=warmup + 120)
            time.sleep(warmup)
            samplers = [supervisor.frame_sampler(chid) for chid in range(1, channels + 1)]
            delivered_before = sum(sampler.stats["delivered"] for sampler in samplers)
            analysed_before = analysed[0]
            cpu_before, wall_before = time.process_time(), time.monotonic()
            time.sleep(seconds)
            cpu, wall = time.process_time() - cpu_before, time.monotonic() - wall_before
            frames = sum(sampler.stats["delivered"] for sampler in samplers) - delivered_before
            frames_analysed = analysed[0] - analysed_before
        finally:
            if analytics is not None:
                analytics.stop()
            supervisor.stop()
            db.dispose()
    return Run(name, cpu, wall, channels, frames, sizes.seen, frames_analysed)


def line(run: Run, reference: Run | None) -> str:
    text = f"{run.name}: {run.per_channel * 100:.1f} % of a core per channel"
    if reference is not None:
        text += f" (analytics {(run.per_channel - reference.per_channel) * 100:.1f} % over the reference)"
    if run.frames:
        sizes = ", ".join(f"{w}x{h}" for w, h in sorted(run.sizes))
        text += f"; {run.frames / run.seconds / run.channels:.1f} frames/s per channel handed over"
        text += f" ({sizes})" if sizes else ""
    if run.analysed:
        text += f", {run.analysed / run.seconds / run.channels:.1f} read by the LPR engine"
        if reference is not None:
            per_frame = (run.per_channel - reference.per_channel) * run.seconds * run.channels / run.analysed
            text += f" ({per_frame:.2f} CPU s of analytics per frame read)"
    return text


def ratio(main: Run, sub: Run, reference: Run, what: str) -> str:
    main_cost = main.per_channel - reference.per_channel
    sub_cost = sub.per_channel - reference.per_channel
    if sub_cost <= 0:
        return f"ratio main/sub ({what}): the sub stream's cost is within the noise ({sub_cost * 100:.2f} %)"
    text = (f"ratio main/sub ({what}): {main_cost / sub_cost:.1f}x (the sub stream costs "
            f"{sub_cost / main_cost * 100:.0f} % of the main stream's analytics CPU)")
    if main.analysed and sub.analysed:  # the engine reads what it has time for: compare per frame read too
        per_main = main_cost * main.seconds * main.channels / main.analysed
        per_sub = sub_cost * sub.seconds * sub.channels / sub.analysed
        text += f"; per frame the engine read: {per_main / per_sub:.1f}x"
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=2 * demo.SECONDS,
                        help="measured window of each run (default: two passes of the car)")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds before the window")
    parser.add_argument("--fps", type=float, default=Settings.model_fields["lpr_fps"].default,
                        help="frames analysed per second (lpr_fps)")
    parser.add_argument("--lpr", action="store_true", help="also run decode + the LPR engine")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "tsnvr-bench-analytics")
    args = parser.parse_args(argv)
    logging.getLogger().setLevel(logging.WARNING)
    args.cache.mkdir(parents=True, exist_ok=True)
    clips = footage(args.cache, args.warmup + args.seconds + 60)  # room for the models to load first
    print(f"{args.channels} ONVIF channels recording 1920x1080 4 Mbit/s, analytics at {args.fps:g} fps, "
          f"{args.seconds:g} s measured after {args.warmup:g} s")
    with camera(clips) as sim:
        def run(name: str, substream: bool, mode: str) -> Run:
            return measure(name, sim, args.channels, substream, mode, args.fps, args.warmup, args.seconds,
                           args.cache)

        reference = run("reference (recording only)", True, "none")
        print(line(reference, None), flush=True)
        main_run = run("main stream, decode", False, "decode")
        print(line(main_run, reference), flush=True)
        sub_run = run("sub stream, decode", True, "decode")
        print(line(sub_run, reference), flush=True)
        print(ratio(main_run, sub_run, reference, "decode"), flush=True)
        if args.lpr:
            main_lpr = run("main stream, decode + LPR", False, "lpr")
            print(line(main_lpr, reference), flush=True)
            sub_lpr = run("sub stream, decode + LPR", True, "lpr")
            print(line(sub_lpr, reference), flush=True)
            print(ratio(main_lpr, sub_lpr, reference, "decode + LPR"), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
