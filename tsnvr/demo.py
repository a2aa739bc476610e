"""The demo channel: a synthetic street clip with a car carrying a readable plate, added on first start
so that a new installation has something to watch (and, with LPR, a plate to read).

The clip is drawn with Pillow and encoded with PyAV's libx264: H.264 yuv420p, 1280x720, 25 fps, a
keyframe every second (the recorder cuts segments on keyframes), 12 s; the file channel plays it in a
loop. A camera on a pole looks down a road; a white car comes towards it from the top of the picture,
growing as it nears, and leaves across the bottom edge. The scene is static except for the car;
`car_box(i)` and `plate_box(i)` tell where it and its plate are in frame i (ground truth for tests).

The plate detector learnt from photographs: a flat drawing with jagged edges looks like nothing to it.
So the car is drawn large and shrunk for each frame (smooth edges, as through a lens), and the street
and the car get side lighting and a slight blur, the car grain as well. The grain is made once from a
fixed seed: grain that changed every frame would cost most of the clip's bitrate; on the street it
would double the clip's size (its keyframes) for no better reading.
"""

from __future__ import annotations

import contextlib
import math
import os
import random
from fractions import Fraction
from functools import cache
from pathlib import Path
from statistics import NormalDist
from typing import NamedTuple

import av
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont
from sqlmodel import Session, select

from storage import settings as settings_file
from storage.clock import now_ms
from storage.db import Database
from storage.models import Channel, Meta
from tsnvr.devices_cli import add_lpr_device

DEMO_PLATE = "DEMO 123"
DEMO_CHID = 1
DEMO_NAME = "Demo street"
DEMO_SOURCE = "demo/street.mp4"  # relative: the recorder resolves it against the data dir
DEMO_ZONE_CODE = "demo-street"
DEMO_ZONE_RECT = (0, 720, 7680, 4320)  # in TS-API's 8K coordinates: all but the top sixth, where the plate
# is too small to read
DEMO_KEY = "demo_created"  # meta row: "1" added, "0" not added because channels existed

WIDTH, HEIGHT, FPS = 1280, 720, 25
SECONDS = 12
FRAMES = SECONDS * FPS
GOP = FPS  # one keyframe a second

# The car sprite, drawn once at the largest size it is shown at and shrunk for each frame.
CAR_W, CAR_H = 880, 660
GROUND = 640  # the sprite row its tyres stand on
PLATE = (280, 466, 600, 536)  # 320 x 70: about the shape of a European plate

# The camera stands on a pole by the road and looks down it. A point on the road at distance d (1: where
# the sprite is seen at its drawn size) and `offset` sprite pixels across the road from the camera's axis
# is seen at scale 1 / d, at x = VANISH_X + offset * scale, y = VANISH_Y + DROP * scale: the vanishing
# point lies far above the picture, so the car comes in at the top edge and leaves at the bottom one.
VANISH_X, VANISH_Y, DROP = 640, -330, 1670
LANE = -260  # the car keeps to the left half of the road, as it comes towards the camera
LANE_W = 1700

WHITE = (255, 255, 255)
BODY, BONNET, GLASS, TYRE, TRIM = (214, 216, 220), (234, 236, 240), (38, 50, 62), (24, 24, 26), (40, 42, 46)
ASPHALT, KERB, PAVEMENT, VERGE = (92, 94, 98), (170, 170, 165), (150, 144, 136), (88, 112, 64)


class Box(NamedTuple):
    """A rectangle in frame pixels: left and top inclusive, right and bottom exclusive."""

    left: int
    top: int
    right: int
    bottom: int

    def inside(self, width: int = WIDTH, height: int = HEIGHT) -> bool:
        return self.left >= 0 and self.top >= 0 and self.right <= width and self.bottom <= height


# --- where the car is --------------------------------------------------------------------------------

