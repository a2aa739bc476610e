"""A test RTSP server (GStreamer's), run as its own program by the system Python:

    /usr/bin/python3 tests/rtsp_server.py --port 8554 [--file CLIP.mp4] [--user U --password P]
                                          [--shared] [--threads N]

Mounts: /live (videotestsrc with a clock overlay, x264 with a 1 s GOP) and, with --file, /file
(an H.264 MP4 served in real time). /live repeats SPS/PPS before every slice of a keyframe, which
FFmpeg reads as a keyframe split in two packets (as some cameras send it); /file sends them once
per keyframe, as most cameras do. Every client gets its own pipeline (shared media broke under
many concurrent clients). With --user, every mount asks for Basic authentication. SIGTERM and
SIGINT stop it (GLib needs its own handler, or SIGTERM is ignored while the main loop runs).

For many clients (the recorder bench): --shared serves /file from one pipeline to every client
(pre-encoded packets, demuxed once, no encoder anywhere; a client joining late starts at the
next keyframe), and --threads N lets N threads serve the clients' connections instead of the
one GStreamer uses by default, which sends every client's RTP-over-TCP data. Many clients that
arrive at once while the shared media is still being prepared for the first get nothing: have
one client connected first (scripts/bench/recorder.py does).
It prints "ready" on stdout once the port listens.

Imported by the project's Python (tests, bench), it also offers RtspServerProcess, which runs this
program as a child, and make_h264_clip / loop_clip, which make the video it serves (with PyAV).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

SYSTEM_PYTHON = "/usr/bin/python3"  # has python3-gi; the project's venv does not

LIVE_PIPELINE = (
    "( videotestsrc is-live=true pattern=ball ! video/x-raw,width={width},height={height},framerate=25/1 "
    "! clockoverlay ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=25 bitrate={kbps} "
    "! video/x-h264,profile=baseline ! rtph264pay name=pay0 pt=96 config-interval=-1 )"
)
FILE_PIPELINE = (
    "( filesrc location=\"{path}\" ! qtdemux ! h264parse ! rtph264pay name=pay0 pt=96 config-interval=1 )"
)
ROLE = "tester"


def _factory(launch: str, secured: bool, shared: bool = False) -> Any:
    from gi.repository import GstRtspServer

    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(launch)
    factory.set_shared(shared)
    if secured:
        permissions = GstRtspServer.RTSPPermissions()
        permissions.add_permission_for_role(ROLE, "media.factory.access", True)
        permissions.add_permission_for_role(ROLE, "media.factory.construct", True)
        factory.set_permissions(permissions)
    return factory


def _auth(user: str, password: str) -> Any:
    from gi.repository import GstRtspServer

    auth = GstRtspServer.RTSPAuth()
    token = GstRtspServer.RTSPToken()
    token.set_string("media.factory.role", ROLE)
    auth.add_basic(GstRtspServer.RTSPAuth.make_basic(user, password), token)
    return auth


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--file", help="an H.264 MP4 to serve on /file")
    parser.add_argument("--user")
    parser.add_argument("--password", default="")
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--height", type=int, default=360)
    parser.add_argument("--kbps", type=int, default=800)
    parser.add_argument("--shared", action="store_true", help="one /file pipeline for every client")
    parser.add_argument("--threads", type=int, default=0, help="threads serving clients (0: GStreamer's 1)")
    args = parser.parse_args()

    import gi

    gi.require_version("Gst", "1.0")
    gi.require_version("GstRtspServer", "1.0")
    from gi.repository import GLib, Gst, GstRtspServer

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    if args.threads:
        server.get_thread_pool().set_max_threads(args.threads)
    secured = bool(args.user)
    if secured:
        server.set_auth(_auth(args.user, args.password))
    mounts = server.get_mount_points()
    mounts.add_factory("/live", _factory(
        LIVE_PIPELINE.format(width=args.width, height=args.height, kbps=args.kbps), secured))
    if args.file:
        mounts.add_factory("/file", _factory(FILE_PIPELINE.format(path=args.file), secured, args.shared))
    if server.attach(None) == 0:
        print(f"cannot listen on port {args.port}", file=sys.stderr)
        return 1

    loop = GLib.MainLoop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_HIGH, signum, loop.quit)
    print("ready", flush=True)
    loop.run()
    return 0


# --- Used by the tests and the bench (the project's Python): run the server, make clips. ---


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RtspServerProcess:
    """This program in a child process; stop() and start() again keep the port."""

    def __init__(self, file: Path | None = None, user: str | None = None, password: str = "",
                 port: int | None = None, extra_args: tuple[str, ...] = ()) -> None:
        self.port = port or free_port()
        self.args = [SYSTEM_PYTHON, str(Path(__file__).resolve()), "--port", str(self.port), *extra_args]
        if file is not None:
            self.args += ["--file", str(file)]
        if user:
            self.args += ["--user", user, "--password", password]
        self.proc: subprocess.Popen[bytes] | None = None

    def url(self, mount: str = "live") -> str:
        return f"rtsp://127.0.0.1:{self.port}/{mount}"

    def start(self, timeout: float = 10.0) -> RtspServerProcess:
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        os.set_blocking(self.proc.stdout.fileno(), False)
        seen = b""
        while time.monotonic() < deadline:
            seen += self.proc.stdout.read() or b""
            if b"ready" in seen:
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"the test RTSP server did not start: {' '.join(self.args)}")

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def __enter__(self) -> RtspServerProcess:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def make_h264_clip(path: Path, width: int = 640, height: int = 360, fps: int = 25, seconds: float = 4.0,
                   bitrate: int = 800_000, gop: int | None = None, noise: bool = False) -> Path:
    """A moving test pattern encoded with libx264 (PyAV): no B-frames, a keyframe every second.
    With noise, the picture is random (so the encoder spends the whole bitrate)."""
    import av

    path.parent.mkdir(parents=True, exist_ok=True)
    pattern = os.urandom(width * height * 2) if noise else bytes(range(256)) * (width * height // 256 + width * 8)
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.bit_rate = bitrate
        stream.gop_size = gop or fps
        stream.options = {"bf": "0", "preset": "veryfast", "sc_threshold": "0",
                          "maxrate": str(bitrate), "bufsize": str(bitrate)}
        for i in range(round(seconds * fps)):
            frame = av.VideoFrame(width, height, "yuv420p")
            shift = (i * 7919) % (width * height) if noise else (i * 7) % 256 + (i * width // 64) % width
            frame.planes[0].update(pattern[shift:shift + width * height])
            for plane, offset in ((frame.planes[1], 3 * i), (frame.planes[2], 200 - 5 * i)):
                size = plane.line_size * plane.height
                plane.update(bytes([offset % 256]) * size)
            frame.pts = i
            frame.time_base = Fraction(1, fps)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def loop_clip(clip: Path, path: Path, times: int) -> Path:
    """The clip remuxed `times` times end to end into one file (multifilesrc loop=true gives bad
    timestamps, so the server plays one long file instead)."""
    import av

    with av.open(str(clip)) as src, av.open(str(path), "w", format="mp4") as out:
        in_stream = src.streams.video[0]
        out_stream = out.add_stream_from_template(in_stream)
        packets = [p for p in src.demux(in_stream) if p.dts is not None]
        first = packets[0].dts
        span = packets[-1].dts + (packets[-1].duration or packets[1].dts - packets[0].dts) - first
        for n in range(times):
            for p in packets:
                copy = av.Packet(bytes(p))
                copy.dts = p.dts - first + n * span
                copy.pts = p.pts - first + n * span
                copy.duration = p.duration
                copy.time_base = p.time_base
                copy.is_keyframe = p.is_keyframe
                copy.stream = out_stream
                out.mux(copy)
    return path


if __name__ == "__main__":
    sys.exit(main())
