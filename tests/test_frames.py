"""Decoded frames for analytics (recorder.frames): the sampler on its own, fed a clip's packets as
the recorder feeds them, then behind the real recorder (a file channel, the real RTSP server).

Every clip here draws its frame number in binary (bright and dark vertical bands), so each
delivered picture tells which frame it is."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from recorder.frames import FrameSampler, SampledFrame
from recorder.segmenter import StreamInfo
from recorder.supervisor import RecorderSupervisor
from storage import segments
from storage.db import Database
from storage.events import Event, RecordingStatusEvent
from storage.models import Channel
from storage.settings import Settings
from tests.needs import needs_rtsp
from tests.recorder_env import add_channel, recorder_data
from tests.rtsp_server import RtspServerProcess, loop_clip
from tsnvr.bus import EventBus

FPS = 25
BITS = 8  # frame numbers up to 255
FRAME_MS = 1000 / FPS


def make_counter_clip(path: Path, codec: str = "libx264", seconds: float = 2.0, width: int = 320,
                      height: int = 240) -> Path:
    """Frame i shows i in binary: band b (of BITS, left to right) is bright when bit b is set.
    No B-frames, a keyframe every second."""
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream(codec, rate=FPS)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.gop_size = FPS
        if codec == "libx265":
            stream.options = {"x265-params": f"keyint={FPS}:min-keyint={FPS}:bframes=0:scenecut=0:log-level=error"}
        else:
            stream.options = {"bf": "0", "preset": "veryfast", "sc_threshold": "0"}
        for i in range(round(seconds * FPS)):
            image = np.full((height, width, 3), 16, np.uint8)
            for bit in range(BITS):
                if i >> bit & 1:
                    image[:, bit * width // BITS:(bit + 1) * width // BITS] = 235
            frame = av.VideoFrame.from_ndarray(image, format="bgr24").reformat(format="yuv420p")
            frame.pts, frame.time_base = i, Fraction(1, FPS)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def frame_number(image: np.ndarray) -> int:
    width = image.shape[1]
    bands = [image[:, bit * width // BITS:(bit + 1) * width // BITS].mean() for bit in range(BITS)]
    assert all(b < 60 or b > 190 for b in bands), bands  # a clean picture, not a half-decoded one
    return sum(1 << bit for bit, level in enumerate(bands) if level > 128)


class Collector:
    """A consumer: keeps what it is given (frame number instead of the picture), optionally slowly."""

    def __init__(self, delay_s: float = 0.0) -> None:
        self.delay_s = delay_s
        self.frames: list[tuple[float, int, tuple[int, ...], int, int, str]] = []
        self.entered = threading.Event()
        self.release = threading.Event()
        self.release.set()
        self._lock = threading.Lock()

    def __call__(self, frame: SampledFrame) -> None:
        assert frame.image.dtype == np.uint8 and frame.image.flags.c_contiguous
        with self._lock:
            self.frames.append((frame.wall_ms, frame_number(frame.image), frame.image.shape, frame.width,
                                frame.height, threading.current_thread().name))
        self.entered.set()
        self.release.wait()
        time.sleep(self.delay_s)

    def numbers(self) -> list[int]:
        with self._lock:
            return [n for _, n, *_ in self.frames]

    def walls(self) -> list[float]:
        with self._lock:
            return [w for w, *_ in self.frames]

    def __len__(self) -> int:
        with self._lock:
            return len(self.frames)


def wait_for(check: Any, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := check()):
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)
    return value


def decoder_threads(chid: int) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == f"frames-ch{chid}" and t.is_alive()]


class ClipFeed:
    """A clip's packets, fed as the capture thread feeds them (wall clock: 40 ms a frame)."""

    def __init__(self, sampler: FrameSampler, clip: Path, wall0_ms: float = 1.7e12) -> None:
        self.sampler = sampler
        self.container = av.open(str(clip))
        self.stream = self.container.streams.video[0]
        self.packets = [p for p in self.container.demux(self.stream) if p.dts is not None]
        self.ticks = self.packets[1].dts - self.packets[0].dts
        self.wall0_ms = wall0_ms
        self.sampler.begin(StreamInfo.of(self.stream))

    def feed(self, numbers: range, loop: int = 0) -> None:
        """Frames `numbers` of the clip, in its loop-th repetition (timestamps keep increasing)."""
        span = len(self.packets)
        for i in numbers:
            source = self.packets[i]
            packet = av.Packet(bytes(source))
            packet.dts = source.dts + loop * span * self.ticks
            packet.pts = source.pts + loop * span * self.ticks
            packet.time_base, packet.is_keyframe = source.time_base, source.is_keyframe
            self.sampler.feed(packet, self.wall0_ms + (loop * span + i) * FRAME_MS)

    def close(self) -> None:
        self.sampler.end()
        self.container.close()


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("frames")
    # 328 wide: BGR rows of 984 bytes, which PyAV pads (the sampler hands over contiguous arrays)
    made = {"h264": make_counter_clip(folder / "h264.mp4", width=328, height=184),
            "channel": make_counter_clip(folder / "channel.mp4", seconds=4.0, width=640, height=360)}
    if "libx265" in av.codecs_available:
        made["hevc"] = make_counter_clip(folder / "hevc.mp4", codec="libx265")
    return made


