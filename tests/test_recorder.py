"""The recorder against a real RTSP server (GStreamer's, in a child process), real files and a
real database: segments, their index and wall-clock times, status events, reconnects, file
channels, crash repair and retention."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import pytest

from recorder import mp4_boxes, repair, retention, segment_files
from recorder.events import ChannelReporter, ChannelStatus
from recorder.index import ClosedSegment
from recorder.segment_writer import SegmentWriter
from recorder.segmenter import Segmenter, StreamInfo
from recorder.source import ChannelSource, redacted, status_for_error, with_credentials
from recorder.supervisor import RecorderSupervisor
from storage import segments
from storage.db import Database
from storage.events import Event
from storage.models import Channel, Segment
from storage.settings import Settings
from tests.needs import needs_rtsp
from tests.recorder_env import add_channel, recorder_data
from tests.rtsp_server import RtspServerProcess, free_port, loop_clip, make_h264_clip
from tsnvr.bus import EventBus

REPO = Path(__file__).resolve().parents[1]
FPS = 25


# --- fixtures -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("clips")
    clip = make_h264_clip(folder / "clip.mp4", seconds=4.0)
    return {"clip": clip, "long": loop_clip(clip, folder / "long.mp4", 60)}


@pytest.fixture(scope="module")
def server(clips: dict[str, Path]) -> Iterator[RtspServerProcess]:
    with RtspServerProcess(file=clips["long"]) as srv:
        yield srv


class Events:
    """Everything published on the bus, with a way to wait for an event."""

    def __init__(self, bus: EventBus) -> None:
        self.items: list[tuple[str, Any]] = []  # (topic, event)
        self._cond = threading.Condition()
        bus.listen(self._add)

    def _add(self, event: Event) -> None:
        with self._cond:
            self.items.append((event.topic, event))
            self._cond.notify_all()

    def wait_for(self, predicate: Callable[[str, Any], bool], timeout: float = 10.0,
                 after: int = 0) -> int:
        """Index of the first matching event at or after `after`."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for i, (topic, event) in enumerate(self.items[after:], start=after):
                    if predicate(topic, event):
                        return i
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"event not seen in {timeout} s; got {self.items}")
                self._cond.wait(left)

    def wait_status(self, chid: int, code: int, timeout: float = 10.0, after: int = 0) -> int:
        return self.wait_for(lambda t, e: t == "channelStatus" and e.chid == chid
                             and e.status == code, timeout, after)

    def statuses(self, chid: int) -> list[int]:
        with self._cond:
            return [e.status for t, e in self.items
                    if t == "channelStatus" and e.chid == chid and e.event == "statusChanged"]

    def sequence(self, chid: int) -> list[Any]:
        """Status codes, "ready" and (streaming, recording) in the order published."""
        out: list[Any] = []
        with self._cond:
            for topic, event in self.items:
                if topic == "channelStatus" and event.chid == chid:
                    out.append("ready" if event.event == "videoStreamReady" else event.status)
                elif topic == "recordingStatus":
                    out += [(i.streaming, i.recording) for i in event.channel if i.chid == chid]
        return out


@dataclass
class Env:
    data_dir: Path
    db: Database
    bus: EventBus
    events: Events
    settings: Settings

    def supervisor(self) -> RecorderSupervisor:
        return RecorderSupervisor(self.db, self.settings, self.bus.publish)

    def add_channel(self, chid: int, source: str, **fields: Any) -> Channel:
        return add_channel(self.db, chid, source, **fields)

    def segments(self, chid: int) -> list[Segment]:
        return segments.channel_segments(self.db, chid)


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    data_dir, db, settings = recorder_data(tmp_path, segment_seconds=2.0, reconnect_max_seconds=1.0)
    bus = EventBus()
    yield Env(data_dir, db, bus, Events(bus), settings)
    db.dispose()


# --- helpers ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FileFacts:
    frames: int
    first_is_keyframe: bool
    keyframes: int
    pts_increasing: bool
    slice_counts: set[int]  # H.264 slices per sample: one value when no frame lost a part
    whole_frames: bool  # every sample's first slice starts its picture


