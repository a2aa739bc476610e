"""Synthetic Korean plates: the training set of the Hangul plate recogniser, and the photos its tests and the
bench read.

    plate = render_plate("12가3456", "white", rng)             # a clean plate, BGR
    for line, text in training_line(rng): ...                  # a plate's text lines as the reader sees them
    for photo, text, box in test_photos(20, seed=7): ...       # plates on procedurally drawn cars, 1280x720

Plates are drawn glyph by glyph with the Nanum fonts (Debian's fonts-nanum), squeezed into the narrow boxes
of a plate's lettering: the current white plates (`12가3456`, `123가4567` since 2019, with or without the
EU-style blue band) and the older regional two-line plates (`서울12가3456`: the region and two digits above,
the syllable and four digits below; green private, yellow commercial). Only the syllables and region names
Korean plates really carry are used. The fonts are only needed here (training, tests, bench): the reader
itself never draws.
"""

from __future__ import annotations

import string
from functools import cache
from pathlib import Path
from typing import cast

import cv2
import numpy as np
from numpy.random import Generator
from PIL import Image, ImageDraw, ImageFont

from lpr.arrays import Floats, Picture
from lpr.charset import KOREAN_REGIONS as REGIONS
from lpr.plate_crop import rectify, trim_side_bands
from lpr.synth_drawing import font_file, jitter
from lpr.two_line import split_lines

FONT_DIR = Path("/usr/share/fonts/truetype/nanum")
FONTS = ("NanumGothicBold.ttf", "NanumSquareB.ttf", "NanumBarunGothicBold.ttf", "NanumSquareRoundB.ttf",
         "NanumGothicCodingBold.ttf")
FONT_PACKAGE = "fonts-nanum"

PRIVATE = "가나다라마거너더러머버서어저고노도로모보소오조구누두루무부수우주"
COMMERCIAL = "바사아자"
RENTAL = "하허호"
TRANSIT = "배"  # taxis and buses
SYLLABLES = PRIVATE + COMMERCIAL + RENTAL + TRANSIT
REGION_SYLLABLES = "".join(sorted({c for r in REGIONS for c in r}))
# The recogniser's dictionary: what a plate may hold, Latin included so a foreign plate is not forced into Hangul
DICTIONARY = list(string.digits + string.ascii_uppercase) + sorted(set(SYLLABLES + REGION_SYLLABLES))

# style -> (plate width, height in mm, background BGR, lettering BGR, lines)
STYLES: dict[str, tuple[int, int, tuple[int, int, int], tuple[int, int, int], int]] = {
    "white": (520, 110, (242, 244, 244), (25, 25, 25), 1),
    "white-eu": (520, 110, (242, 244, 244), (25, 25, 25), 1),
    "green": (520, 110, (70, 125, 35), (245, 245, 245), 1),
    "yellow": (520, 110, (40, 190, 245), (60, 35, 25), 1),
    "green-2line": (335, 170, (70, 125, 35), (245, 245, 245), 2),
    "yellow-2line": (335, 170, (40, 190, 245), (60, 35, 25), 2),
}
# Photo conditions of test_photos and the bench
CONDITIONS = ("clean", "blurred", "tilted", "low-res")


def font_path(name: str) -> Path:
    return font_file(FONT_DIR, name, FONT_PACKAGE)


def fonts() -> list[str]:
    return [name for name in FONTS if (FONT_DIR / name).is_file()] or [font_path(FONTS[0]).name]


@cache
def glyph(font: str, char: str) -> Picture:
    """The ink of one character (0-255, cropped to its bounding box)."""
    face = ImageFont.truetype(str(font_path(font)), 120)
    canvas = Image.new("L", (200, 200), 0)
    ImageDraw.Draw(canvas).text((30, 20), char, fill=255, font=face)
    ink = np.asarray(canvas)
    ys, xs = np.nonzero(ink > 40)
    return cast(Picture, ink[ys.min():ys.max() + 1, xs.min():xs.max() + 1].copy())


