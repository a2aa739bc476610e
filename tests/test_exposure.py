"""An underexposed picture brightened for the plate detector and the recogniser (lpr.exposure): the levels a dark
picture uses stretched to black and white, its middle tones lifted, a well-exposed picture left alone; and, with
the real models, a development photo made dark, whose plate the detector misses until it is brightened."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from lpr.config import LprConfig
from lpr.exposure import TARGET, brightened
from lpr.pipeline import LprEngine
from tests.conftest import REPO
from tests.needs import MODEL_CACHE

PHOTO = REPO.parent / "shared" / "datasets" / "openalpr-br" / "PJD2685.jpg"
needs_photo = pytest.mark.skipif(not PHOTO.is_file(), reason=f"development photo not found: {PHOTO}")


def underexposed(image: np.ndarray) -> np.ndarray:
    """As scripts/bench/lpr.py --sizes dark makes it: each level to the power 2.2, times 0.6 (white: 153)."""
    return cv2.LUT(image, np.round(153 * (np.arange(256) / 255) ** 2.2).astype(np.uint8))


def test_a_well_exposed_picture_is_left_alone():
    ramp = np.tile(np.arange(256, dtype=np.uint8), (64, 1))
    assert brightened(cv2.merge([ramp, ramp, ramp])) is None
    rng = np.random.default_rng(3)
    assert brightened(rng.integers(0, 256, (120, 160, 3), dtype=np.uint8)) is None


def test_a_dark_picture_is_stretched_to_its_own_levels_and_its_middle_lifted():
    rng = np.random.default_rng(5)
    # levels 5 to 60 of 255, most of them near the dark end (a dark scene: the plate and a lamp the brightest)
    grey = np.round(5 + 55 * rng.random((200, 300)) ** 3).astype(np.uint8)
    lit = brightened(cv2.merge([grey, grey, grey]))
    assert lit is not None and lit.shape == (200, 300, 3)
    out = lit[:, :, 0]
    assert out.min() == 0 and out.max() == 255  # its darkest and brightest levels are black and white
    assert abs(float(np.median(out)) - 255 * TARGET) <= 12  # its median at TARGET (within two input levels)
    # one table for every level: an order kept, the darker of two levels never brighter after
    order = np.argsort(grey.ravel(), kind="stable")
    assert np.all(np.diff(out.ravel()[order].astype(int)) >= 0)
    assert np.array_equal(lit[:, :, 1], out) and np.array_equal(lit[:, :, 2], out)  # a grey stays grey
    # the three channels through one table: a colour keeps the order of its channels (its hue)
    colour = brightened(cv2.merge([grey, grey // 2, np.minimum(grey + 10, 255).astype(np.uint8)]))
    assert colour is not None
    assert (colour[:, :, 1] <= colour[:, :, 0]).all() and (colour[:, :, 0] <= colour[:, :, 2]).all()


@needs_photo
def test_a_dark_photos_plate_is_found_and_read_brightened():
    engine = LprEngine(LprConfig(threads=1, cache_dir=str(MODEL_CACHE)))
    dark = underexposed(cv2.imread(str(PHOTO)))
    assert engine.find_plates(dark) == []  # the premise: the detector finds no plate in the dark picture
    lit = brightened(dark)
    assert lit is not None and len(engine.find_plates(lit)) >= 1
    # read at the first look, so in video too, where no second look is taken
    assert [r.text for r in engine.read_plates(dark, look_again=False)] == ["PJD2685"]
    assert [r.text for r in engine.read_plates(dark)] == ["PJD2685"]