# --- the sampler on its own ---------------------------------------------------------------------

@pytest.mark.parametrize(("codec", "width", "height"), [("h264", 328, 184), ("hevc", 320, 240)])
def test_decodes_and_delivers_one_frame_per_interval(clips: dict[str, Path], codec: str, width: int, height: int):
    if codec not in clips:
        pytest.skip("this PyAV build has no libx265 encoder to make an H.265 clip")
    sampler = FrameSampler(3)
    consumer = Collector()
    sampler.attach(consumer, fps=5)
    feed = ClipFeed(sampler, clips[codec])
    assert feed.stream.codec_context.name == codec
    feed.feed(range(50))  # 2 s; fewer than the queue holds, so nothing can be dropped
    wait_for(lambda: sampler.stats["decoded"] == 50)
    feed.close()
    assert sampler.stats == {"decoded": 50, "delivered": 10, "dropped_packets": 0}
    assert consumer.numbers() == list(range(0, 50, 5))
    walls = consumer.walls()
    assert walls[0] == feed.wall0_ms
    assert [b - a for a, b in zip(walls, walls[1:], strict=False)] == [200.0] * 9
    assert {f[2:5] for f in consumer.frames} == {((height, width, 3), width, height)}
    assert {f[5] for f in consumer.frames} == {"frames-ch3"}  # never in the capture (here: test) thread
    wait_for(lambda: not decoder_threads(3))  # end() ends the thread


def test_nothing_is_decoded_without_a_consumer(clips: dict[str, Path]):
    sampler = FrameSampler(4)
    feed = ClipFeed(sampler, clips["h264"])
    feed.feed(range(50))
    time.sleep(0.2)
    assert sampler.stats == {"decoded": 0, "delivered": 0, "dropped_packets": 0}
    assert not decoder_threads(4)

    consumer = Collector()
    sampler.attach(consumer, fps=5)  # a stream is running: the thread starts, at the next keyframe
    assert len(decoder_threads(4)) == 1
    feed.feed(range(50), loop=1)
    wait_for(lambda: sampler.stats["decoded"] == 50)
    sampler.detach()
    wait_for(lambda: not decoder_threads(4))
    feed.feed(range(50), loop=2)
    time.sleep(0.2)
    feed.close()
    assert sampler.stats["decoded"] == 50 and consumer.numbers() == list(range(0, 50, 5))