def random_text(style: str, rng: Generator) -> str:
    """A plate number a plate of `style` would carry."""
    def digits(n: int) -> str:
        return "".join(str(d) for d in rng.integers(0, 10, n))

    if style in ("green-2line", "yellow-2line", "yellow"):
        syllables = PRIVATE if style == "green-2line" else COMMERCIAL + TRANSIT
        return str(rng.choice(REGIONS)) + digits(2) + str(rng.choice(list(syllables))) + digits(4)
    if style == "green":
        return digits(2) + str(rng.choice(list(PRIVATE))) + digits(4)
    pool = PRIVATE if rng.random() < 0.8 else RENTAL + TRANSIT + COMMERCIAL
    lead = 3 if style == "white-eu" or rng.random() < 0.5 else 2
    return digits(lead) + str(rng.choice(list(pool))) + digits(4)


def split_text(text: str) -> tuple[str, str]:
    """A regional plate's (top line, bottom line): `서울12가3456` -> (`서울12`, `가3456`)."""
    cut = next(i for i in range(2, len(text)) if not text[i].isdigit())
    return text[:cut], text[cut:]


def _paste(canvas: Picture, char: str, font: str, x: float, y: float, w: float, h: float,
           colour: tuple[int, int, int]) -> None:
    ink = glyph(font, char)
    x0, y0, x1, y1 = round(x), round(y), round(x + w), round(y + h)
    x0, y0 = max(0, x0), max(0, y0)
    x1, y1 = min(canvas.shape[1], x1), min(canvas.shape[0], y1)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return
    alpha = cv2.resize(ink, (x1 - x0, y1 - y0), interpolation=cv2.INTER_AREA).astype(np.float32)[..., None] / 255
    region = canvas[y0:y1, x0:x1].astype(np.float32)
    canvas[y0:y1, x0:x1] = (region * (1 - alpha) + np.array(colour, np.float32) * alpha).astype(np.uint8)


def _line(canvas: Picture, chars: list[tuple[str, float, float]], font: str, y: float, h: float,
          left: float, right: float, gap: float, colour: tuple[int, int, int]) -> None:
    """Characters (char, width, height share) centred between `left` and `right`, bottoms aligned at y + h."""
    total = sum(w for _, w, _ in chars) + gap * (len(chars) - 1)
    scale = min(1.0, (right - left) / total)
    x = left + ((right - left) - total * scale) / 2
    for char, w, share in chars:
        ch = h * share
        _paste(canvas, char, font, x, y + h - ch, w * scale, ch, colour)
        x += (w + gap) * scale


