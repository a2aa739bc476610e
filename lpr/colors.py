"""Colour names from a picture crop: the clothes of a person, the body of a vehicle.

Each pixel is named from its hue, saturation and value; the crop's colours are the names that cover the largest
shares of its pixels. The names are TS-API's: brown, black, red, orange, yellow, green, cyan, blue, purple,
magenta, gray, pink, beige, white, other.
"""

from __future__ import annotations

from typing import cast

import cv2
import numpy as np
from numpy.typing import NDArray

from lpr.arrays import Floats, Picture

NAMES = ("brown", "black", "red", "orange", "yellow", "green", "cyan", "blue", "purple", "magenta", "gray",
         "pink", "beige", "white", "other")
_INDEX = {name: i for i, name in enumerate(NAMES)}
# hue ranges in degrees for saturated colours, (start, end, name)
_HUES = ((0, 15, "red"), (15, 40, "orange"), (40, 70, "yellow"), (70, 165, "green"), (165, 195, "cyan"),
         (195, 255, "blue"), (255, 285, "purple"), (285, 320, "magenta"), (320, 345, "pink"), (345, 361, "red"))
SAMPLE = 48  # crops are reduced to at most SAMPLE x SAMPLE pixels first: plenty for a colour


def pixel_names(bgr: Picture) -> NDArray[np.int64]:
    """An index into NAMES for every pixel of a BGR picture."""
    hsv = cv2.cvtColor(bgr, cv2.COLOR_BGR2HSV_FULL).reshape(-1, 3).astype(np.float32)
    hue = hsv[:, 0] * (360 / 256)
    sat = hsv[:, 1] / 255
    val = hsv[:, 2] / 255
    out = np.full(len(hsv), _INDEX["other"], np.int64)
    for start, end, name in _HUES:
        out[(hue >= start) & (hue < end)] = _INDEX[name]
    warm = (hue < 50) | (hue >= 345)
    # light, weakly saturated reds are pink; dark oranges and reds are brown; pale warm tones are beige
    out[((hue < 15) | (hue >= 320)) & (sat < 0.55) & (val > 0.7)] = _INDEX["pink"]
    out[warm & (val < 0.55) & (sat >= 0.35) & (hue >= 8) & (hue < 50)] = _INDEX["brown"]
    out[warm & (sat >= 0.15) & (sat < 0.4) & (val >= 0.65) & (hue >= 20)] = _INDEX["beige"]
    grey = sat < 0.15
    out[grey] = _INDEX["gray"]
    out[grey & (val > 0.8)] = _INDEX["white"]
    out[(val < 0.2) | (grey & (val < 0.3))] = _INDEX["black"]
    return out


def color_shares(bgr: Picture) -> list[tuple[str, float]]:
    """(name, share of pixels) for the colours of a crop, largest first."""
    if bgr.size == 0:
        return []
    h, w = bgr.shape[:2]
    if max(h, w) > SAMPLE:
        scale = SAMPLE / max(h, w)
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        bgr = cast(Picture, cv2.resize(bgr, size, interpolation=cv2.INTER_AREA))
    counts = np.bincount(pixel_names(bgr), minlength=len(NAMES))
    total = counts.sum()
    return [(NAMES[i], float(counts[i] / total)) for i in np.argsort(-counts) if counts[i]]


def dominant_colors(bgr: Picture, max_colors: int = 2, min_share: float = 0.25) -> list[str]:
    """The colour names covering at least `min_share` of the crop (at least one name, at most `max_colors`)."""
    shares = color_shares(bgr)
    if not shares:
        return []
    names = [name for name, share in shares[:max_colors] if share >= min_share]
    return names or [shares[0][0]]


def _region(image: Picture, box: Floats, top: float, bottom: float, side: float) -> Picture:
    """Part of a box: rows from `top` to `bottom` (shares of its height), `side` of its width cut off each side."""
    x0, y0, x1, y1 = (float(v) for v in box)
    w, h = x1 - x0, y1 - y0
    ys, ye = int(round(y0 + top * h)), int(round(y0 + bottom * h))
    xs, xe = int(round(x0 + side * w)), int(round(x1 - side * w))
    ih, iw = image.shape[:2]
    return image[max(0, ys):min(ih, ye), max(0, xs):min(iw, xe)]


def person_colors(image: Picture, box: Floats) -> tuple[list[str], list[str]]:
    """(upper clothes, lower clothes) colours of a person standing in `box`."""
    upper = _region(image, box, 0.2, 0.5, 0.25)  # below the head, the torso without the arms' edges
    lower = _region(image, box, 0.55, 0.9, 0.25)  # legs, above the shoes
    return dominant_colors(upper), dominant_colors(lower)


def vehicle_colors(image: Picture, box: Floats) -> list[str]:
    """Body colour of a vehicle in `box`: its middle band (below the windows, above the wheels and road)."""
    return dominant_colors(_region(image, box, 0.35, 0.75, 0.12), max_colors=1)
