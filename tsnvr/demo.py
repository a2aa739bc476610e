"""The demo channel: a synthetic street clip with a car carrying a readable plate, added on first start
so that a new installation has something to watch (and, with LPR, a plate to read).

The clip is drawn with Pillow and encoded with PyAV's libx264: H.264 yuv420p, 1280x720, 25 fps, a
keyframe every second (the recorder cuts segments on keyframes), 12 s; the file channel plays it in a
loop. The scene is static except for the car, which drives left to right at a constant speed;
`car_box(i)` and `plate_box(i)` tell where it and its plate are in frame i (ground truth for tests).
"""

from __future__ import annotations

import contextlib
import os
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import NamedTuple

import av
from PIL import Image, ImageDraw, ImageFont
from sqlmodel import Session, select

from storage.clock import now_ms
from storage.db import Database
from storage.models import Channel, Meta

DEMO_PLATE = "DEMO 123"
DEMO_CHID = 1
DEMO_NAME = "Demo street"
DEMO_SOURCE = "demo/street.mp4"  # relative: the recorder resolves it against the data dir
DEMO_KEY = "demo_created"  # meta row: "1" added, "0" not added because channels existed

WIDTH, HEIGHT, FPS = 1280, 720, 25
SECONDS = 12
FRAMES = SECONDS * FPS
GOP = FPS  # one keyframe a second

# The car sprite, in its own coordinates.
CAR_W, CAR_H = 720, 300
BODY = (0, 110, CAR_W, 252)
PLATE = (160, 122, 560, 212)  # 400 x 90: about the shape of a European plate
WHEELS = ((150, 252), (570, 252))
WHEEL_R = 46
CAR_TOP = 318  # the sprite's top edge in the frame (even, for chroma): wheels on the near lane
ENTER_S, LEAVE_S = 0.5, SECONDS - 0.5  # the car is wholly off screen before and after

SKY, ASPHALT, KERB, PAVEMENT = (150, 185, 215), (70, 72, 76), (165, 165, 160), (125, 120, 115)
CAR_RED, GLASS, TYRE, RIM = (200, 32, 40), (120, 160, 190), (20, 20, 20), (170, 170, 175)
WHITE, BLACK = (255, 255, 255), (0, 0, 0)


class Box(NamedTuple):
    """A rectangle in frame pixels: left and top inclusive, right and bottom exclusive."""

    left: int
    top: int
    right: int
    bottom: int

    def inside(self, width: int = WIDTH, height: int = HEIGHT) -> bool:
        return self.left >= 0 and self.top >= 0 and self.right <= width and self.bottom <= height


def car_x(index: int) -> int:
    """The car sprite's left edge in frame `index`."""
    progress = (index / FPS - ENTER_S) / (LEAVE_S - ENTER_S)
    return 2 * round((-CAR_W + progress * (WIDTH + CAR_W)) / 2)  # even: chroma is half the width


def car_box(index: int) -> Box:
    """The car body (without the cabin and wheels) in frame `index`; may lie partly off screen."""
    x = car_x(index)
    return Box(x + BODY[0], CAR_TOP + BODY[1], x + BODY[2], CAR_TOP + BODY[3])


def plate_box(index: int) -> Box | None:
    """The plate (border included) in frame `index`, or None unless it is wholly in the picture."""
    x = car_x(index)
    box = Box(x + PLATE[0], CAR_TOP + PLATE[1], x + PLATE[2], CAR_TOP + PLATE[3])
    return box if box.inside() else None


def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)  # Pillow's own TrueType font: no system font needed


def _draw_background() -> Image.Image:
    image = Image.new("RGB", (WIDTH, HEIGHT), SKY)
    draw = ImageDraw.Draw(image)
    for i, (left, height) in enumerate(((0, 170), (230, 120), (400, 200), (690, 150), (900, 185), (1120, 135))):
        right = left + 200
        draw.rectangle((left, 270 - height, right, 270), fill=(110 + 12 * i, 100 + 5 * i, 95))
        for wx in range(left + 20, right - 20, 40):
            for wy in range(290 - height, 250, 45):
                draw.rectangle((wx, wy, wx + 20, wy + 25), fill=(210, 215, 170))
    draw.rectangle((0, 270, WIDTH, 300), fill=PAVEMENT)
    draw.rectangle((0, 300, WIDTH, 310), fill=KERB)
    draw.rectangle((0, 310, WIDTH, 690), fill=ASPHALT)
    draw.rectangle((0, 690, WIDTH, HEIGHT), fill=KERB)
    for y in (322, 676):  # edge lines
        draw.rectangle((0, y, WIDTH, y + 5), fill=WHITE)
    for x in range(20, WIDTH, 160):  # dashed centre line
        draw.rectangle((x, 446, x + 90, 454), fill=WHITE)
    return image