def h264_slices(sample: bytes) -> list[bytes]:
    """The slice NAL units of an MP4 sample (4-byte length prefixes)."""
    out, i = [], 0
    while i + 4 <= len(sample):
        size = int.from_bytes(sample[i:i + 4], "big")
        nal = sample[i + 4:i + 4 + size]
        if nal and nal[0] & 0x1F in (1, 5):
            out.append(nal)
        i += 4 + size
    return out


def decode(path: Path) -> FileFacts:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        samples = [(p.is_keyframe, h264_slices(bytes(p))) for p in container.demux(stream) if p.size]
        container.seek(0)
        pts = [f.pts for f in container.decode(stream)]
    keys = [key for key, _ in samples]
    return FileFacts(frames=len(pts), first_is_keyframe=bool(keys and keys[0]), keyframes=sum(keys),
                     pts_increasing=all(b > a for a, b in zip(pts, pts[1:], strict=False)),
                     slice_counts={len(slices) for _, slices in samples},
                     # first_mb_in_slice, ue(v) coded, is 0 exactly when the first bit is 1
                     whole_frames=all(slices and slices[0][1] & 0x80 for _, slices in samples))


def now_ms() -> int:
    return int(time.time() * 1000)


def assert_contiguous(rows: list[Segment], tolerance_ms: int = 2) -> None:
    for prev, nxt in zip(rows, rows[1:], strict=False):
        assert abs(nxt.begin_ms - prev.end_ms) <= tolerance_ms, (prev, nxt)


def assert_playable(env: Env, row: Segment, fps: int = FPS) -> FileFacts:
    path = env.data_dir / row.path
    assert path.is_file() and path.stat().st_size == row.size
    assert path.resolve().is_relative_to(env.data_dir.resolve())
    facts = decode(path)
    expected = (row.end_ms - row.begin_ms) * fps / 1000
    assert abs(facts.frames - expected) <= 2, (row, facts)
    assert facts.first_is_keyframe and facts.pts_increasing
    assert facts.whole_frames and len(facts.slice_counts) == 1, facts
    return facts


# --- pure parts ---------------------------------------------------------------------------------

def test_credentials_go_into_the_url_encoded_and_never_into_logs():
    url = with_credentials("rtsp://old:pw@cam.local:554/h264?ch=1", "ad min", "p@ss:w/rd")
    assert url == "rtsp://ad%20min:p%40ss%3Aw%2Frd@cam.local:554/h264?ch=1"
    assert with_credentials("rtsp://cam/x", None, "ignored") == "rtsp://cam/x"
    assert "p%40ss" not in redacted(url) and redacted(url).startswith("rtsp://ad%20min:***@cam.local")


def test_failures_map_to_ts_api_status_codes():
    assert status_for_error(av.error.HTTPUnauthorizedError(825242872, "401"), 0.1, 5) == 401
    assert status_for_error(av.error.ConnectionRefusedError(111, "refused"), 0.1, 5) == 404
    assert status_for_error(av.error.InvalidDataError(1094995529, "invalid"), 5.0, 5) == 408
    assert status_for_error(FileNotFoundError(2, "gone"), 0.0, 5) == 1404
    assert status_for_error(av.error.InvalidDataError(1094995529, "invalid"), 0.1, 5) == ChannelStatus.RECONNECTING


def test_segment_names_place_files_by_channel_and_utc_day(tmp_path: Path):
    part = segment_files.part_path(tmp_path, 7, 1_700_000_000_123)
    assert part.relative_to(tmp_path).as_posix() == "rec/ch7/2023/11/14/1700000000123.mp4.part"
    assert segment_files.parse(part) == segment_files.SegmentName(7, 1_700_000_000_123, True)
    assert segment_files.final_path(part).name == "1700000000123.mp4"
    with pytest.raises(ValueError):
        segment_files.relative(tmp_path / "data", tmp_path / "elsewhere.mp4")


