"""Cheap motion detection: the share of pixels that differ from a slowly learnt background, on a
small grey copy of the frame. It gates the models (no motion, no detection) and drives the
channel's motionChanges state."""

from __future__ import annotations

import cv2
import numpy as np

from lpr.arrays import Floats, Picture

SIZE = (160, 90)  # width, height of the copy: enough for a car or a person, ~1 ms a frame
PIXEL_DELTA = 20  # grey levels a pixel must change by to count (sensor noise and compression stay under)
LEARN_RATE = 0.1  # how fast the background takes in what stopped moving


class MotionDetector:
    def __init__(self, threshold: float = 0.003) -> None:
        self.threshold = threshold
        self._background: Floats | None = None

    def changed_share(self, bgr: Picture) -> float:
        """Share of the picture (0-1) unlike the background; the background then learns the frame."""
        small = cv2.resize(bgr, SIZE, interpolation=cv2.INTER_AREA)
        grey = cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY), (5, 5), 0).astype(np.float32)
        if self._background is None or self._background.shape != grey.shape:
            self._background = grey
            return 0.0
        share = float((cv2.absdiff(grey, self._background) > PIXEL_DELTA).mean())
        cv2.accumulateWeighted(grey, self._background, LEARN_RATE)
        return share

    def update(self, bgr: Picture) -> bool:
        """Whether this frame shows motion."""
        return self.changed_share(bgr) > self.threshold
