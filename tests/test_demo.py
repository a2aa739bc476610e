"""The demo channel: the synthetic street clip (size, rate, keyframes, a readable plate, a moving car),
its one-time addition to a new database, its recording by a running server, and `tsnvr serve`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import TypeVar

import av
import pytest
from PIL import Image, ImageChops
from sqlmodel import select
from starlette.testclient import TestClient

from storage import settings as settings_file
from storage.channels import all_channels
from storage.clock import now_ms
from storage.db import Database
from storage.models import Channel, Meta, Segment
from tests.conftest import ADMIN_AUTH, ADMIN_PASSWORD, REPO, free_port, make_runtime, write_settings
from tsnvr import demo
from tsnvr.server import open_database

T = TypeVar("T")
MID = demo.FRAMES // 2


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo.make_demo_clip(tmp_path_factory.mktemp("demo") / "street.mp4")


@pytest.fixture(scope="module")
def frames(clip: Path) -> dict[int, Image.Image]:
    """Decoded frames of the clip, by index: the first (no car yet) and three with the whole car in view."""
    wanted = {0, 120, MID, 180}
    with av.open(str(clip)) as container:
        return {i: f.to_image() for i, f in enumerate(container.decode(video=0)) if i in wanted}


def wait_until(check: Callable[[], T], timeout: float = 15.0) -> T:
    deadline = time.monotonic() + timeout
    while not (value := check()):
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.2)
    return value


def database(data_dir: Path) -> Database:
    return open_database(settings_file.load(data_dir, env={}))


def install_clip(clip: Path, data_dir: Path) -> Path:
    """The clip where the demo expects it, so the code under test finds it and does not make it again."""
    target = data_dir / demo.DEMO_SOURCE
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(clip, target)
    return target


# --- the clip ---------------------------------------------------------------------------------------

def test_clip_is_h264_720p_at_25_fps_for_12_s_with_a_keyframe_every_second(clip: Path):
    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.name, stream.codec_context.pix_fmt) == ("h264", "yuv420p")
        assert (stream.codec_context.width, stream.codec_context.height) == (1280, 720)
        assert stream.average_rate == 25
        packets = [p for p in container.demux(stream) if p.pts is not None]
    assert len(packets) == demo.FRAMES == 300
    assert float(stream.duration * stream.time_base) == pytest.approx(12.0, abs=0.05)
    keyframes = sorted(p.pts * stream.time_base for p in packets if p.is_keyframe)
    assert keyframes == [Fraction(s) for s in range(12)]


def test_the_plate_is_white_with_black_characters_where_the_generator_says(frames: dict[int, Image.Image]):
    box = demo.plate_box(MID)
    assert box is not None and box.right - box.left >= 380 and box.bottom - box.top >= 80
    plate = frames[MID].convert("L").crop(box)
    inner = plate.crop((12, 12, plate.width - 12, plate.height - 12))
    margin = plate.crop((12, 6, plate.width - 12, 10))
    assert share(margin, lambda v: v > 200) > 0.95  # a white plate...
    assert 0.25 < share(inner, lambda v: v < 60) < 0.6  # ...with big dark glyphs on it...
    assert share(inner, lambda v: v < 60 or v > 200) > 0.93  # ...and sharp edges: little grey between
    half = inner.width // 2  # characters on both halves: the whole text, not one blot
    assert share(inner.crop((0, 0, half, inner.height)), lambda v: v < 60) > 0.1
    assert share(inner.crop((half, 0, inner.width, inner.height)), lambda v: v < 60) > 0.1
    border = plate.crop((0, plate.height // 2 - 10, 4, plate.height // 2 + 10))
    assert share(border, lambda v: v < 60) > 0.9  # a black border
    above = frames[MID].crop((box.left, box.top - 8, box.right, box.top - 2))
    assert red_mask(above).getbbox() == (0, 0, above.width, above.height)  # on a red car, not a white one


def test_the_car_drives_left_to_right(frames: dict[int, Image.Image]):
    assert red_mask(frames[0]).getbbox() is None and demo.plate_box(0) is None  # not in the picture yet
    seen = {i: red_mask(frames[i]).getbbox() for i in (120, 180)}
    for i, found in seen.items():
        expected = demo.car_box(i)
        assert expected.inside() and found is not None
        assert abs(found[0] - expected.left) <= 3 and abs(found[2] - expected.right) <= 3
    assert seen[180][0] - seen[120][0] > 400

def share(image: Image.Image, test: Callable[[int], bool]) -> float:
    histogram = image.histogram()
    return sum(n for v, n in enumerate(histogram) if test(v)) / (image.width * image.height)


def red_mask(image: Image.Image) -> Image.Image:
    """White where the car's red paint is."""
    r, g, b = image.convert("RGB").split()
    masks = (r.point(lambda v: 255 if v > 150 else 0), g.point(lambda v: 255 if v < 90 else 0),
             b.point(lambda v: 255 if v < 90 else 0))
    return ImageChops.multiply(ImageChops.multiply(masks[0], masks[1]), masks[2])


