"""Benchmark of what analysing an ONVIF channel's sub stream saves: CPU per channel for the
analytics' decoding (recorder.frames.FrameSampler: every packet decoded on one thread, 5 frames a
second converted to BGR for the LPR worker) of a 1920x1080 main stream versus a 640x360 sub stream
of the same 25 fps picture, at bitrates cameras commonly use (4 Mbit/s and 512 kbit/s).

Both clips are encoded once with PyAV (a moving test pattern with noise, so the encoder spends the
bitrate) into a temporary directory; each is then demuxed and fed to a real FrameSampler, and the
process CPU time (all threads) is divided by the seconds of video: the share of one core a channel
costs. Prints both and their ratio.

    .venv/bin/python scripts/bench/analytics.py [--seconds 8] [--fps 5]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

import av  # noqa: E402

from recorder.frames import FrameSampler, SampledFrame  # noqa: E402
from recorder.segmenter import StreamInfo  # noqa: E402
from tests.rtsp_server import make_h264_clip  # noqa: E402

STREAMS = {"main 1920x1080": (1920, 1080, 4_000_000), "sub 640x360": (640, 360, 512_000)}


def cpu_per_video_second(clip: Path, fps: float, seconds: float) -> tuple[float, int, int]:
    """Process CPU seconds per second of video, frames decoded, frames delivered."""
    sampler = FrameSampler(1, queue_packets=1_000_000)  # never drops: every packet is decoded
    delivered: list[int] = []

    def on_frame(frame: SampledFrame) -> None:
        delivered.append(frame.width)

    sampler.attach(on_frame, fps=fps)
    started = time.process_time()
    packets = 0
    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        sampler.begin(StreamInfo.of(stream))
        for packet in container.demux(stream):
            if packet.size == 0 or packet.dts is None:
                continue
            sampler.feed(packet, time.time() * 1000)
            packets += 1
        while sampler.stats["decoded"] < packets:
            time.sleep(0.01)
        sampler.end()
    sampler.detach()
    return (time.process_time() - started) / seconds, sampler.stats["decoded"], len(delivered)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="video length of each clip")
    parser.add_argument("--fps", type=float, default=5.0, help="frames a second handed to analytics")
    args = parser.parse_args()
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-analytics-") as tmp:
        for name, (width, height, bitrate) in STREAMS.items():
            clip = make_h264_clip(Path(tmp) / f"{width}x{height}.mp4", width, height, 25, args.seconds, bitrate,
                                  noise=True)
            cpu, decoded, delivered = cpu_per_video_second(clip, args.fps, args.seconds)
            results[name] = cpu
            print(f"{name}: {cpu * 100:.1f} % of a core per channel ({decoded} frames decoded, "
                  f"{delivered} delivered)")
    main_cpu, sub_cpu = results["main 1920x1080"], results["sub 640x360"]
    print(f"ratio main/sub: {main_cpu / sub_cpu:.1f}x (analysing the sub stream costs "
          f"{sub_cpu / main_cpu * 100:.0f} % of the main stream's CPU)")


if __name__ == "__main__":
    main()