def test_a_cut_fragmented_file_keeps_its_complete_fragments(tmp_path: Path, clips: dict[str, Path]):
    """Cut a segment file anywhere: what is left up to the last complete fragment plays."""
    with av.open(str(clips["clip"])) as src:
        stream = src.streams.video[0]
        writer = SegmentWriter(tmp_path / "whole.mp4.part", stream)
        for packet in src.demux(stream):
            if packet.dts is not None:
                writer.write(packet)
        whole = writer.close()
    full = repair.probe(whole)
    assert full is not None and full.duration_ms == 4000 and full.packets == 100
    data = whole.read_bytes()
    for fraction in (0.3, 0.55, 0.8, 0.999):
        cut = tmp_path / f"cut{fraction}.mp4"
        cut.write_bytes(data[:int(len(data) * fraction)])
        assert mp4_boxes.truncate_to_playable(cut) > 0
        facts = repair.probe(cut)
        assert facts is not None and 0 < facts.duration_ms < 4000
        assert full.duration_ms - facts.duration_ms <= 1000 + 4000 * (1 - fraction)  # at most a fragment more
        assert decode(cut).frames == facts.packets
    header_only = tmp_path / "header.mp4"
    header_only.write_bytes(data[:600])
    assert mp4_boxes.truncate_to_playable(header_only) == 0


# --- recording from RTSP ------------------------------------------------------------------------

def test_a_stream_that_dies_mid_frame_leaves_that_frame_out(tmp_path: Path, clips: dict[str, Path]):
    """A camera gone mid-frame: FFmpeg's parser hands over the frame it was gathering without its last slices.
    An MPEG-TS file cut inside its last frame ends the same way, through the same parser."""
    whole = tmp_path / "clip.ts"
    with av.open(str(clips["clip"])) as src, av.open(str(whole), "w", format="mpegts") as out:
        copy = out.add_stream_from_template(src.streams.video[0])
        for packet in src.demux(src.streams.video[0]):
            if packet.dts is not None:
                packet.stream = copy
                out.mux(packet)
    with av.open(str(whole)) as src:
        starts = [p.pos for p in src.demux(src.streams.video[0]) if p.size]
    cut = tmp_path / "cut.ts"
    cut.write_bytes(whole.read_bytes()[:starts[-1] + 2 * 188])  # two TS packets into the last frame
    with av.open(str(cut)) as src:
        sizes = [len(h264_slices(annexb_to_lengths(bytes(p)))) for p in src.demux(src.streams.video[0]) if p.size]
    assert len(sizes) == len(starts) and sizes[-1] < sizes[0] == sizes[-2]  # the last frame lost a slice

    for cut_short, frames in ((False, len(sizes)), (True, len(sizes) - 1)):
        closed: list[ClosedSegment] = []
        with av.open(str(cut)) as src:
            stream = src.streams.video[0]
            segmenter = Segmenter(1, StreamInfo.of(stream), tmp_path / f"data-{cut_short}", 60.0,
                                  ChannelReporter(1, lambda _event: None), closed.append)
            for packet in src.demux(stream):
                segmenter.feed(packet, time.time() * 1000)
            segmenter.close(cut_short=cut_short)
        [segment] = closed
        facts = decode(segment.path)
        assert facts.frames == frames
        assert facts.slice_counts == ({sizes[0]} if cut_short else {sizes[0], sizes[-1]})


def annexb_to_lengths(data: bytes) -> bytes:
    """An Annex B access unit (start codes) with 4-byte length prefixes instead, as h264_slices reads."""
    units = [u.rstrip(b"\0") for u in data.split(b"\0\0\1")[1:]]
    return b"".join(len(u).to_bytes(4, "big") + u for u in units)


@needs_rtsp
def test_records_rtsp_into_indexed_contiguous_playable_segments(env: Env, server: RtspServerProcess):
    env.add_channel(1, server.url("live"))
    env.add_channel(2, server.url("file"))
    env.add_channel(3, server.url("live"), tcp=False)  # RTP over UDP
    supervisor = env.supervisor()
    started = now_ms()
    supervisor.start()
    time.sleep(7.5)
    stop_began = time.monotonic()
    supervisor.stop()
    stopped = now_ms()
    assert time.monotonic() - stop_began < 2.0

    for chid in (1, 2, 3):
        rows = env.segments(chid)
        assert len(rows) >= 3, rows
        assert started <= rows[0].begin_ms <= started + 1500
        assert stopped - 1500 <= rows[-1].end_ms <= stopped + 200
        assert_contiguous(rows)
        for row in rows:
            assert row.path.startswith(f"rec/ch{chid}/") and row.path.endswith(".mp4")
            assert (row.codec, row.width, row.height) == ("h264", 640, 360)
            facts = assert_playable(env, row)
        for row in rows[:-1]:  # rolled at the first keyframe after 2 s, with a keyframe every second
            assert row.end_ms - row.begin_ms == 2000
            assert decode(env.data_dir / row.path).keyframes == 2
        assert facts.frames > 0
        assert not list(env.data_dir.rglob("*.part"))

        sequence = env.events.sequence(chid)
        assert sequence[:4] == [ChannelStatus.CONNECTING, ChannelStatus.CONNECTED, "ready", (True, True)], sequence
        assert sequence[-1] == (False, False)


