"""Cutting a plate out of the frame as an upright rectangle: a perspective warp of its quadrilateral, with a
margin around it (a mask outline is a few pixels off at best, and the recogniser reads best with some
background around the characters)."""

from __future__ import annotations

from typing import cast

import cv2
import numpy as np
from numpy.typing import NDArray

from lpr.arrays import Floats, Picture
from lpr.geometry import quad_size

MAX_HEIGHT = 96  # the recogniser reads 48-pixel lines: more detail than twice that is wasted work
# A distant plate's crop is enlarged to at least the recogniser's line height: in a crop a dozen pixels high the
# character band's blobs run together and the marks beside the characters (a flag, a coat of arms) are not
# found, and the recogniser reads them as letters. EU photos at half size (plates 40-60 pixels wide): 77.8 ->
# 83.3 % exact (cubic interpolation instead of linear: 82.4 %, and fewer single video frames read).
MIN_HEIGHT = 48


def rectify(image: Picture, quad: Floats, pad_x: float = 0.04, pad_y: float = 0.10,
            max_height: int = MAX_HEIGHT, min_height: int = MIN_HEIGHT) -> Picture:
    """The plate inside `quad` (tl, tr, br, bl) warped to a rectangle, with `pad_x` of its width and `pad_y`
    of its height added on each side (taken from the picture around it, extended at the image border), at
    most max_height and at least min_height pixels high."""
    width, height = quad_size(quad)
    width, height = max(width, 4.0), max(height, 2.0)
    padded = height * (1 + 2 * pad_y)
    scale = min(1.0, max_height / padded) if padded >= min_height else min_height / padded
    w, h = width * scale, height * scale
    mx, my = pad_x * w, pad_y * h
    out_w, out_h = max(8, round(w + 2 * mx)), max(8, round(h + 2 * my))
    target = np.array([[mx, my], [mx + w, my], [mx + w, my + h], [mx, my + h]], np.float32)
    matrix = cv2.getPerspectiveTransform(quad.astype(np.float32), target)
    warped = cv2.warpPerspective(image, matrix, (out_w, out_h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return cast(Picture, warped)


# European plates carry a blue band at the left end (the EU stars and the country code) and in France, Italy
# and Portugal another at the right end (department, province or year, in small print). The recogniser reads
# that print as part of the number ("AB123CD75"), so a blue band at either end is cut off before reading.
BAND_MIN, BAND_MAX = 0.03, 0.2  # a band's width, as a share of the plate's
BAND_BLUE_SHARE = 0.5  # share of a column's pixels that are blue in a band
# share of the crop's width the plate's rim, its holder and what a loose outline takes in may fill before a band:
# a turned plate's outline (from its mask) can hold 5 to 10 % of the crop's width of car body or rim before it
BORDER = 0.1
PAPER_SATURATION = 60  # a plate's paper is unsaturated (HSV saturation, 0-255)...
PAPER_BRIGHTNESS = 0.75  # ...and at least this share as bright as the crop's brightest tenth
PAPER_SHARE = 0.5  # share of a column's pixels that are paper in a column of the plate's paper
MARGIN = 0.03  # share of the crop's width the plate's paper may take before its band (a white edge around it)


def trim_side_bands(crop: Picture) -> Picture:
    """The crop without a blue band at its left or right end (unchanged without one, or if the whole plate
    is blue)."""
    left, right = side_bands(crop)
    if not left and not right:
        return crop
    return crop[:, left:crop.shape[1] - right]


def side_bands(crop: Picture) -> tuple[int, int]:
    """The widths of the blue bands at the crop's left and right ends (0 where there is none)."""
    hsv = cv2.cvtColor(crop, cv2.COLOR_BGR2HSV_FULL)
    hue = hsv[:, :, 0].astype(np.float32) * (360 / 256)
    blue = (hue >= 190) & (hue <= 260) & (hsv[:, :, 1] > 90) & (hsv[:, :, 2] > 40)
    value = hsv[:, :, 2]
    paper = (hsv[:, :, 1] < PAPER_SATURATION) & (value >= PAPER_BRIGHTNESS * np.percentile(value, 90))
    columns = blue.mean(0) >= BAND_BLUE_SHARE
    papers = paper.mean(0) >= PAPER_SHARE
    return _band(columns, papers), _band(columns[::-1], papers[::-1])


def has_flag_band(crop: Picture) -> bool:
    """Whether the plate in the crop has a blue band at its left end: an EU plate's stars and country code (or
    the flag band of Korea's plates since 2019); never a North American plate."""
    return side_bands(crop)[0] > 0


def _band(columns: NDArray[np.bool_], papers: NDArray[np.bool_]) -> int:
    """The columns to cut from the start for a blue band there (0 for none): its blue columns BAND_MIN to BAND_MAX
    of the width, after at most BORDER of it (at least 4 columns) that is not blue, of which at most MARGIN paper.
    More paper before the blue is the plate itself: the blue is a character's (a navy first character), not a band
    at its end."""
    w = len(columns)
    start = paper = 0
    while start < min(w, max(4, round(BORDER * w))) and not columns[start]:
        paper += bool(papers[start])
        if paper > max(2, MARGIN * w):
            return 0
        start += 1
    end = start
    while end < w and columns[end]:
        end += 1
    return end + 1 if BAND_MIN * w <= end - start <= BAND_MAX * w else 0


def widen(quad: Floats, left: float, right: float) -> Floats:
    """The quadrilateral (tl, tr, br, bl) stretched along its top and bottom edges by `left` and `right` of
    its width."""
    tl, tr, br, bl = quad.astype(np.float32)
    return np.array([tl - left * (tr - tl), tr + right * (tr - tl), br + right * (br - bl), bl - left * (br - bl)],
                    np.float32)


def without_rules(ink: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """The ink without straight runs longer than any character is wide or tall (the plate's frame and its
    edges), which a character touching them would otherwise merge into."""
    rows = ink.shape[0]
    return without_lines(ink, rows, int(0.95 * rows))


def without_frame(ink: NDArray[np.uint8], slant: int = 5) -> NDArray[np.uint8]:
    """The ink without lines running across half the crop or more, level or a few pixels (`slant`) off it: a
    turned plate's frame, straightened from an outline a little off, runs at a slant that without_rules's
    straight runs miss, and the characters touching it merge with it into one blob wider than any character."""
    h, w = ink.shape
    return without_lines(ink, max(1, w // 2), max(1, h // 2), slant)


def without_lines(ink: NDArray[np.uint8], across: int, down: int, slant: int = 0) -> NDArray[np.uint8]:
    """The ink without level runs `across` pixels long or upright ones `down` pixels long, either up to `slant`
    pixels off straight."""
    def runs(length: tuple[int, int], thickened: tuple[int, int]) -> NDArray[np.uint8]:
        source = cv2.dilate(ink, cv2.getStructuringElement(cv2.MORPH_RECT, thickened)) if slant else ink
        return np.asarray(cv2.morphologyEx(source, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, length)))

    return cast(NDArray[np.uint8], ink & ~(runs((across, 1), (1, slant)) | runs((1, down), (slant, 1))))
