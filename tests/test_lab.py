"""lpr.lab: CIE Lab's colour plane in numpy, as OpenCV's COLOR_BGR2Lab makes it (whose float conversion builds a
table of about 90 ms on its first call, which the first photo of every `tsnvr lpr read` paid)."""

from __future__ import annotations

import cv2
import numpy as np

from lpr.lab import lab_ab


def test_the_colour_plane_is_opencvs_to_within_a_unit():
    colours = np.random.default_rng(7).random((4000, 3)) * 255
    want = cv2.cvtColor((colours[None] / 255).astype(np.float32), cv2.COLOR_BGR2LAB)[0, :, 1:]
    got = lab_ab(colours)
    assert got.shape == (4000, 2) and got.dtype == np.float32
    assert float(np.abs(got - want).max()) < 1.0  # (OpenCV interpolates its table: 0.5 off at most here)


def test_greys_have_no_colour_and_the_eu_blue_and_a_yellow_plate_theirs():
    greys = lab_ab(np.array([[0, 0, 0], [30, 30, 30], [128, 128, 128], [255, 255, 255]]))
    assert float(np.abs(greys).max()) < 0.01
    blue, yellow = lab_ab(np.array([[160, 60, 10], [0, 200, 240]]))  # BGR
    assert blue[1] < -50 < 70 < yellow[1]  # b*: blue negative, yellow positive
    assert abs(yellow[0]) < 5 and blue[0] > 20