@needs_rtsp
def test_reconnects_after_the_server_restarts(env: Env, clips: dict[str, Path]):
    srv = RtspServerProcess(file=clips["long"]).start()
    try:
        env.add_channel(1, srv.url("live"))
        supervisor = env.supervisor()
        supervisor.start()
        first = env.events.wait_for(lambda t, e: t == "recordingStatus" and e.channel[0].recording)
        time.sleep(2.5)
        srv.stop()
        down_at = now_ms()
        env.events.wait_for(lambda t, e: t == "channelStatus" and e.event == "statusChanged"
                            and e.status != ChannelStatus.CONNECTED, timeout=8, after=first)
        time.sleep(1.5)
        srv.start()
        up_at = now_ms()
        back = env.events.wait_status(1, ChannelStatus.CONNECTED, timeout=10, after=first)
        env.events.wait_for(lambda t, e: t == "recordingStatus" and e.channel[0].recording, after=back)
        time.sleep(2.5)
        supervisor.stop()
    finally:
        srv.stop()

    codes = env.events.statuses(1)
    assert codes[:2] == [ChannelStatus.CONNECTING, ChannelStatus.CONNECTED]
    assert codes[-1] == ChannelStatus.CONNECTED
    assert codes[2] in (ChannelStatus.RECONNECTING, ChannelStatus.TIMEOUT, ChannelStatus.NO_NETWORK)
    assert set(codes[2:-1]) <= {ChannelStatus.RECONNECTING, ChannelStatus.TIMEOUT, ChannelStatus.NO_NETWORK}
    recording = [s for s in env.events.sequence(1) if isinstance(s, tuple)]
    assert recording == [(True, True), (False, False), (True, True), (False, False)]

    rows = env.segments(1)
    before = [r for r in rows if r.end_ms <= down_at + 500]
    after = [r for r in rows if r.begin_ms >= up_at - 200]
    assert before and after and len(before) + len(after) == len(rows)
    assert before[-1].end_ms >= down_at - 1500  # the segment open when the server died was kept
    assert after[0].begin_ms - up_at <= 2500
    for row in rows:
        assert_playable(env, row)


@needs_rtsp
def test_a_camera_back_after_a_long_outage_records_again_within_2_s(tmp_path: Path, clips: dict[str, Path]):
    # The default back-off (0.5 s doubling to 10 s): after 8 s down the next try could be 8 s away;
    # a camera whose port was down is opened as soon as it accepts connections again.
    data_dir, db, settings = recorder_data(tmp_path, segment_seconds=2.0, reconnect_min_seconds=0.5,
                                           reconnect_max_seconds=10.0)
    bus = EventBus()
    events = Events(bus)
    srv = RtspServerProcess(file=clips["long"]).start()
    add_channel(db, 1, srv.url("file"))
    supervisor = RecorderSupervisor(db, settings, bus.publish)
    try:
        supervisor.start()
        first = events.wait_for(lambda t, e: t == "recordingStatus" and e.channel[0].recording)
        time.sleep(1.0)
        srv.stop()
        events.wait_for(lambda t, e: t == "channelStatus" and e.event == "statusChanged"
                        and e.status != ChannelStatus.CONNECTED, timeout=8, after=first)
        time.sleep(8.0)
        srv.start()
        up_at = now_ms()  # the server listens
        back = events.wait_status(1, ChannelStatus.CONNECTED, timeout=15, after=first)
        events.wait_for(lambda t, e: t == "recordingStatus" and e.channel[0].recording, timeout=15, after=back)
        time.sleep(2.5)
    finally:
        supervisor.stop()
        srv.stop()
    rows = segments.channel_segments(db, 1)
    after = [r for r in rows if r.begin_ms >= up_at - 200]
    assert after, rows
    # the first segment's begin is the wall time of its first packet (a keyframe: the file's start)
    assert after[0].begin_ms - up_at <= 2000, (after[0].begin_ms - up_at, rows)
    db.dispose()