def render_plate(text: str, style: str, rng: Generator) -> Picture:
    """A clean plate of `style` (see STYLES) carrying `text`, about 1 pixel per millimetre, BGR."""
    width, height, background, ink, lines = STYLES[style]
    background, ink = jitter(background, rng, 18), jitter(ink, rng, 18)
    plate = np.empty((height, width, 3), np.uint8)
    plate[:] = background
    font = str(rng.choice(fonts()))
    border = jitter((40, 40, 40) if style.startswith("white") else ink, rng, 20)
    if rng.random() < 0.7 or lines == 2:
        cv2.rectangle(plate, (3, 3), (width - 4, height - 4), border, int(rng.integers(1, 4)))
    left, right = width * rng.uniform(0.03, 0.06), width * (1 - rng.uniform(0.03, 0.06))
    if style == "white-eu":
        band = int(width * rng.uniform(0.07, 0.085))
        plate[:, :band] = jitter((150, 60, 0), rng, 15)
        centre = (band // 2, int(height * 0.38))
        cv2.circle(plate, centre, max(4, band // 4), (40, 40, 200), -1)
        cv2.ellipse(plate, centre, (max(4, band // 4),) * 2, 0, 0, 180, (160, 60, 20), -1)
        cv2.putText(plate, "KOR", (int(band * 0.1), int(height * 0.82)), cv2.FONT_HERSHEY_SIMPLEX,
                    band / 60, (255, 255, 255), 1, cv2.LINE_AA)
        left = band + width * rng.uniform(0.02, 0.04)
    if lines == 1:
        h = height * rng.uniform(0.68, 0.8)
        digit = h * rng.uniform(0.46, 0.56)
        spaced = rng.random() < 0.5
        chars = []
        for c in text:
            if c.isdigit():
                chars.append((c, digit, 1.0))
            elif text.index(c) < 2 and not text[0].isdigit():  # a region name on a one-line commercial plate
                chars.append((c, digit * 1.1, 0.75))
            else:
                chars.append((c, digit * rng.uniform(1.2, 1.5), rng.uniform(0.85, 1.0)))
        if spaced:  # some plates leave room around the syllable
            chars = [(c, w * (1.2 if not c.isdigit() else 1.0), s) for c, w, s in chars]
        _line(plate, chars, font, (height - h) / 2 + rng.uniform(-0.03, 0.03) * height, h, left, right,
              digit * rng.uniform(0.08, 0.2), ink)
    else:
        top_text, bottom_text = split_text(text)
        top_h = height * rng.uniform(0.26, 0.32)
        top_y = height * rng.uniform(0.06, 0.1)
        top = [(c, top_h * (0.9 if not c.isdigit() else 0.6), 1.0) for c in top_text]
        _line(plate, top, font, top_y, top_h, width * 0.2, width * 0.8, top_h * 0.12, ink)
        bottom_h = height * rng.uniform(0.46, 0.52)
        bottom_y = top_y + top_h + height * rng.uniform(0.05, 0.09)
        syllable_share = rng.uniform(0.55, 0.75)
        bottom = [(c, bottom_h * (0.55 if c.isdigit() else 0.8 * syllable_share), 1.0 if c.isdigit()
                   else syllable_share) for c in bottom_text]
        _line(plate, bottom, font, bottom_y, bottom_h, left, right, bottom_h * 0.08, ink)
    if rng.random() < 0.5:  # bolts
        for x in (0.12, 0.88) if lines == 1 else (0.1, 0.9):
            cv2.circle(plate, (int(width * x), int(height * (0.5 if lines == 1 else 0.2))),
                       max(2, height // 30), jitter((150, 150, 150), rng, 40), -1)
    return plate


def latin_text(rng: Generator) -> str:
    """A foreign plate number (so the recogniser keeps reading Latin plates as Latin)."""
    pattern = str(rng.choice(["LLLNNNN", "LLNNNLL", "LLNNLLL", "NNNNLLL", "LNNLLL", "LLLNLNN", "LLNNNNN"]))
    return "".join(str(rng.choice(list(string.ascii_uppercase))) if p == "L" else str(rng.integers(0, 10))
                   for p in pattern)


def render_latin(text: str, rng: Generator) -> Picture:
    """A one-line plate with Latin lettering, white or yellow."""
    style = "white" if rng.random() < 0.75 else "yellow"
    width, height, background, ink, _ = STYLES[style]
    plate = np.empty((height, width, 3), np.uint8)
    plate[:] = jitter(background, rng, 18)
    cv2.rectangle(plate, (3, 3), (width - 4, height - 4), jitter((40, 40, 40), rng, 20), 2)
    h = height * rng.uniform(0.6, 0.78)
    chars = [(c, h * rng.uniform(0.5, 0.6), 1.0) for c in text]
    _line(plate, chars, str(rng.choice(fonts())), (height - h) / 2, h, width * 0.05, width * 0.95, h * 0.1,
          jitter(ink, rng, 18))
    return plate


# -- degradations --------------------------------------------------------------------------------------------

def degrade(image: Picture, rng: Generator, blur: float = 0.0, noise: float = 0.0,
            jpeg: int = 0, light: float = 1.0) -> Picture:
    """Camera effects: Gaussian blur (sigma in pixels), sensor noise (sigma, 0-255), lighting (gain) with an
    uneven gradient, JPEG compression (quality; 0: none)."""
    out = image.astype(np.float32)
    h, w = out.shape[:2]
    if light != 1.0 or rng.random() < 0.5:
        ramp = np.linspace(rng.uniform(0.75, 1.0), rng.uniform(0.75, 1.0), w, dtype=np.float32)
        out = out * light * (ramp[None, :, None] if rng.random() < 0.5 else 1.0)
    if blur > 0:
        out = cast(Floats, cv2.GaussianBlur(out, (0, 0), blur))
    if noise > 0:
        out = out + rng.normal(0, noise, out.shape).astype(np.float32)
    result = np.clip(out, 0, 255).astype(np.uint8)
    if jpeg:
        ok, data = cv2.imencode(".jpg", result, [cv2.IMWRITE_JPEG_QUALITY, jpeg])
        if ok:
            result = cast(Picture, cv2.imdecode(data, cv2.IMREAD_COLOR))
    return result


def _tilted_quad(width: float, height: float, rng: Generator, tilt: float) -> Floats:
    """A plate's corners after an in-plane rotation and a perspective skew, `tilt` scaling both (0: flat)."""
    angle = np.deg2rad(rng.uniform(-12, 12) * tilt)
    corners = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)
    corners -= [width / 2, height / 2]
    # perspective: one side nearer the camera than the other
    yaw = rng.uniform(-0.25, 0.25) * tilt
    corners[:, 1] *= 1 + yaw * np.sign(corners[:, 0])
    shear = rng.uniform(-0.15, 0.15) * tilt
    corners[:, 0] += shear * corners[:, 1]
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]], np.float32)
    return cast(Floats, (corners @ rotation.T).astype(np.float32))


def _warp_into(picture: Picture, plate: Picture, quad: Floats) -> None:
    """Draws `plate` onto `picture` at the corners `quad` (in place)."""
    h, w = plate.shape[:2]
    source = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    matrix = cv2.getPerspectiveTransform(source, quad.astype(np.float32))
    size = (picture.shape[1], picture.shape[0])
    warped = cv2.warpPerspective(plate, matrix, size, flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.full((h, w), 255, np.uint8), matrix, size, flags=cv2.INTER_LINEAR)
    alpha = mask.astype(np.float32)[..., None] / 255
    picture[:] = (picture * (1 - alpha) + warped * alpha).astype(np.uint8)


# -- training lines ------------------------------------------------------------------------------------------

def random_plate(rng: Generator) -> tuple[Picture, str, str]:
    """(plate, text, style) with styles weighted as on the road today (style `latin`: a foreign plate)."""
    if rng.random() < 0.12:
        text = latin_text(rng)
        return render_latin(text, rng), text, "latin"
    style = str(rng.choice(list(STYLES), p=[0.34, 0.16, 0.08, 0.06, 0.2, 0.16]))
    text = random_text(style, rng)
    return render_plate(text, style, rng), text, style


def training_line(rng: Generator) -> list[tuple[Picture, str]]:
    """A random plate as the engine reads it: placed slightly tilted in a background patch, camera-degraded,
    cut out from a jittered outline as lpr.pipeline cuts a detection (rectify, side bands trimmed); a two-line
    plate is split by lpr.two_line as at run time and gives its two lines. [(line picture, text)]."""
    plate, text, style = random_plate(rng)
    h, w = plate.shape[:2]
    # plate size in the picture, in pixels: from barely legible to close up
    target_w = float(np.exp(rng.uniform(np.log(64), np.log(360))))
    scale = target_w / w
    tilt = rng.uniform(0, 1) ** 2
    quad = _tilted_quad(w * scale, h * scale, rng, tilt)
    margin = 0.5 * max(w, h) * scale
    patch_w = int(np.ptp(quad[:, 0]) + 2 * margin)
    patch_h = int(np.ptp(quad[:, 1]) + 2 * margin)
    quad = quad - quad.min(0) + margin
    patch = np.empty((patch_h, patch_w, 3), np.uint8)
    patch[:] = rng.integers(0, 256, 3)
    if rng.random() < 0.5:
        patch[:] = np.clip(patch.astype(np.int16) + rng.normal(0, 12, patch.shape), 0, 255).astype(np.uint8)
    _warp_into(patch, plate, quad)
    patch = degrade(patch, rng, blur=float(rng.uniform(0, 1.4) if rng.random() < 0.6 else 0.0),
                    noise=float(rng.uniform(0, 9)), jpeg=int(rng.integers(30, 95)) if rng.random() < 0.6 else 0,
                    light=float(rng.uniform(0.5, 1.3)))
    # the detector's outline: the exact quad, or its upright bounding box, off by a few per cent
    size = np.array([np.ptp(quad[:, 0]), np.ptp(quad[:, 1])], np.float32)
    if rng.random() < 0.5:
        x0, y0 = quad.min(0)
        x1, y1 = quad.max(0)
        outline = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32)
    else:
        outline = quad.copy()
    outline += rng.normal(0, 0.025, outline.shape).astype(np.float32) * size
    crop = trim_side_bands(rectify(patch, outline, 0.0, 0.05))
    if STYLES.get(style, (0, 0, 0, 0, 1))[4] == 1:
        return [(crop, text)]
    top_text, bottom_text = split_text(text)
    split = split_lines(crop)
    if split is None:
        cut = int(crop.shape[0] * rng.uniform(0.36, 0.44))
        split = crop[:cut + 2], crop[max(0, cut - 2):]
    return [(split[0], top_text), (split[1], bottom_text)]


# -- test photos ---------------------------------------------------------------------------------------------

CAR_COLOURS = ((235, 235, 235), (190, 190, 185), (120, 120, 120), (30, 30, 30), (90, 40, 20), (30, 30, 170))


def _shade(picture: Picture, polygon: Floats, colour: tuple[int, int, int], top: float, bottom: float) -> None:
    """Fills `polygon` with `colour`, lit from above: `top` and `bottom` are the gains at its top and bottom."""
    mask = np.zeros(picture.shape[:2], np.uint8)
    cv2.fillPoly(mask, [polygon.astype(np.int32)], (255,), cv2.LINE_AA)
    y0, y1 = int(polygon[:, 1].min()), int(polygon[:, 1].max()) + 1
    gain = np.ones(picture.shape[0], np.float32)
    gain[y0:y1] = np.linspace(top, bottom, max(1, y1 - y0), dtype=np.float32)
    fill = np.clip(np.array(colour, np.float32)[None, None, :] * gain[:, None, None], 0, 255)
    alpha = mask.astype(np.float32)[..., None] / 255
    picture[:] = (picture * (1 - alpha) + fill * alpha).astype(np.uint8)


def _scene(rng: Generator, size: tuple[int, int]) -> tuple[Picture, tuple[float, float, float]]:
    """A street with the rear of a car: (picture, (plate centre x, plate centre y, car width))."""
    width, height = size
    picture = np.empty((height, width, 3), np.uint8)
    horizon = int(height * rng.uniform(0.25, 0.45))
    sky = np.linspace(rng.uniform(150, 230), rng.uniform(90, 160), horizon)[:, None, None]
    picture[:horizon] = np.clip(sky * np.array([1.0, 0.95, 0.85]), 0, 255).astype(np.uint8)
    for x in np.linspace(0, width, int(rng.integers(3, 7))):  # buildings on the horizon
        roof = int(horizon * rng.uniform(0.2, 0.8))
        cv2.rectangle(picture, (int(x), roof), (int(x + width * 0.15), horizon), rng.integers(40, 200, 3).tolist(), -1)
    road = rng.uniform(60, 120)
    picture[horizon:] = np.clip(road + rng.normal(0, 10, (height - horizon, width, 1)), 0, 255).astype(np.uint8)
    for x in np.linspace(-width * 0.2, width * 1.2, 4):  # lane marks running to the horizon
        far = width / 2 + (x - width / 2) * 0.3
        cv2.line(picture, (int(far), horizon), (int(x), height), (200, 200, 200), 3, cv2.LINE_AA)
    car_w = width * rng.uniform(0.5, 0.9)
    cx = width * rng.uniform(0.4, 0.6)
    top, bottom = height * rng.uniform(0.12, 0.25), height * rng.uniform(0.86, 0.96)
    tall = bottom - top
    body = jitter(CAR_COLOURS[int(rng.integers(len(CAR_COLOURS)))], rng, 12)
    left, right = cx - car_w / 2, cx + car_w / 2
    shoulder = top + tall * rng.uniform(0.38, 0.45)
    # shadow on the road, tyres, then the body: roof and cabin narrower than the boot and bumper
    cv2.ellipse(picture, (int(cx), int(bottom)), (int(car_w * 0.56), int(tall * 0.06)), 0, 0, 360, (25, 25, 25), -1)
    for wx in (left + car_w * 0.04, right - car_w * 0.16):
        tyre = (int(wx), int(bottom - tall * 0.12)), (int(wx + car_w * 0.12), int(bottom + tall * 0.03))
        cv2.rectangle(picture, *tyre, (18, 18, 18), -1)
    cabin = np.array([[left + car_w * 0.12, top], [right - car_w * 0.12, top], [right - car_w * 0.02, shoulder],
                      [left + car_w * 0.02, shoulder]], np.float32)
    _shade(picture, cabin, body, 1.1, 0.95)
    glass = cabin + np.array([[car_w * 0.03, tall * 0.03], [-car_w * 0.03, tall * 0.03], [-car_w * 0.04, -tall * 0.02],
                              [car_w * 0.04, -tall * 0.02]], np.float32)
    _shade(picture, glass, (75, 65, 55), 1.3, 0.6)
    boot = np.array([[left, shoulder], [right, shoulder], [right - car_w * 0.01, bottom - tall * 0.04],
                     [left + car_w * 0.01, bottom - tall * 0.04]], np.float32)
    _shade(picture, boot, body, 1.15, 0.75)
    cv2.line(picture, (int(left), int(shoulder)), (int(right), int(shoulder)),
             tuple(int(min(255, c * 1.3 + 20)) for c in body), 2, cv2.LINE_AA)  # the light catches the edge
    lamp_y = shoulder + tall * 0.05
    for lx in (left + car_w * 0.02, right - car_w * 0.18):
        lamp = np.array([[lx, lamp_y], [lx + car_w * 0.16, lamp_y], [lx + car_w * 0.16, lamp_y + tall * 0.1],
                         [lx, lamp_y + tall * 0.1]], np.float32)
        _shade(picture, lamp, (40, 40, 200), 1.2, 0.7)
    bumper_y = bottom - tall * rng.uniform(0.2, 0.26)
    bumper = np.array([[left, bumper_y], [right, bumper_y], [right, bottom - tall * 0.04],
                       [left, bottom - tall * 0.04]], np.float32)
    _shade(picture, bumper, jitter(body, rng, 25), 0.95, 0.6)
    plate_y = bumper_y - tall * rng.uniform(0.08, 0.14)
    picture[horizon:] = np.clip(picture[horizon:].astype(np.int16)
                                + rng.normal(0, 3, picture[horizon:].shape).astype(np.int16), 0, 255).astype(np.uint8)
    picture[:] = cv2.GaussianBlur(picture, (0, 0), 0.8)
    return picture, (cx, plate_y, car_w)


def test_photo(text: str, style: str, condition: str, rng: Generator,
               size: tuple[int, int] = (1280, 720)) -> tuple[Picture, tuple[int, int, int, int]]:
    """One plate on a drawn car in a `size` picture, seen as `condition` (CONDITIONS) describes:
    (picture, plate box x, y, w, h)."""
    plate = render_plate(text, style, rng)
    picture, (cx, cy, car_w) = _scene(rng, size)
    h, w = plate.shape[:2]
    share = 0.3 if STYLES[style][4] == 1 else 0.24  # a plate's width on a car's rear
    plate_w = car_w * share * rng.uniform(0.85, 1.15)
    tilt = rng.uniform(0.8, 1.0) if condition == "tilted" else rng.uniform(0, 0.15)
    quad = _tilted_quad(plate_w, plate_w * h / w, rng, tilt) + np.array([cx, cy], np.float32)
    # the plate sits in a dark holder, a little larger than the plate, and casts a shadow into it
    centre = quad.mean(0)
    holder = (quad - centre) * np.array([1.07, 1.2], np.float32) + centre
    cv2.fillConvexPoly(picture, holder.astype(np.int32), jitter((35, 35, 35), rng, 20), cv2.LINE_AA)
    _warp_into(picture, plate, quad)
    blur = rng.uniform(1.6, 2.4) if condition == "blurred" else rng.uniform(0, 0.6)
    picture = degrade(picture, rng, blur=blur, noise=float(rng.uniform(2, 6)), jpeg=int(rng.integers(60, 92)),
                      light=float(rng.uniform(0.7, 1.2)))
    if condition == "low-res":  # a small, far plate: the whole picture taken at a quarter of the pixels
        factor = rng.uniform(0.3, 0.4)
        small = cv2.resize(picture, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
        picture = cast(Picture, cv2.resize(small, size, interpolation=cv2.INTER_LINEAR))
    x0, y0 = quad.min(0)
    x1, y1 = quad.max(0)
    return picture, (int(x0), int(y0), int(round(x1 - x0)), int(round(y1 - y0)))


def test_photos(count: int, seed: int, condition: str | None = None) -> list[tuple[Picture, str,
                                                                                  tuple[int, int, int, int]]]:
    """`count` photos of Korean plates on cars: (BGR picture, plate text, plate box x, y, w, h). Styles and
    conditions take turns (or all photos are of `condition`)."""
    rng = np.random.default_rng(seed)
    styles = list(STYLES)
    out = []
    for i in range(count):
        style = styles[i % len(styles)]
        text = random_text(style, rng)
        picture, box = test_photo(text, style, condition or test_condition(i), rng)
        out.append((picture, text, box))
    return out


def test_condition(index: int) -> str:
    """The condition of test_photos' photo `index` when conditions take turns."""
    return CONDITIONS[(index // len(STYLES)) % len(CONDITIONS)]