def _draw_plate(draw: ImageDraw.ImageDraw) -> None:
    left, top, right, bottom = PLATE
    draw.rounded_rectangle(PLATE, radius=8, fill=WHITE, outline=BLACK, width=5)
    inner_w, inner_h = right - left - 36, bottom - top - 24
    size = 80
    while size > 10:  # the largest font whose text fits the plate
        x0, y0, x1, y1 = draw.textbbox((0, 0), DEMO_PLATE, font=_font(size), stroke_width=size // 20)
        if x1 - x0 <= inner_w and y1 - y0 <= inner_h:
            break
        size -= 2
    font = _font(size)
    draw.text(((left + right) / 2, (top + bottom) / 2), DEMO_PLATE, font=font, fill=BLACK, anchor="mm",
              stroke_width=size // 20, stroke_fill=BLACK)  # the stroke makes the regular face bold


def _draw_car() -> Image.Image:
    car = Image.new("RGBA", (CAR_W, CAR_H), (0, 0, 0, 0))
    draw = ImageDraw.Draw(car)
    draw.polygon(((150, 20), (470, 20), (580, BODY[1] + 2), (60, BODY[1] + 2)), fill=CAR_RED)  # cabin
    draw.polygon(((170, 34), (300, 34), (300, 104), (95, 104)), fill=GLASS)
    draw.polygon(((318, 34), (460, 34), (548, 104), (318, 104)), fill=GLASS)
    draw.rounded_rectangle(BODY, radius=26, fill=CAR_RED)
    draw.rectangle((CAR_W - 36, BODY[1] + 16, CAR_W - 6, BODY[1] + 40), fill=(250, 230, 120))  # headlamp
    draw.rectangle((4, BODY[1] + 16, 26, BODY[1] + 40), fill=(150, 0, 0))  # tail lamp
    for cx, cy in WHEELS:
        draw.ellipse((cx - WHEEL_R, cy - WHEEL_R, cx + WHEEL_R, cy + WHEEL_R), fill=TYRE)
        draw.ellipse((cx - 22, cy - 22, cx + 22, cy + 22), fill=RIM)
    _draw_plate(draw)
    return car


Planes = tuple[Image.Image, Image.Image, Image.Image]  # Y, U, V as 8-bit greyscale pictures


def _to_planes(image: Image.Image) -> Planes:
    """The picture in yuv420p (the encoder's format, BT.601 limited range), one image per plane."""
    frame = av.VideoFrame.from_image(image.convert("RGB")).reformat(format="yuv420p")
    return tuple(Image.frombytes("L", (plane.width, plane.height), bytes(plane), "raw", "L", plane.line_size)
                 for plane in frame.planes)


@cache
def _layers() -> tuple[Planes, Planes, Image.Image, Image.Image]:
    """Background and car, converted to yuv420p once, and the car's mask at luma and chroma size."""
    car = _draw_car()
    mask = car.getchannel("A")
    return _to_planes(_draw_background()), _to_planes(car), mask, mask.reduce(2)


def render_planes(index: int) -> Planes:
    """Frame `index` of the clip: the car pasted on the background, plane by plane (no per-frame RGB
    conversion: that would cost more than encoding)."""
    background, car, mask, chroma_mask = _layers()
    x = car_x(index)
    planes = tuple(plane.copy() for plane in background)
    planes[0].paste(car[0], (x, CAR_TOP), mask)
    for plane, sprite in zip(planes[1:], car[1:], strict=True):
        plane.paste(sprite, (x // 2, CAR_TOP // 2), chroma_mask)
    return planes


def render_frame(index: int) -> av.VideoFrame:
    frame = av.VideoFrame(WIDTH, HEIGHT, "yuv420p")
    for plane, image in zip(frame.planes, render_planes(index), strict=True):
        plane.update(image.tobytes())  # 1280x720: no row padding in any plane
    frame.pts, frame.time_base = index, Fraction(1, FPS)
    return frame


def _encode(path: Path) -> None:
    with av.open(str(path), "w", format="mp4", options={"movflags": "+faststart"}) as out:
        stream = out.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.gop_size = GOP
        stream.options = {"preset": "veryfast", "crf": "21", "bf": "0", "sc_threshold": "0",
                          "keyint_min": str(GOP)}
        for index in range(FRAMES):
            out.mux(stream.encode(render_frame(index)))
        out.mux(stream.encode(None))


def make_demo_clip(path: Path) -> Path:
    """Write the demo clip to `path` (via a temporary name, so a crash never leaves half a clip)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        _encode(temp)
        os.replace(temp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    return path


def _has_channels(session: Session) -> bool:
    return session.exec(select(Channel.chid)).first() is not None


def ensure_demo_channel(db: Database, data_dir: Path) -> Channel | None:
    """On a first start (no channels, demo never offered before) add the demo channel, making its clip
    if missing; returns it, or None when nothing was added. The decision is kept in the meta table, so
    a deleted demo channel stays deleted and a database that had channels of its own never gets one."""
    with db.read() as s:
        decided, has_channels = s.get(Meta, DEMO_KEY) is not None, _has_channels(s)
    if decided:
        return None
    if has_channels:
        with db.write() as s:
            s.merge(Meta(key=DEMO_KEY, value="0"))
        return None
    clip = data_dir / DEMO_SOURCE
    if not clip.is_file():
        make_demo_clip(clip)
    with db.write() as s:  # checked again: another process may have added channels meanwhile
        if s.get(Meta, DEMO_KEY) is not None or _has_channels(s):
            return None
        channel = Channel(chid=DEMO_CHID, name=DEMO_NAME, type="file", source=DEMO_SOURCE, playback="repeat",
                          created_ms=now_ms())
        s.add(channel)
        s.add(Meta(key=DEMO_KEY, value="1"))
    return channel
