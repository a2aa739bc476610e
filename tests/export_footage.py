"""Recorded footage for the export tests: a complete data directory whose two channels were recorded by
the real recorder (RecorderSupervisor) from the real RTSP test server, made once per session (the
`footage` fixture in tests/conftest.py), plus what the tests need to know about it exactly: every
segment's index row and every recorded frame's wall-clock time.

Both channels record the server's /file mount: a 640x360 H.264 clip at 25 fps with a keyframe every
25 frames (1 s), served in real time, so frame times are 40 ms apart and keyframes 1000 ms apart.
The recorder rolls a file every SEGMENT_SECONDS, so each channel has SEGMENTS full segments and a
shorter last one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import av

from recorder.supervisor import RecorderSupervisor
from storage import schema, segments, users
from storage import settings as settings_file
from storage.db import Database
from storage.models import Channel
from tests.rtsp_server import RtspServerProcess, loop_clip, make_h264_clip

FPS = 25
GOP_FRAMES = 25
FRAME_MS = 1000 // FPS
SEGMENT_SECONDS = 3.0
SEGMENTS = 4  # full segments per channel before the recording stops
TAIL_SECONDS = 1.0  # recorded after the last full segment closed: the last, shorter segment
CHIDS = (1, 2)
RECORD_TIMEOUT_S = 40.0


@dataclass(frozen=True)
class SegmentFacts:
    begin_ms: int  # the index row's times (wall clock, epoch ms)
    end_ms: int
    path: str  # relative to the data directory, as indexed
    frames: tuple[int, ...]  # wall-clock time of each frame in the file (begin_ms + its timestamp)
    keyframes: tuple[int, ...]  # the same, keyframes only


@dataclass(frozen=True)
class Footage:
    data_dir: Path   # a complete data directory: settings.toml, tsnvr.db (admin user), rec/
    chids: tuple[int, ...]
    segments: dict[int, tuple[SegmentFacts, ...]]  # chid -> its segments, oldest first
    fps: int = FPS
    gop_frames: int = GOP_FRAMES
    frame_ms: int = FRAME_MS
    width: int = 640
    height: int = 360

    def frames(self, chid: int) -> list[int]:
        """Wall-clock time of every recorded frame of the channel, oldest first."""
        return [t for seg in self.segments[chid] for t in seg.frames]

    def keyframes(self, chid: int) -> list[int]:
        return [t for seg in self.segments[chid] for t in seg.keyframes]

    def span(self, chid: int) -> tuple[int, int]:
        """[begin_ms, end_ms) of the channel's recording."""
        return self.segments[chid][0].begin_ms, self.segments[chid][-1].end_ms


def record_footage(directory: Path) -> Footage:
    """Record the real RTSP test server into a fresh data directory under `directory` (once per session):
    settings.toml (timezone America/New_York), tsnvr.db (SQLite, schema, user admin with
    tests.conftest.ADMIN_PASSWORD), rec/ with the segments of channels 1 and 2."""
    from tests.conftest import ADMIN_PASSWORD  # here, not at the top: conftest imports this module

    clip = make_h264_clip(directory / "clip.mp4", seconds=GOP_FRAMES / FPS * 4, fps=FPS, gop=GOP_FRAMES)
    served = loop_clip(clip, directory / "served.mp4", 10)
    data_dir = directory / "data"
    data_dir.mkdir()
    settings_file.write_file(data_dir / settings_file.SETTINGS_FILE, {
        "timezone": "America/New_York", "site_name": "Export footage", "segment_seconds": SEGMENT_SECONDS,
        "retention_min_free_bytes": 0, "retention_min_free_percent": 0.0})
    settings = settings_file.load(data_dir, env={})
    db = Database(f"sqlite:///{data_dir / 'tsnvr.db'}")
    try:
        schema.upgrade(db)
        users.add(db, "admin", ADMIN_PASSWORD, users.ALL_RIGHTS, name="admin")
        with RtspServerProcess(file=served) as server:
            with db.write() as s:
                for chid in CHIDS:
                    s.add(Channel(chid=chid, name=f"Camera {chid}", source=server.url("file"),
                                  created_ms=int(time.time() * 1000)))
            _record(db, settings)
        footage = Footage(data_dir=data_dir, chids=CHIDS,
                          segments={chid: _segment_facts(db, data_dir, chid) for chid in CHIDS})
    finally:
        db.dispose()
    _check_continuous(footage)
    return footage


def _record(db: Database, settings: settings_file.Settings) -> None:
    supervisor = RecorderSupervisor(db, settings, lambda _event: None)
    supervisor.start()
    try:
        deadline = time.monotonic() + RECORD_TIMEOUT_S
        while min(len(segments.channel_segments(db, chid)) for chid in CHIDS) < SEGMENTS:
            if time.monotonic() > deadline:
                raise RuntimeError("the recorder did not record the export footage in time")
            time.sleep(0.1)
        time.sleep(TAIL_SECONDS)
    finally:
        supervisor.stop()


def _check_continuous(footage: Footage) -> None:
    """The tests derive exact times from the footage and expect it continuous: say so if it is not
    (a reconnect while recording), rather than let them fail on a timing."""
    for chid in footage.chids:
        frames = footage.frames(chid)
        steps = {b - a for a, b in zip(frames, frames[1:], strict=False)}
        keys = footage.keyframes(chid)
        if len(footage.segments[chid]) <= SEGMENTS or steps != {FRAME_MS} or \
                {b - a for a, b in zip(keys, keys[1:], strict=False)} != {GOP_FRAMES * FRAME_MS}:
            raise RuntimeError(f"the export footage of channel {chid} is not continuous: frame steps {steps}, "
                               f"segments {footage.segments[chid]}")


def _segment_facts(db: Database, data_dir: Path, chid: int) -> tuple[SegmentFacts, ...]:
    out = []
    for row in segments.channel_segments(db, chid):
        with av.open(str(data_dir / row.path)) as container:
            stream = container.streams.video[0]
            assert stream.time_base is not None
            ms = float(stream.time_base * 1000)
            packets = [(row.begin_ms + round(p.dts * ms), p.is_keyframe)
                       for p in container.demux(stream) if p.size and p.dts is not None]
        out.append(SegmentFacts(begin_ms=row.begin_ms, end_ms=row.end_ms, path=row.path,
                                frames=tuple(t for t, _ in packets), keyframes=tuple(t for t, k in packets if k)))
    return tuple(out)
