"""The plate's character line cut out of its crop, so small print above and below it is not read.

A North American plate is twice as wide as high: its number fills the middle half, with the state's name
above it, a slogan below and stickers in the corners; an older Brazilian plate has its city's name above the
number. Read whole, such a crop is several lines, and its number is squeezed into a few of the recogniser's
time steps (a 2:1 crop gives about 12 for 7 characters and the small print): characters run together and
are lost (`YFD9935` read `YD9935`, a double `YY` read once).

So a one-line read is made of the character band's line (lpr.char_band) alone, LINE_MARGIN band heights kept
above and below it, when that leaves at most LINE_KEEP of the crop's rows: only much small print is worth
cutting off (a few rows cut off a plate whose band fills most of it changed reads both ways, as the
recogniser's coin flips between O and D do). Not when the crop holds a second line of characters of a
comparable height (a two-line plate: an old Korean plate's upper line is about two thirds of the lower, a
motorcycle's lines are equal): at least two letter-like pieces of ink, not solid (a sticker is), at least
OTHER_LINE band heights high, above or below the band.
"""

from __future__ import annotations

from typing import cast

import cv2
import numpy as np
from numpy.typing import NDArray

from lpr.arrays import Picture
from lpr.char_band import MIN_WIDTH, Band, binarise
from lpr.plate_crop import without_rules

LINE_MARGIN = 0.35
LINE_KEEP = 0.75
OTHER_LINE = 0.6
SOLID = 0.7  # a piece of ink filling this share of its box is a sticker or a bolt, no character
PRINT_ROWS = 0.25  # band heights a strip of small print beside the line needs to be read (a state's name)
GAP = 0.1  # band heights between the band's line and the strips looked at for another line


def line_crop(crop: Picture, band: Band | None) -> Picture:
    """The rows of `crop` that hold the band's line, or the crop as it is (no band, a band that fills most of
    it, or a second line of characters)."""
    rows = _line_rows(crop, band)
    return crop if rows is None else crop[rows[0]:rows[1]]


def print_around(crop: Picture, band: Band | None) -> list[Picture]:
    """The small print line_crop cuts off: the strips above and below the band's line (a US plate's state name
    above its number, its slogan below) that are at least PRINT_ROWS band heights high; none where the line is
    the crop."""
    rows = _line_rows(crop, band)
    if rows is None or band is None:
        return []
    least = PRINT_ROWS * band.height
    return [strip for strip in (crop[:rows[0]], crop[rows[1]:]) if strip.shape[0] >= least]


def _line_rows(crop: Picture, band: Band | None) -> tuple[int, int] | None:
    """The first and the end row of the band's line in `crop`, or None where line_crop keeps the crop whole."""
    if band is None:
        return None
    ends = np.array([band.left, band.right], float)
    top = float((band.top[0] + band.top[1] * ends).min())
    base = float((band.base[0] + band.base[1] * ends).max())
    y0 = max(0, int(top - LINE_MARGIN * band.height))
    y1 = min(crop.shape[0], int(np.ceil(base + LINE_MARGIN * band.height)))
    if y1 - y0 > LINE_KEEP * crop.shape[0] or _another_line(crop, band, top, base):
        return None
    return y0, y1


def _another_line(crop: Picture, band: Band, top: float, base: float) -> bool:
    grey = cast(NDArray[np.uint8], cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY))
    ink = without_rules(binarise(grey, band.dark_ink))
    h = band.height
    above, below = ink[:max(0, int(top - GAP * h))], ink[int(base + GAP * h) + 1:]
    for strip in (above, below):
        if strip.shape[0] < OTHER_LINE * h:
            continue
        _, _, stats, _ = cv2.connectedComponentsWithStats(np.ascontiguousarray(strip), connectivity=8)
        letters = [1 for _, _, w, ph, area in stats[1:]
                   if ph >= OTHER_LINE * h and MIN_WIDTH * h <= w <= 2 * ph and area < SOLID * w * ph]
        if len(letters) >= 2:
            return True
    return False
