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
from itertools import pairwise
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
from tests.needs import MODEL_CACHE
from tsnvr import demo
from tsnvr.database import open_database

T = TypeVar("T")
FAR, MID, NEAR = 60, demo.FRAMES // 2, 210  # the car in the distance, halfway and close


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo.make_demo_clip(tmp_path_factory.mktemp("demo") / "street.mp4")


@pytest.fixture(scope="module")
def frames(clip: Path) -> dict[int, Image.Image]:
    """Decoded frames of the clip, by index: the first and the last (no car), the car far, halfway, near."""
    wanted = {0, FAR, MID, NEAR, demo.FRAMES - 1}
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
        duration, time_base = stream.duration, stream.time_base  # (PyAV 18.1.1 refuses a closed container's)
    assert len(packets) == demo.FRAMES == 300
    assert float(duration * time_base) == pytest.approx(12.0, abs=0.05)
    keyframes = sorted(p.pts * time_base for p in packets if p.is_keyframe)
    assert keyframes == [Fraction(s) for s in range(12)]


def test_the_plate_is_white_with_dark_characters_in_a_recess_where_the_generator_says(
        frames: dict[int, Image.Image]):
    for index in (MID, NEAR):
        box = demo.plate_box(index)
        assert box is not None
        w, h = box.right - box.left, box.bottom - box.top
        assert 4 <= w / h <= 5  # the shape of a European plate
        picture = frames[index].convert("L")
        plate = picture.crop(box)
        assert share(plate.crop((0, 0, w, 1)), lambda v: v < 80) > 0.9  # a dark border...
        margin = plate.crop((round(0.05 * w), round(0.12 * h), round(0.95 * w), round(0.2 * h)))
        assert share(margin, lambda v: v > 150) > 0.97  # ...round a white plate...
        text = plate.crop((round(0.1 * w), round(0.3 * h), round(0.9 * w), round(0.7 * h)))
        assert 0.2 < share(text, lambda v: v < 80) < 0.6  # ...with dark characters on it...
        half = text.width // 2  # ...on both halves: the whole text, not one blot
        assert share(text.crop((0, 0, half, text.height)), lambda v: v < 80) > 0.15
        assert share(text.crop((half, 0, text.width, text.height)), lambda v: v < 80) > 0.15
        recess = [picture.getpixel((box.left - 2, (box.top + box.bottom) // 2)),
                  picture.getpixel(((box.left + box.right) // 2, box.top - 2)),
                  picture.getpixel(((box.left + box.right) // 2, box.bottom + 1))]
        assert max(recess) < 60  # in a dark recess...
        r, g, b = frames[index].getpixel((box.left - round(0.15 * w), (box.top + box.bottom) // 2))
        assert min(r, g, b) > 130 and max(r, g, b) - min(r, g, b) < 30  # ...in the bumper of a white car


def test_the_car_comes_towards_the_camera_as_car_box_says(frames: dict[int, Image.Image]):
    empty, last = frames[0], frames[demo.FRAMES - 1]
    assert demo.car_box(0).bottom <= 0 and demo.car_box(demo.FRAMES - 1).top >= demo.HEIGHT
    assert share(changed(empty, last), lambda v: v > 0) < 0.001  # the same empty street: a seamless loop
    for index in (FAR, MID, NEAR):
        box = demo.car_box(index)
        expected = (max(box.left, 0), max(box.top, 0), min(box.right, demo.WIDTH), min(box.bottom, demo.HEIGHT))
        found = changed(frames[index], empty).getbbox()
        assert found is not None and all(abs(a - b) <= 2 for a, b in zip(found, expected, strict=True)), (
            index, found, expected)
    boxes = [demo.car_box(i) for i in range(demo.FRAMES)]
    assert all(b.top >= a.top and b.right - b.left >= a.right - a.left for a, b in pairwise(boxes))


def test_the_plate_is_in_the_picture_and_big_enough_to_read_from_3_to_9_s():
    plates = {i: demo.plate_box(i) for i in range(demo.FRAMES)}
    assert all(plates[i] is not None and plates[i].right - plates[i].left >= 110
               for i in range(3 * demo.FPS, 9 * demo.FPS + 1))
    assert plates[0] is None and plates[demo.FRAMES - 1] is None
    assert max(b.right - b.left for b in plates.values() if b is not None) < 0.2 * demo.WIDTH


FAR_PLATE_HEIGHT = 20  # pixels of the 720p frame: the plate's characters under 12 pixels high


def test_the_lpr_engine_reads_the_plate_wherever_it_is_in_the_picture(clip: Path):
    """The real models, default settings, on the encoded clip: the plate is read as the plate log would
    show it, in most frames, and never misread, but for the look-alike O and 0 while the car is far: there the
    gap after the O, which tells DEMO 123 from a Brazilian DEM 0123, is too small to see, and whether the
    recogniser leaves the 0 enough probability for that format to take it depends on the processor's int8
    arithmetic (the O read at 0.983 on an Intel Xeon with VNNI; the plate log votes over the nearer frames)."""
    pytest.importorskip("onnxruntime", reason="the LPR extra (onnxruntime) is not installed")
    from lpr.config import LprConfig
    from lpr.pipeline import LprEngine

    engine = LprEngine(LprConfig(threads=1, cache_dir=str(MODEL_CACHE)))
    read, misread, checked = [], [], []
    with av.open(str(clip)) as container:
        for index, frame in enumerate(container.decode(video=0)):
            truth = demo.plate_box(index)
            if index % 5 or truth is None:
                continue
            checked.append(index)
            plates = [(p.text, iou(p.box, truth)) for p in engine.read_plates(frame.to_ndarray(format="bgr24"))]
            if any(text == "DEMO123" and overlap >= 0.5 for text, overlap in plates):
                read.append(index)
            far = truth.bottom - truth.top < FAR_PLATE_HEIGHT
            misread += [(index, text) for text, overlap in plates
                        if overlap > 0 and text != "DEMO123" and 6 <= len(text) <= 8
                        and not (far and text == "DEM0123")]
    rate = len(read) / len(checked)
    print(f"DEMO123 read in {len(read)} of {len(checked)} frames ({rate:.0%})")
    assert rate >= 0.6, (rate, sorted(set(checked) - set(read)))
    assert misread == []


def share(image: Image.Image, test: Callable[[int], bool]) -> float:
    histogram = image.histogram()
    return sum(n for v, n in enumerate(histogram) if test(v)) / (image.width * image.height)


def changed(image: Image.Image, other: Image.Image) -> Image.Image:
    """White where the two pictures differ by more than the encoder's noise."""
    return ImageChops.difference(image, other).convert("L").point(lambda v: 255 if v > 24 else 0)


def iou(xywh: tuple[float, float, float, float], box: demo.Box) -> float:
    x, y, w, h = xywh
    across = max(0.0, min(x + w, box.right) - max(x, box.left))
    down = max(0.0, min(y + h, box.bottom) - max(y, box.top))
    union = w * h + (box.right - box.left) * (box.bottom - box.top) - across * down
    return across * down / union


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
        [zone] = settings_file.load(data_dir).lpr_device
        assert (zone.code, zone.name, zone.linked_channels, zone.zone.chid, zone.zone.rect, zone.zone.entry) == (
            "demo-street", "Demo street", [1], 1, (0, 720, 7680, 4320), "down")
        assert installed.stat().st_mtime_ns == made  # the clip is made only when missing
        assert demo.ensure_demo_channel(db, data_dir) is None and len(all_channels(db)) == 1
        with db.write() as s:
            s.delete(s.get(Channel, 1))
        assert demo.ensure_demo_channel(db, data_dir) is None
        assert all_channels(db) == []
    finally:
        db.dispose()


def test_the_demo_zone_holds_the_readable_plate_and_its_entry_is_the_cars_way(data_dir: Path):
    from lpr.zones import Zone  # pure Python: no LPR extra needed

    demo.add_demo_zone(data_dir)
    demo.add_demo_zone(data_dir)  # once only
    [device] = settings_file.load(data_dir).lpr_device
    zone = Zone.from_device(device)
    plates = [b for b in map(demo.plate_box, range(demo.FRAMES)) if b is not None and b.right - b.left >= 100]
    centres = [((b.left + b.right) / 2, (b.top + b.bottom) / 2) for b in plates]
    assert all(zone.contains(x, y, demo.WIDTH, demo.HEIGHT) for x, y in centres)
    assert zone.direction(centres, demo.WIDTH, demo.HEIGHT) == "entry"


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
    write_settings(data_dir, segment_seconds=2.0, lpr_enabled=False)  # plates: tests/test_lpr_worker.py
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