def test_a_second_attach_replaces_the_consumer_and_its_rate(clips: dict[str, Path]):
    sampler = FrameSampler(5)
    first, second = Collector(), Collector()
    sampler.attach(first, fps=5)
    feed = ClipFeed(sampler, clips["h264"])
    feed.feed(range(50))
    wait_for(lambda: sampler.stats["decoded"] == 50)
    sampler.attach(second, fps=10)
    feed.feed(range(50), loop=1)
    wait_for(lambda: sampler.stats["decoded"] == 100)
    feed.close()
    assert first.numbers() == list(range(0, 50, 5))
    # 10 a second from 25: every 100 ms of video, which falls on a frame every 2 or 3 (exactly 10 a second)
    assert len(second) == 20
    steps = {b - a for a, b in zip(second.walls(), second.walls()[1:], strict=False)}
    assert steps == {80.0, 120.0}
    assert all(w == feed.wall0_ms + (50 + n) * FRAME_MS for w, n in zip(second.walls(), second.numbers(), strict=True))


def test_a_failing_consumer_is_logged_and_keeps_getting_frames(clips: dict[str, Path],
                                                               caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.ERROR, logger="tsnvr.recorder")
    sampler = FrameSampler(6)
    calls: list[int] = []

    def broken(frame: SampledFrame) -> None:
        calls.append(frame_number(frame.image))
        raise RuntimeError("consumer bug")

    sampler.attach(broken, fps=5)
    feed = ClipFeed(sampler, clips["h264"])
    feed.feed(range(50))
    wait_for(lambda: sampler.stats["decoded"] == 50)
    feed.close()
    assert calls == list(range(0, 50, 5))
    failures = [r for r in caplog.records if r.name == "tsnvr.recorder" and r.getMessage() == "frame consumer failed"]
    assert len(failures) == 10 and all(r.exc_info for r in failures)


def test_a_stuck_consumer_never_blocks_the_feed_and_drops_to_the_next_keyframe(clips: dict[str, Path]):
    sampler = FrameSampler(7)
    consumer = Collector()
    consumer.release.clear()  # the callback blocks until released
    sampler.attach(consumer, fps=5)
    feed = ClipFeed(sampler, clips["channel"])  # 100 frames, keyframes at 0, 25, 50, 75
    try:
        feed.feed(range(1))
        assert consumer.entered.wait(5)  # the thread is stuck in the callback with frame 0
        started = time.monotonic()
        feed.feed(range(1, 100))
        assert time.monotonic() - started < 1.0  # the feed went on regardless
        # 1..64 filled the queue; 65 overflowed it: all 65 dropped, then 66..74 skipped to keyframe 75
        assert sampler.stats["dropped_packets"] == 64 + 1 + 9
        consumer.release.set()
        wait_for(lambda: sampler.stats["decoded"] == 1 + 25)
    finally:
        consumer.release.set()
        feed.close()
    assert consumer.numbers() == [0, 75, 80, 85, 90, 95]  # whole pictures again from the keyframe on


def test_a_capture_that_stopped_late_cannot_end_its_successors_stream(clips: dict[str, Path]):
    sampler = FrameSampler(9)
    consumer = Collector()
    sampler.attach(consumer, fps=5)
    feed = ClipFeed(sampler, clips["h264"])  # begun by this thread: the current capture

    def stale_capture() -> None:  # the one before, still winding down in its own thread
        packet = av.Packet(b"stale")
        packet.dts = packet.pts = 0
        packet.is_keyframe = True
        sampler.feed(packet, 0.0)
        sampler.end()

    stale = threading.Thread(target=stale_capture)
    stale.start()
    stale.join()
    feed.feed(range(50))
    wait_for(lambda: sampler.stats["decoded"] == 50)
    feed.close()
    assert consumer.numbers() == list(range(0, 50, 5))


def test_fps_must_be_positive():
    sampler = FrameSampler(8)
    for fps in (0, -1, float("nan"), float("inf")):
        with pytest.raises(ValueError):
            sampler.attach(Collector(), fps=fps)
    assert not sampler.attached