def _distance(index: int) -> float:
    """The car's distance from the camera in frame `index`, in units where its sprite is shown at scale
    1 / distance: it comes in fast, brakes (its plate stays readable for seconds) and drives on slowly."""
    t = index / FPS
    return 3.51 + 2.0 * math.exp(-t / 0.8) - 0.22 * t


def _even(value: float) -> int:
    return 2 * round(value / 2)  # chroma planes have half the resolution: keep the sprite on even pixels


def car_box(index: int) -> Box:
    """The car sprite (its shadow on the road included) in frame `index`; may lie partly or wholly off
    screen."""
    scale = 1 / _distance(index)
    centre, ground = VANISH_X + LANE * scale, VANISH_Y + DROP * scale
    width, height = _even(CAR_W * scale), _even(CAR_H * scale)
    left, top = _even(centre - width / 2), _even(ground - GROUND * scale)
    return Box(left, top, left + width, top + height)


def _in_sprite(box: Box, sprite: tuple[int, int, int, int]) -> Box:
    """`sprite`, a rectangle in sprite pixels, in the frame where the sprite is drawn over `box`."""
    sx, sy = (box.right - box.left) / CAR_W, (box.bottom - box.top) / CAR_H
    return Box(box.left + round(sprite[0] * sx), box.top + round(sprite[1] * sy),
               box.left + round(sprite[2] * sx), box.top + round(sprite[3] * sy))


def plate_box(index: int) -> Box | None:
    """The plate (border included) in frame `index`, or None unless it is wholly in the picture."""
    box = _in_sprite(car_box(index), PLATE)
    return box if box.inside() else None


# --- drawing -----------------------------------------------------------------------------------------

def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)  # Pillow's own TrueType font: no system font needed


def _grain(size: tuple[int, int], sigma: float, seed: int) -> Image.Image:
    """Gaussian noise around 128 in each channel, the same for a given seed."""
    rng = random.Random(seed)
    gauss = NormalDist(0, sigma)
    lut = [128 + round(gauss.inv_cdf((v + 0.5) / 256)) for v in range(256)]
    bands = [Image.frombytes("L", size, rng.randbytes(size[0] * size[1])).point(lut) for _ in range(3)]
    return Image.merge("RGB", bands)


