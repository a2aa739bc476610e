"""Synthetic EU flag bands, to train and test lpr.flag_code's classifier: the blue band at a European plate's left
end, with the circle of stars and the country's code in white below them, as lpr.plate_crop.side_bands cuts it
from a straightened plate crop, after a camera's blur, noise and compression at 16 to 70 pixels of plate height.

Rendered with Debian's fonts-dejavu-core (the codes' lettering varies by country; the classifier learns from
several faces and widths). The classes are lpr.flag_code.CODES; class 0, no code, is a band with nothing
legible under its stars (or no stars either).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import cast

import cv2
import numpy as np
from numpy.random import Generator
from PIL import Image, ImageDraw, ImageFont

from lpr.arrays import Floats, Picture
from lpr.plate_crop import side_bands
from lpr.synth_drawing import font_file, jitter

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONTS = ("DejaVuSans-Bold.ttf", "DejaVuSansCondensed-Bold.ttf", "DejaVuSansMono-Bold.ttf", "DejaVuSans.ttf",
         "DejaVuSansCondensed.ttf", "HERSHEY_SIMPLEX", "HERSHEY_DUPLEX")  # HERSHEY_*: OpenCV's stroke faces
FONT_PACKAGE = "fonts-dejavu-core"
PLATE_MM = (520, 110)  # an EU plate's width and height
SCALE = 1  # rendered pixels per millimetre, before the camera's
PLATE_HEIGHTS = (16, 70)  # the plate's height in the camera's picture, pixels (log-uniform)
CROP_HEIGHTS = (48, 96)  # lpr.plate_crop.rectify's crop heights (MIN_HEIGHT, MAX_HEIGHT)
PAD_Y = 0.05  # lpr.pipeline.CROP_PAD


def font_path(name: str) -> Path:
    return font_file(FONT_DIR, name, FONT_PACKAGE)


@cache
def _face(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path(name)), size)


@cache
def _ink(text: str, font: str, size: int) -> Picture:
    """White-on-black text cropped to its ink."""
    if font.startswith("HERSHEY"):
        face_id = getattr(cv2, f"FONT_{font}")
        scale, thickness = size / 30, max(2, size // 12)
        (w, h), _ = cv2.getTextSize(text, face_id, scale, thickness)
        strokes = np.zeros((h + 2 * thickness + 4, w + 2 * thickness + 4), np.uint8)
        cv2.putText(strokes, text, (thickness + 2, h + thickness + 2), face_id, scale, (255,), thickness, cv2.LINE_AA)
        return _cropped(strokes)
    face = _face(font, size)
    left, top, right, bottom = (round(v) for v in face.getbbox(text))
    canvas = Image.new("L", (right - left + 4, bottom - top + 4), 0)
    ImageDraw.Draw(canvas).text((2 - left, 2 - top), text, fill=255, font=face)
    return _cropped(np.asarray(canvas))


def _cropped(ink: Picture) -> Picture:
    ys, xs = np.nonzero(ink > 40)
    if not len(ys):
        return ink
    return ink[ys.min():ys.max() + 1, xs.min():xs.max() + 1].copy()


def _blend(canvas: Picture, alpha: Picture, x: int, y: int, colour: tuple[int, int, int]) -> None:
    h, w = alpha.shape[:2]
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(canvas.shape[1], x + w), min(canvas.shape[0], y + h)
    if x1 <= x0 or y1 <= y0:
        return
    a = alpha[y0 - y:y1 - y, x0 - x:x1 - x].astype(np.float32)[..., None] / 255
    region = canvas[y0:y1, x0:x1].astype(np.float32)
    canvas[y0:y1, x0:x1] = (region * (1 - a) + np.array(colour, np.float32) * a).astype(np.uint8)


def render_plate(code: str, rng: Generator) -> Picture:
    """A clean EU plate (SCALE pixels a millimetre, BGR) in a dark rim on a car's colour: the band with its stars
    (sometimes none) and `code` ("" for none), then a few black characters on white paper."""
    pw, ph = PLATE_MM[0] * SCALE, PLATE_MM[1] * SCALE
    rim = int(rng.uniform(0, 8) * SCALE)
    margin = int(rng.uniform(15, 40) * SCALE)
    car = tuple(int(c) for c in rng.integers(20, 230, 3))
    canvas = np.full((ph + 2 * margin, pw + 2 * margin, 3), car, np.uint8)
    x, y = margin, margin
    cv2.rectangle(canvas, (x - rim, y - rim), (x + pw + rim, y + ph + rim), jitter((25, 25, 25), rng, 20), -1)
    cv2.rectangle(canvas, (x, y), (x + pw, y + ph), jitter((235, 235, 235), rng, 20), -1)
    bw = int(rng.uniform(38, 50) * SCALE)
    blue = jitter((200, 110, 30), rng, 45)
    cv2.rectangle(canvas, (x, y), (x + bw, y + ph), blue, -1)
    if rng.random() < 0.9:
        centre = (x + bw / 2, y + ph * rng.uniform(0.27, 0.35))
        radius = bw * rng.uniform(0.28, 0.36)
        star = max(1, round(bw * rng.uniform(0.03, 0.05)))
        yellow = jitter((20, 200, 240), rng, 30)
        if rng.random() < 0.15:  # a plain ring where the stars run together
            cv2.circle(canvas, (round(centre[0]), round(centre[1])), round(radius), yellow, star, cv2.LINE_AA)
        else:
            for k in range(12):
                angle = 2 * np.pi * k / 12
                cv2.circle(canvas, (round(centre[0] + radius * np.cos(angle)),
                                    round(centre[1] + radius * np.sin(angle))), star, yellow, -1, cv2.LINE_AA)
    if code:
        font = str(rng.choice(FONTS))
        ink = _ink(code, font, 120)
        if rng.random() < 0.4:  # bolder strokes (a heavier face, or a blurred one)
            ink = cast(Picture, cv2.dilate(ink, np.ones((3, 3), np.uint8), iterations=int(rng.integers(1, 4))))
        height = ph * rng.uniform(0.14, 0.24) * (1.0 if len(code) < 3 else 0.85)
        width = min(height * ink.shape[1] / ink.shape[0] * rng.uniform(0.85, 1.4), bw * 0.9)
        letters = cast(Picture, cv2.resize(ink, (max(2, round(width)), max(2, round(height))),
                                           interpolation=cv2.INTER_AREA))
        lx = x + round((bw - letters.shape[1]) / 2 + rng.uniform(-0.04, 0.04) * bw)
        ly = y + round(ph * rng.uniform(0.84, 0.93) - letters.shape[0])
        faded = (letters.astype(np.float32) * rng.uniform(0.6, 1.0)).astype(np.uint8)
        _blend(canvas, faded, lx, ly, jitter((245, 245, 245), rng, 15))
    cx = x + bw + int(rng.uniform(6, 14) * SCALE)
    for char in str(rng.choice(["AB123CD", "B1234", "RK456AB", "M AB 123", "1ABC234"])):
        if char == " ":
            cx += 20 * SCALE
            continue
        ink = _ink(char, FONTS[1], 120)
        glyph = cast(Picture, cv2.resize(ink, (40 * SCALE, 75 * SCALE), interpolation=cv2.INTER_AREA))
        _blend(canvas, glyph, cx, y + round(17.5 * SCALE), (20, 20, 20))
        cx += 45 * SCALE
        if cx > x + pw - 45 * SCALE:
            break
    return canvas[y - margin // 3: y + ph + margin // 3, x - margin // 2:]


def camera(plate: Picture, rng: Generator, height: float | None = None) -> Picture:
    """`plate` as a camera at `height` pixels of plate height (None: 16-70 at random) sees it (skew, blur,
    noise, JPEG), straightened back up to a crop as lpr.plate_crop.rectify makes it."""
    h, w = plate.shape[:2]
    shear = rng.uniform(-0.06, 0.06)
    angle = rng.uniform(-3, 3)
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    matrix[0, 1] += shear
    plate = cast(Picture, cv2.warpAffine(plate, matrix, (w, h), borderMode=cv2.BORDER_REPLICATE))
    target = float(np.exp(rng.uniform(*np.log(PLATE_HEIGHTS)))) if height is None else height
    factor = target / (PLATE_MM[1] * SCALE)
    small = cv2.resize(plate, (max(8, round(w * factor)), max(4, round(h * factor))), interpolation=cv2.INTER_AREA)
    out = small.astype(np.float32) * rng.uniform(0.5, 1.3) + rng.uniform(-30, 30)
    if rng.random() < 0.6:
        out = cast(Floats, cv2.GaussianBlur(out, (0, 0), rng.uniform(0.2, 0.8)))
    noisy = out + rng.normal(0, rng.uniform(0, 5), out.shape)
    small = np.clip(noisy, 0, 255).astype(np.uint8)
    ok, data = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(25, 95))])
    if ok:
        small = cast(Picture, cv2.imdecode(data, cv2.IMREAD_COLOR))
    crop_h = float(np.clip(target * (1 + 2 * PAD_Y), *CROP_HEIGHTS))
    up = crop_h / small.shape[0]
    return cast(Picture, cv2.resize(small, (max(8, round(small.shape[1] * up)), round(crop_h)),
                                    interpolation=cv2.INTER_LINEAR))


def band_sample(code: str, rng: Generator, height: float | None = None) -> Picture | None:
    """A synthetic flag band of `code` as lpr.plate_crop.side_bands cuts it from a crop of a plate `height`
    pixels high (None: 16-70 at random), or None when side_bands finds no band in the crop (as at run time: no
    band, no code to read)."""
    crop = camera(render_plate(code, rng), rng, height)
    left, _ = side_bands(crop)
    return crop[:, :left] if left else None