# --- behind the recorder ------------------------------------------------------------------------

@dataclass
class Env:
    data_dir: Path
    db: Database
    settings: Settings
    recording: dict[int, bool]

    def add_channel(self, chid: int, source: str, **fields: Any) -> Channel:
        return add_channel(self.db, chid, source, **fields)

    def segment_count(self, chid: int) -> int:
        return len(segments.channel_segments(self.db, chid))


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    data_dir, db, settings = recorder_data(tmp_path, segment_seconds=1.0, reconnect_max_seconds=0.5)
    yield Env(data_dir, db, settings, {})
    db.dispose()


@pytest.fixture
def supervisor(env: Env) -> Iterator[RecorderSupervisor]:
    bus = EventBus()

    def on_event(event: Event) -> None:
        if isinstance(event, RecordingStatusEvent):
            for item in event.channel:
                env.recording[item.chid] = item.recording

    bus.listen(on_event)
    sup = RecorderSupervisor(env.db, env.settings, bus.publish)
    yield sup
    sup.stop()


def assert_frames_follow_the_video(frames: list[tuple[Any, ...]], loop_frames: int, width: int, height: int,
                                   jitter_ms: float = 45.0) -> None:
    """Every 5th frame of the video (200 ms), the right picture each time, at the clip's size, with
    wall times that increase by 200 ms give or take the arrival jitter the recorder's clock absorbs
    (its anchor moves earlier when a packet arrives sooner than the ones before predicted)."""
    assert len(frames) >= 5
    numbers = [f[1] for f in frames]
    assert {(b - a) % loop_frames for a, b in zip(numbers, numbers[1:], strict=False)} == {5}, numbers
    walls = [f[0] for f in frames]
    steps = [b - a for a, b in zip(walls, walls[1:], strict=False)]
    assert all(200 - jitter_ms <= s <= 200 + jitter_ms for s in steps), steps
    assert sorted(steps)[len(steps) // 2] == pytest.approx(200, abs=2)  # mostly exact
    assert walls[-1] - walls[0] == pytest.approx(200 * (len(walls) - 1), abs=jitter_ms)
    assert {f[2:5] for f in frames} == {((height, width, 3), width, height)}


def test_a_file_channel_delivers_five_frames_a_second_of_the_right_pictures(env: Env, supervisor: RecorderSupervisor,
                                                                            clips: dict[str, Path]):
    env.add_channel(1, str(clips["channel"]), type="file", playback="repeat")  # 100 frames, 640x360
    supervisor.start()
    sampler = supervisor.frame_sampler(1)
    wait_for(lambda: env.recording.get(1))
    time.sleep(1.0)
    assert sampler.stats == {"decoded": 0, "delivered": 0, "dropped_packets": 0}  # nobody attached
    assert not decoder_threads(1)

    consumer = Collector()
    sampler.attach(consumer, fps=5)
    wait_for(lambda: len(consumer))  # from the next keyframe: within a second
    first_at = time.time() * 1000
    time.sleep(3.3)
    sampler.detach()
    frames = list(consumer.frames)
    first_wall = frames[0][0]
    assert abs(first_wall - first_at) < 500  # on the wall clock, as it happens
    # 3 s at 5 a second: 15, or 16 if arrival jitter moved the clock's anchor a few ms earlier
    assert len([f for f in frames if f[0] - first_wall < 3000]) in (15, 16), [f[:2] for f in frames]
    assert_frames_follow_the_video(frames, 100, 640, 360)
    assert sampler.stats["dropped_packets"] == 0
    # detached: the decoder finishes the frame in hand (one more may be counted) and stops
    wait_for(lambda: not decoder_threads(1))
    decoded = sampler.stats["decoded"]
    assert 25 * 3 <= decoded <= 25 * 4.5  # every frame is decoded, from the keyframe after attach
    time.sleep(0.5)
    assert sampler.stats["decoded"] == decoded  # decoding stopped


def test_a_slow_consumer_does_not_hold_up_recording(env: Env, supervisor: RecorderSupervisor,
                                                    clips: dict[str, Path]):
    env.add_channel(2, str(clips["channel"]), type="file", playback="repeat")
    supervisor.start()
    sampler = supervisor.frame_sampler(2)
    consumer = Collector(delay_s=3.0)
    sampler.attach(consumer, fps=5)
    wait_for(lambda: len(consumer))
    closed_before = env.segment_count(2)
    time.sleep(4.0)  # the first callback takes 3 s: the queue (64 packets, 2.6 s) overflows
    assert env.segment_count(2) - closed_before >= 3  # 1 s segments went on closing meanwhile
    assert env.recording[2] and supervisor.capture(2).is_alive()
    assert sampler.stats["dropped_packets"] >= 64
    started = time.monotonic()
    sampler.detach()  # while the callback still sleeps
    assert time.monotonic() - started < 0.1
    supervisor.stop()
    rows = segments.channel_segments(env.db, 2)
    assert len(rows) >= 4 and all(r.end_ms - r.begin_ms <= 1100 for r in rows)


def test_the_consumer_stays_attached_through_a_channel_restart(env: Env, supervisor: RecorderSupervisor,
                                                               clips: dict[str, Path]):
    sampler = supervisor.frame_sampler(3)
    consumer = Collector()
    sampler.attach(consumer, fps=5)  # before the channel exists
    channel = env.add_channel(3, str(clips["channel"]), type="file", playback="repeat")
    supervisor.start()
    wait_for(lambda: len(consumer) >= 5)
    first_capture = supervisor.capture(3)
    seen = len(consumer)
    supervisor.add(channel)  # the channel changed: its capture restarts, and the file plays from 0 again
    assert supervisor.capture(3) is not first_capture and supervisor.frame_sampler(3) is sampler
    wait_for(lambda: len(consumer) >= seen + 8)
    assert len(decoder_threads(3)) == 1
    later = consumer.frames[seen:]
    restart = [f[1] for f in later].index(0)  # the new capture's first keyframe, delivered at once
    assert restart <= 1  # (the old thread may have been handing over one last frame)
    assert_frames_follow_the_video(later[restart:], 100, 640, 360)
    supervisor.remove(3)
    wait_for(lambda: not decoder_threads(3))
    assert sampler.attached  # still attached: the next capture of channel 3 feeds it again


@needs_rtsp
def test_an_rtsp_channel_keeps_its_consumer_when_the_camera_reconnects(env: Env, supervisor: RecorderSupervisor,
                                                                       clips: dict[str, Path], tmp_path: Path):
    long = loop_clip(clips["channel"], tmp_path / "long.mp4", 15)  # 60 s
    server = RtspServerProcess(file=long).start()
    try:
        env.add_channel(4, server.url("file"))
        sampler = supervisor.frame_sampler(4)
        consumer = Collector()
        sampler.attach(consumer, fps=5)
        supervisor.start()
        wait_for(lambda: len(consumer) >= 10)
        server.stop()
        down_at = time.time() * 1000
        wait_for(lambda: not env.recording.get(4))
        time.sleep(0.5)
        server.start()
        wait_for(lambda: len([w for w in consumer.walls() if w > down_at]) >= 10, timeout=15)
    finally:
        server.stop()
    before = [f for f in consumer.frames if f[0] <= down_at]
    after = [f for f in consumer.frames if f[0] > down_at]
    # Over RTSP packets arrive in bursts (the probe at connect): frame times come from the stream's
    # own timestamps, so they stay evenly spaced; the first second after a connect may re-anchor.
    for part in (before, after):
        assert_frames_follow_the_video(part[5:], 100, 640, 360, jitter_ms=60.0)
    assert sampler.stats["dropped_packets"] == 0
