"""An underexposed picture brightened before the plate detector and the recogniser see it: a plate in a dark
picture (dusk, a shadowed car park, a camera's exposure set for the bright sky) is a few grey levels of ink on a
few more of paper, which the plate detector does not find. Stretched to the picture's own range of levels, its
middle tones lifted by a gamma, the same plate is found and read (scripts/bench/lpr.py --sizes dark). A picture
that is not dark is left as it is; telling costs under a millisecond for a 1080p frame.
"""

from __future__ import annotations

from typing import cast

import cv2
import numpy as np

from lpr.arrays import Picture

CLIP = 0.005  # share of the pixels at each end of the levels let go (specks, a lamp, the sky) when stretching
TARGET = 0.45  # where the picture's median grey level lands, as a share of white
DARK = 0.22  # a picture whose median grey level is below this share of white is underexposed (brightened, its
# middle tones come out at least twice as bright); brighter pictures are seen as they are
MIN_GAMMA = 0.3  # the strongest lift of the middle tones (stronger: the noise of the darkest levels shows)
MIN_SPAN = 16  # grey levels: the narrowest range stretched to the whole (narrower: a blank picture's noise)
SAMPLE = 4  # the levels are counted on every SAMPLE-th pixel of every SAMPLE-th row


def brightened(image: Picture) -> Picture | None:
    """The picture with its grey levels between the CLIP-th darkest and brightest stretched to black and white
    and its median lifted to TARGET (one lookup table for the three channels, so colours keep their hue); None
    when it is not underexposed (DARK)."""
    sample = np.ascontiguousarray(image[::SAMPLE, ::SAMPLE])  # the levels' shares barely move; the cost does
    grey = cv2.cvtColor(sample, cv2.COLOR_BGR2GRAY) if sample.ndim == 3 else sample
    counts = cv2.calcHist([grey], [0], None, [256], [0, 256]).ravel()
    share = np.cumsum(counts) / max(float(counts.sum()), 1.0)
    middle = int(np.searchsorted(share, 0.5))
    if middle >= DARK * 255:
        return None
    lo = int(np.searchsorted(share, CLIP))
    hi = max(int(np.searchsorted(share, 1 - CLIP)), lo + MIN_SPAN)
    median = (middle - lo) / (hi - lo)
    gamma = float(np.clip(np.log(TARGET) / np.log(median), MIN_GAMMA, 1.0)) if 0 < median < TARGET else 1.0
    levels = np.clip((np.arange(256, dtype=np.float32) - lo) / (hi - lo), 0.0, 1.0)
    table = np.round(255 * levels ** gamma).astype(np.uint8)
    return cast(Picture, cv2.LUT(image, table))
