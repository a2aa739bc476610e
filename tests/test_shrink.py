"""lpr.yolo.shrink: a detector's input brought down by whole-block averages, then linearly the rest of the way."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from lpr.yolo import shrink


def fine_detail(height: int, width: int) -> np.ndarray:
    """A BGR picture of stripes one to three pixels wide over a gradient: the detail a plain resize aliases."""
    y, x = np.mgrid[0:height, 0:width]
    stripes = ((x // (1 + (y // 40) % 3)) % 2) * 120 + ((y // 2) % 2) * 60
    gradient = (x * 60 // width + y * 40 // height)
    grey = (stripes + gradient).astype(np.uint8)
    return np.dstack([grey, np.roll(grey, 7, 1), 255 - grey])


def mean_difference(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


@pytest.mark.parametrize(("shape", "size"), [((1280, 1280), (448, 448)), ((1080, 1920), (448, 252)),
                                             ((720, 1280), (448, 252)), ((2160, 3840), (640, 360))])
def test_shrink_is_near_an_area_average_where_a_linear_resize_aliases(shape: tuple[int, int],
                                                                      size: tuple[int, int]):
    picture = fine_detail(*shape)
    area = cv2.resize(picture, size, interpolation=cv2.INTER_AREA)
    linear = cv2.resize(picture, size, interpolation=cv2.INTER_LINEAR)
    ours = shrink(picture, *size)
    assert ours.shape == area.shape and ours.dtype == np.uint8
    assert mean_difference(ours, area) < 0.5 * mean_difference(linear, area)


def test_sides_without_a_common_whole_factor_are_area_averaged_as_they_are():
    picture = fine_detail(719, 1280)  # 719 is prime: no whole factor divides both sides
    assert np.array_equal(shrink(picture, 448, 252), cv2.resize(picture, (448, 252), interpolation=cv2.INTER_AREA))