def _photographed(image: Image.Image, seed: int, sigma: float, blur: float) -> Image.Image:
    """`image` lit from the upper right, with grain (none for sigma 0) and a slight blur, as a camera would
    see it."""
    gradient = Image.linear_gradient("L")  # black at the top, white at the bottom
    across = gradient.rotate(90).resize(image.size).point(lambda v: 205 + v // 5)
    down = gradient.resize(image.size).point(lambda v: 255 - v // 6)
    light = ImageChops.multiply(across, down)
    lit = ImageChops.multiply(image.convert("RGB"), Image.merge("RGB", [light] * 3))
    if sigma > 0:
        lit = ImageChops.add(lit, _grain(image.size, sigma, seed), offset=-128)
    return lit.filter(ImageFilter.GaussianBlur(blur))


def _on_road(offset: float, distance: float) -> tuple[float, float]:
    scale = 1 / distance
    return VANISH_X + offset * scale, VANISH_Y + DROP * scale


def _strip(draw: ImageDraw.ImageDraw, left: float, right: float, near: float, far: float,
           fill: tuple[int, int, int]) -> None:
    """A band along the road, between two offsets across it and two distances."""
    draw.polygon((_on_road(left, far), _on_road(right, far), _on_road(right, near), _on_road(left, near)),
                 fill=fill)


def _draw_background() -> Image.Image:
    image = Image.new("RGB", (WIDTH, HEIGHT), VERGE)
    draw = ImageDraw.Draw(image)
    near, far = 0.3, 100.0  # beyond the picture's bottom and top edges
    kerb, edge = LANE - LANE_W / 2 - 60, LANE + 3 * LANE_W / 2
    _strip(draw, kerb - 900, kerb, near, far, PAVEMENT)
    for d in (0.6 + 0.25 * n for n in range(40)):  # joints between the paving slabs
        _strip(draw, kerb - 900, kerb, d, d + 0.012, (128, 122, 115))
    _strip(draw, kerb, kerb + 60, near, far, KERB)
    _strip(draw, kerb + 60, edge, near, far, ASPHALT)
    _strip(draw, edge, edge + 60, near, far, KERB)
    _strip(draw, kerb + 110, kerb + 150, near, far, WHITE)  # edge lines
    _strip(draw, edge - 80, edge - 40, near, far, WHITE)
    for d in (0.5 + 0.9 * n for n in range(20)):  # dashed centre line
        _strip(draw, LANE + LANE_W / 2 - 30, LANE + LANE_W / 2 + 30, d, d + 0.45, WHITE)
    return _photographed(image, seed=1, sigma=0, blur=1.2)


def _text_size(draw: ImageDraw.ImageDraw, width: int, height: int) -> int:
    """The largest font size at which the plate's text fits in width x height."""
    size = height
    while size > 10:
        x0, y0, x1, y1 = draw.textbbox((0, 0), DEMO_PLATE, font=_font(size), stroke_width=size // 16)
        if x1 - x0 <= width and y1 - y0 <= height:
            break
        size -= 1
    return size


def _draw_plate(draw: ImageDraw.ImageDraw) -> None:
    """The plate, in a dark recess in the bumper (its edge against the dark helps the detector)."""
    left, top, right, bottom = PLATE
    draw.rectangle((left - 14, top - 14, right + 14, bottom + 14), fill=(26, 26, 28))
    draw.rounded_rectangle(PLATE, radius=8, fill=(240, 240, 232), outline=(30, 30, 30), width=4)
    size = _text_size(draw, right - left - 40, round(0.62 * (bottom - top)))
    draw.text(((left + right) / 2, (top + bottom) / 2), DEMO_PLATE, font=_font(size), fill=(16, 16, 16),
              anchor="mm", stroke_width=size // 16, stroke_fill=(16, 16, 16))  # the stroke makes it bold


Points = tuple[tuple[float, float], ...]
Rect = tuple[float, float, float, float]


def _both_sides(points: Points) -> tuple[Points, Points]:
    """`points` on the car's left and mirrored to its right."""
    return points, tuple((CAR_W - x, y) for x, y in points)


def _boxes_both_sides(left: float, top: float, right: float, bottom: float) -> tuple[Rect, Rect]:
    return (left, top, right, bottom), (CAR_W - right, top, CAR_W - left, bottom)


def _draw_car() -> Image.Image:
    """The car from the front and a little above, on a transparent sprite (transparent in the road's
    colour, so that the blur blends its edges into the road rather than into black)."""
    car = Image.new("RGBA", (CAR_W, CAR_H), (*ASPHALT, 0))
    draw = ImageDraw.Draw(car)
    draw.ellipse((0, 588, CAR_W, 664), fill=(0, 0, 0, 150))  # shadow on the road
    for box in _boxes_both_sides(64, 500, 204, GROUND):
        draw.rounded_rectangle(box, radius=22, fill=TYRE)
    draw.rounded_rectangle((226, 0, 654, 46), radius=24, fill=BODY)
    draw.polygon(((230, 16), (650, 16), (800, 286), (80, 286)), fill=BODY)  # roof and pillars
    draw.polygon(((252, 52), (628, 52), (756, 270), (124, 270)), fill=GLASS)  # windscreen
    for box in _boxes_both_sides(220, 146, 330, 240):  # headrests behind it
        draw.rounded_rectangle(box, radius=30, fill=(22, 28, 34))
    draw.polygon(((300, 52), (400, 52), (236, 270), (150, 270)), fill=(96, 110, 124))  # the sky in it
    draw.rounded_rectangle((410, 54, 470, 80), radius=6, fill=(30, 34, 40))  # rear-view mirror
    for points in _both_sides(((118, 236), (30, 226), (26, 284), (124, 292))):  # door mirrors
        draw.polygon(points, fill=BODY)
    draw.polygon(((100, 276), (780, 276), (858, 362), (22, 362)), fill=BONNET)
    draw.rounded_rectangle((24, 350, CAR_W - 24, 600), radius=44, fill=BODY)  # front
    for box in _boxes_both_sides(16, 440, 90, 604):  # wheel arches
        draw.rounded_rectangle(box, radius=24, fill=TRIM)
    for points in _both_sides(((44, 368), (262, 382), (248, 430), (60, 420))):  # headlamps
        draw.polygon(points, fill=(58, 60, 64))
    for points in _both_sides(((62, 376), (244, 388), (236, 420), (74, 412))):
        draw.polygon(points, fill=(196, 200, 206))
    for box in _boxes_both_sides(84, 382, 140, 410):
        draw.ellipse(box, fill=(252, 252, 240))
    draw.rounded_rectangle((286, 380, 594, 446), radius=14, fill=TRIM)  # grille
    for y in range(390, 440, 12):
        draw.line((298, y, 582, y), fill=(78, 80, 86), width=4)
    draw.ellipse((420, 398, 460, 424), fill=(190, 192, 196))  # badge
    draw.rounded_rectangle((180, 554, CAR_W - 180, 584), radius=12, fill=TRIM)  # air intake
    for box in _boxes_both_sides(112, 492, 160, 526):  # fog lamps
        draw.ellipse(box, fill=(70, 72, 76))
    _draw_plate(draw)
    return car


Planes = tuple[Image.Image, Image.Image, Image.Image]  # Y, U, V as 8-bit greyscale pictures


def _to_planes(image: Image.Image, pix_fmt: str) -> Planes:
    """The picture in `pix_fmt` (BT.601 limited range, as the encoder gets it), one image per plane."""
    frame = av.VideoFrame.from_image(image.convert("RGB")).reformat(format=pix_fmt)
    y, u, v = (Image.frombytes("L", (plane.width, plane.height), bytes(plane), "raw", "L", plane.line_size)
               for plane in frame.planes)
    return y, u, v


@cache
def _layers() -> tuple[Planes, Planes, Image.Image]:
    """The background in yuv420p, the car in yuv444p (to shrink each plane from full detail) and its mask."""
    car = _draw_car()
    photo = _photographed(car, seed=2, sigma=8, blur=1.5)
    return _to_planes(_draw_background(), "yuv420p"), _to_planes(photo, "yuv444p"), car.getchannel("A")


def render_planes(index: int) -> Planes:
    """Frame `index` of the clip: the car, shrunk to its distance, pasted on the background plane by plane
    (no per-frame RGB conversion: that would cost more than encoding)."""
    background, car, mask = _layers()
    y, u, v = (plane.copy() for plane in background)
    planes = (y, u, v)
    box = car_box(index)
    if box.bottom <= 0 or box.top >= HEIGHT:
        return planes
    for plane, sprite, div in zip(planes, car, (1, 2, 2), strict=True):
        size = ((box.right - box.left) // div, (box.bottom - box.top) // div)
        plane.paste(sprite.resize(size, Image.Resampling.BILINEAR), (box.left // div, box.top // div),
                    mask.resize(size, Image.Resampling.BILINEAR))
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
    add_demo_zone(data_dir)
    return channel


def add_demo_zone(data_dir: Path) -> None:
    """An LPR zone over the near part of the demo street's road, so the demo car's plate is read as it
    comes towards the camera."""
    settings = settings_file.load(data_dir)
    if settings.lpr_device_by_code(DEMO_ZONE_CODE) is None:
        add_lpr_device(data_dir, code=DEMO_ZONE_CODE, name=DEMO_NAME, linked_channels=[DEMO_CHID],
                       zone={"chid": DEMO_CHID, "rect": list(DEMO_ZONE_RECT), "mode": "driving", "entry": "down"})