@needs_rtsp
def test_wrong_password_is_401_and_a_corrected_channel_records(env: Env):
    with RtspServerProcess(user="viewer", password="s3cr:t@x") as srv:
        env.add_channel(1, srv.url("live"), uid="viewer", password="wrong")
        supervisor = env.supervisor()
        supervisor.start()
        try:
            env.events.wait_status(1, ChannelStatus.LOGIN_FAILED)
            fixed = Channel(chid=1, source=srv.url("live"), uid="viewer", password="s3cr:t@x", created_ms=0)
            mark = len(env.events.items)
            supervisor.add(fixed)  # a changed channel: its capture restarts
            env.events.wait_for(lambda t, e: t == "recordingStatus" and e.channel[0].recording, after=mark)
        finally:
            supervisor.stop()
    assert env.events.statuses(1)[-1] == ChannelStatus.CONNECTED


@needs_rtsp
def test_nothing_listening_is_no_network_until_a_server_appears(env: Env, clips: dict[str, Path],
                                                               caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.INFO, logger="tsnvr")
    port = free_port()
    env.add_channel(1, f"rtsp://127.0.0.1:{port}/live", uid="cam", password="Zq9-secret")
    supervisor = env.supervisor()
    supervisor.start()
    try:
        env.events.wait_status(1, ChannelStatus.NO_NETWORK)
        assert supervisor.chids() == [1]
        with RtspServerProcess(port=port):
            env.events.wait_status(1, ChannelStatus.CONNECTED, timeout=10)
    finally:
        supervisor.stop()
    assert env.events.statuses(1)[:3] == [ChannelStatus.CONNECTING, ChannelStatus.NO_NETWORK,
                                          ChannelStatus.CONNECTED]
    # FFmpeg's "connection refused" message quotes the URL: the log must not carry the password
    logged = " ".join(f"{r.getMessage()} {getattr(r, 'fields', '')}" for r in caplog.records)
    assert "cannot open source" in logged
    assert "Zq9-secret" not in logged and "cam:***@" in logged


@needs_rtsp
def test_a_silent_source_times_out_with_408(env: Env):
    """A server that accepts the connection and never answers."""
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    env.settings.source_timeout_seconds = 1.0  # type: ignore[attr-defined]
    env.add_channel(1, f"rtsp://127.0.0.1:{listener.getsockname()[1]}/live")
    supervisor = env.supervisor()
    supervisor.start()
    try:
        env.events.wait_status(1, ChannelStatus.TIMEOUT, timeout=6)
    finally:
        supervisor.stop()
        listener.close()


# --- file channels ------------------------------------------------------------------------------

def test_file_channels_play_once_or_repeat_in_real_time(env: Env, clips: dict[str, Path]):
    env.settings.segment_seconds = 3.0  # type: ignore[attr-defined]  # a segment spans the loop at 4 s
    env.add_channel(1, str(clips["clip"]), type="file", playback="once")
    env.add_channel(2, str(clips["clip"]), type="file", playback="repeat")
    env.add_channel(3, str(clips["clip"].with_name("missing.mp4")), type="file", playback="once")
    supervisor = env.supervisor()
    started = now_ms()
    supervisor.start()
    try:
        env.events.wait_status(3, ChannelStatus.NO_FILE, timeout=3)
        env.events.wait_status(1, ChannelStatus.PLAYBACK_COMPLETE, timeout=8)
        assert now_ms() - started >= 3900  # real time, not as fast as the disk allows
        time.sleep(max(0.0, (started + 6500 - now_ms()) / 1000))
        assert env.events.statuses(2)[-1] == ChannelStatus.CONNECTED
        assert supervisor.capture(2).is_alive() and not supervisor.capture(1).is_alive()
    finally:
        supervisor.stop()

    once = env.segments(1)
    assert sum(r.end_ms - r.begin_ms for r in once) == 4000
    assert [decode(env.data_dir / r.path).frames for r in once] == [75, 25]
    repeat = env.segments(2)
    assert_contiguous(repeat)
    assert 6000 <= repeat[-1].end_ms - repeat[0].begin_ms <= 7500
    assert repeat[1].end_ms - repeat[1].begin_ms == 3000  # 3 s to 6 s, across the loop at 4 s
    for row in repeat:
        assert_playable(env, row)
    assert env.events.sequence(1)[-2:] == [(False, False), ChannelStatus.PLAYBACK_COMPLETE]