# --- adding the channel -------------------------------------------------------------------------------

def test_the_demo_channel_is_added_once_and_stays_deleted(data_dir: Path, clip: Path):
    installed = install_clip(clip, data_dir)
    made = installed.stat().st_mtime_ns
    db = database(data_dir)
    try:
        channel = demo.ensure_demo_channel(db, data_dir)
        assert channel is not None
        rows = all_channels(db)
        assert [(c.chid, c.name, c.type, c.source, c.playback) for c in rows] == [
            (1, "Demo street", "file", "demo/street.mp4", "repeat")]
        assert abs(rows[0].created_ms - now_ms()) < 60_000
        assert installed.stat().st_mtime_ns == made  # the clip is made only when missing
        assert demo.ensure_demo_channel(db, data_dir) is None and len(all_channels(db)) == 1
        with db.write() as s:
            s.delete(s.get(Channel, 1))
        assert demo.ensure_demo_channel(db, data_dir) is None
        assert all_channels(db) == []
    finally:
        db.dispose()


def test_no_demo_channel_when_the_database_has_channels(data_dir: Path):
    db = database(data_dir)
    try:
        with db.write() as s:
            s.add(Channel(chid=5, name="Gate", source="rtsp://127.0.0.1:9/stream", created_ms=now_ms()))
        assert demo.ensure_demo_channel(db, data_dir) is None
        assert [c.chid for c in all_channels(db)] == [5]
        assert not (data_dir / demo.DEMO_SOURCE).exists()
        with db.write() as s:  # a database that had channels of its own never gets the demo
            s.delete(s.get(Channel, 5))
        assert demo.ensure_demo_channel(db, data_dir) is None and all_channels(db) == []
    finally:
        db.dispose()


def test_a_runtime_records_the_demo_channel(data_dir: Path, clip: Path):
    install_clip(clip, data_dir)
    write_settings(data_dir, segment_seconds=2.0)
    db = database(data_dir)
    assert demo.ensure_demo_channel(db, data_dir) is not None
    db.dispose()
    runtime = make_runtime(data_dir)
    with TestClient(runtime.app) as client:
        def connected() -> bool:
            body = client.get(f"/api/status?auth={ADMIN_AUTH}").json()
            return [(c["chid"], c["status"]["code"]) for c in body] == [(1, 200)]

        def segments() -> list[Segment]:
            with runtime.db.read() as s:
                return list(s.exec(select(Segment).where(Segment.chid == 1)))

        wait_until(connected)
        recorded = wait_until(segments)
    assert (recorded[0].codec, recorded[0].width, recorded[0].height) == ("h264", 1280, 720)
    assert (data_dir / "rec").is_dir()


# --- tsnvr serve --------------------------------------------------------------------------------------

def serve_banner(data: Path, *flags: str) -> str:
    """Start `tsnvr serve`, read its output up to the "serving" line, stop it."""
    env = {**os.environ, "TSNVR_ADMIN_PASSWORD": ADMIN_PASSWORD}
    proc = subprocess.Popen([sys.executable, "-m", "tsnvr", "serve", "--host", "127.0.0.1", "--port",
                             str(free_port()), "--data", str(data), *flags],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO, env=env)
    lines: list[str] = []
    try:
        while not lines or "serving" not in lines[-1]:
            line = proc.stdout.readline()
            assert line, "server exited: " + "".join(lines)
            lines.append(line)
    finally:
        proc.terminate()
        proc.wait(10)
    return "".join(lines)


def meta(data: Path) -> dict[str, str]:
    db = database(data)
    try:
        with db.read() as s:
            return {m.key: m.value for m in s.exec(select(Meta))}
    finally:
        db.dispose()


def test_serve_adds_the_demo_channel_on_first_start_and_says_so(tmp_path: Path):
    banner = serve_banner(tmp_path)
    assert "tsnvr: added demo channel 1 (Demo street)\n" in banner
    assert (tmp_path / demo.DEMO_SOURCE).is_file()
    assert not [p.name for p in (tmp_path / "demo").iterdir() if p.name != "street.mp4"]  # no temp file left
    assert meta(tmp_path)[demo.DEMO_KEY] == "1"
    assert "demo channel" not in serve_banner(tmp_path)


def test_serve_with_no_demo_adds_nothing(tmp_path: Path):
    banner = serve_banner(tmp_path, "--no-demo")
    assert "demo" not in banner.lower().replace(str(tmp_path).lower(), "")
    db = database(tmp_path)
    try:
        assert all_channels(db) == []
    finally:
        db.dispose()
    assert demo.DEMO_KEY not in meta(tmp_path)
    assert not (tmp_path / "demo").exists()

