"""Two-line plates (motorcycles, older Korean and some US plates): finding the row between the lines."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from lpr.arrays import Picture
from lpr.plate_crop import without_frame, without_rules

# The two lines of a two-line plate have characters of comparable height (an old Korean plate's upper line is
# about two thirds of the lower). A line of much smaller print beside the number is a state name, a dealer's
# frame or a slogan, and reading it as part of the plate would add its letters to the number.
MIN_LINE_RATIO = 0.45


def split_lines(crop: Picture, band: tuple[float, float] = (0.3, 0.7)) -> tuple[Picture, Picture] | None:
    """(top line, bottom line) of a plate crop, cut at the row with the least ink inside `band` of its height;
    None if every row there crosses characters (one tall line), or if one side holds no characters of about
    the other side's height."""
    h = crop.shape[0]
    if h < 16:
        return None
    grey = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY) if crop.ndim == 3 else crop
    _, binary = cv2.threshold(grey, 0, 1, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    # ink is the minority tone (dark characters on a light plate, or the reverse)
    ink = binary if binary.mean() < 0.5 else 1 - binary
    w = ink.shape[1]
    rows = ink[:, int(0.05 * w):int(0.95 * w)].mean(1)
    rows = np.convolve(rows, np.ones(3) / 3, mode="same")
    lo, hi = int(band[0] * h), int(band[1] * h)
    cut = lo + int(rows[lo:hi].argmin())
    if rows[cut] > 0.5 * np.percentile(rows, 90):
        return None
    # (characters touching the plate's frame, or the dark car beyond a loose crop, merge with it into one blob
    # wider than any character: the frame's straight runs go first)
    chars = without_rules(without_frame(ink.astype(np.uint8)))
    top, bottom = char_height(chars[:cut]), char_height(chars[cut:])
    if min(top, bottom) < MIN_LINE_RATIO * max(top, bottom):
        return None
    margin = max(1, h // 20)
    return crop[:min(h, cut + margin)], crop[max(0, cut - margin):]


def char_height(ink: NDArray[np.number[Any]]) -> float:
    """The height of the tallest character-like ink blobs in a line (0 without any): of the blobs narrower
    than a third of the line, the second tallest (one taller blob may be a bolt or a sticker). Not a share of
    all blobs: a Hangul syllable falls apart into strokes, several for each digit beside it (충북88's two
    syllables in seven strokes, blurred apart on a plate turned 20 degrees, put its 80th percentile at 0.4 of
    the 8's height)."""
    if ink.size == 0:
        return 0.0
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    width = ink.shape[1]
    heights = sorted((int(s[cv2.CC_STAT_HEIGHT]) for s in stats[1:count]
                      if s[cv2.CC_STAT_WIDTH] < width / 3 and s[cv2.CC_STAT_HEIGHT] >= 3), reverse=True)
    if not heights:
        return 0.0
    return float(heights[min(1, len(heights) - 1)])