# --- crash and repair ---------------------------------------------------------------------------

CHILD_RECORDER = """
import sys, time
from pathlib import Path
from recorder.supervisor import RecorderSupervisor
from storage import schema
from storage.db import Database
from storage.models import Channel
from storage.settings import Settings

data_dir, url = Path(sys.argv[1]), sys.argv[2]
db = Database(f"sqlite:///{data_dir / 'tsnvr.db'}")
schema.upgrade(db)
with db.write() as s:
    s.add(Channel(chid=1, source=url, created_ms=0))
settings = Settings(data_dir=data_dir)
settings.segment_seconds = 60.0

def publish(event):
    if event.topic == "recordingStatus" and event.channel[0].recording:
        print("recording", flush=True)

RecorderSupervisor(db, settings, publish).start()
time.sleep(120)
"""


@needs_rtsp
def test_kill_9_mid_segment_then_repair_keeps_all_but_the_last_second(env: Env, server: RtspServerProcess):
    child = subprocess.Popen([sys.executable, "-c", CHILD_RECORDER, str(env.data_dir), server.url("live")],
                             cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == b"recording"
        time.sleep(4.3)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    killed_at = now_ms()
    (part,) = env.data_dir.rglob("*.mp4.part")
    begin_ms = segment_files.parse(part).begin_ms
    assert env.segments(1) == []

    report = repair.repair_all(env.db, env.data_dir)
    assert len(report.repaired) == 1 and not report.deleted
    (row,) = env.segments(1)
    assert (row.begin_ms, row.path) == (begin_ms, segment_files.relative(env.data_dir, report.repaired[0]))
    assert not part.exists()
    lost_ms = killed_at - row.end_ms
    assert 0 <= lost_ms <= 1500, lost_ms
    assert_playable(env, row)
    assert repair.repair_all(env.db, env.data_dir).repaired == []  # nothing left to do, no second row


def test_repair_deletes_what_cannot_play_and_indexes_an_orphan(env: Env, clips: dict[str, Path]):
    empty = segment_files.part_path(env.data_dir, 4, now_ms() - 5000)
    empty.parent.mkdir(parents=True)
    empty.write_bytes(b"\0\0\0\x18ftypisom")
    orphan = segment_files.final_path(segment_files.part_path(env.data_dir, 4, now_ms() - 60_000))
    shutil.copy(clips["clip"], orphan)
    report = repair.repair_all(env.db, env.data_dir)
    assert report.deleted == [empty] and not empty.exists()
    assert report.indexed == [orphan]
    (row,) = env.segments(4)
    assert row.end_ms - row.begin_ms == 4000


# --- retention ----------------------------------------------------------------------------------

def _fake_recordings(env: Env, count: int, size: int, first_ms: int, step_ms: int) -> list[Segment]:
    rows = []
    for n in range(count):
        begin = first_ms + n * step_ms
        path = segment_files.final_path(segment_files.part_path(env.data_dir, 1 + n % 2, begin))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(os.urandom(size))
        rows.append(segments.add_segment(env.db, Segment(
            chid=1 + n % 2, begin_ms=begin, end_ms=begin + step_ms, path=segment_files.relative(env.data_dir, path),
            size=size, codec="h264", width=640, height=360)))
    return rows


def test_retention_deletes_the_oldest_first_until_enough_space_is_free(env: Env):
    size = 8 << 20
    rows = _fake_recordings(env, 6, size, first_ms=now_ms() - 3_600_000, step_ms=60_000)
    free, _total = retention.free_space(env.data_dir)
    # Asks for the space of two and a half files more than is free now: three files go.
    policy = retention.RetentionPolicy(min_free_bytes=free + 2 * size + size // 2, min_free_percent=0)
    deleted = retention.enforce(env.db, env.data_dir, policy)
    assert [r.id for r in deleted] == [r.id for r in rows[:len(deleted)]]
    assert 2 <= len(deleted) <= 4  # the disk is shared: others write too
    remaining = [r for chid in (1, 2) for r in env.segments(chid)]
    assert sorted(r.id for r in remaining) == [r.id for r in rows[len(deleted):]]
    for row in deleted:
        assert not (env.data_dir / row.path).exists()
    for row in remaining:
        assert (env.data_dir / row.path).exists()


def test_retention_deletes_recordings_older_than_the_maximum_age(env: Env):
    day = 86_400_000
    old = _fake_recordings(env, 2, 1000, first_ms=now_ms() - 10 * day, step_ms=60_000)
    new = _fake_recordings(env, 2, 1000, first_ms=now_ms() - day // 2, step_ms=60_000)
    policy = retention.RetentionPolicy(min_free_bytes=0, min_free_percent=0, max_age_days=7)
    deleted = retention.enforce(env.db, env.data_dir, policy)
    assert [r.id for r in deleted] == [r.id for r in old]
    assert not any((env.data_dir / r.path).parent.exists() for r in old)  # empty day folders go too
    assert sorted(r.id for chid in (1, 2) for r in env.segments(chid)) == [r.id for r in new]


def test_channel_source_copies_a_channel_row():
    row = Channel(chid=3, type="file", source="/v.mp4", tcp=False, uid="u", password="p", playback="repeat",
                  created_ms=0)
    source = ChannelSource.from_channel(row)
    assert source.is_file and source.repeats and not source.tcp and source.chid == 3


@needs_rtsp
def test_a_stalled_stream_times_out_and_recovers(env: Env):
    """The server freezes (SIGSTOP) mid-stream: 408, then connected again once it runs."""
    env.settings.source_timeout_seconds = 1.0  # type: ignore[attr-defined]
    with RtspServerProcess() as srv:
        env.add_channel(1, srv.url("live"))
        supervisor = env.supervisor()
        supervisor.start()
        try:
            first = env.events.wait_for(lambda t, e: t == "recordingStatus" and e.channel[0].recording)
            assert srv.proc is not None
            os.kill(srv.proc.pid, signal.SIGSTOP)
            try:
                stalled = env.events.wait_status(1, ChannelStatus.TIMEOUT, timeout=6, after=first)
            finally:
                os.kill(srv.proc.pid, signal.SIGCONT)
            env.events.wait_for(lambda t, e: t == "recordingStatus" and e.channel[0].recording,
                                timeout=10, after=stalled)
        finally:
            supervisor.stop()
    assert len(env.segments(1)) >= 2


@needs_rtsp
def test_a_write_failure_is_reported_and_recording_resumes(env: Env, server: RtspServerProcess):
    blocker = segment_files.channel_dir(env.data_dir, 1)
    blocker.parent.mkdir(parents=True)
    blocker.write_bytes(b"")  # a file where the channel's folder should be: no segment can open
    env.add_channel(1, server.url("live"))
    supervisor = env.supervisor()
    supervisor.start()
    try:
        failed = env.events.wait_for(lambda t, e: t == "recordingStatus" and e.channel[0].failure_ms is not None)
        item = env.events.items[failed][1].channel[0]
        assert (item.streaming, item.recording) == (True, False)
        assert abs(item.failure_ms - now_ms()) < 5000
        blocker.unlink()
        env.events.wait_for(lambda t, e: t == "recordingStatus" and e.channel[0].recording,
                            timeout=10, after=failed)
    finally:
        supervisor.stop()
    assert env.events.statuses(1) == [ChannelStatus.CONNECTING, ChannelStatus.CONNECTED]
    (row,) = env.segments(1)
    assert_playable(env, row)


def test_the_supervisor_repairs_before_recording_and_runs_retention(env: Env, clips: dict[str, Path]):
    old = _fake_recordings(env, 2, 1000, first_ms=now_ms() - 30 * 86_400_000, step_ms=60_000)
    part = segment_files.part_path(env.data_dir, 9, now_ms() - 10_000)
    part.parent.mkdir(parents=True)
    shutil.copy(clips["clip"], part)  # a whole file is a valid (if unfragmented) leftover too
    env.settings.retention_max_age_days = 7  # type: ignore[attr-defined]
    supervisor = env.supervisor()
    supervisor.start()
    try:
        deadline = time.monotonic() + 5
        while any(segments.channel_segments(env.db, r.chid) for r in old) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        supervisor.stop()
    assert not any(segments.channel_segments(env.db, r.chid) for r in old)
    (repaired,) = env.segments(9)
    assert repaired.end_ms - repaired.begin_ms == 4000 and not part.exists()
