"""A distant plate's crop is enlarged before its character band is looked for (lpr.plate_crop.MIN_HEIGHT): in a
crop a dozen pixels high the band's blobs run together, the marks beside the characters are not found, and the
recogniser reads an older Slovak plate's flag emblem as a letter (HRK262AH for RK262AH)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from lpr.config import LprConfig
from lpr.pipeline import LprEngine
from lpr.plate_crop import MAX_HEIGHT, MIN_HEIGHT, rectify
from tests.conftest import REPO
from tests.needs import MODEL_CACHE

DATASET = REPO.parent / "shared" / "datasets" / "openalpr-eu"
needs_dataset = pytest.mark.skipif(not DATASET.is_dir(), reason=f"development photos not found in {DATASET}")


def quad(x: float, y: float, w: float, h: float) -> np.ndarray:
    return np.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]], np.float32)


def test_a_small_plates_crop_is_enlarged_and_a_large_ones_shrunk_keeping_its_proportions():
    picture = np.random.default_rng(3).integers(0, 255, (600, 900, 3), dtype=np.uint8)
    small = rectify(picture, quad(100, 100, 50, 12), 0.0, 0.1)
    assert small.shape[0] == MIN_HEIGHT and abs(small.shape[1] / small.shape[0] - 50 / 14.4) < 0.1
    mid = rectify(picture, quad(100, 100, 200, 50), 0.0, 0.1)
    assert mid.shape[:2] == (60, 200)  # as it is
    large = rectify(picture, quad(100, 100, 800, 200), 0.0, 0.1)
    assert large.shape[0] == MAX_HEIGHT and abs(large.shape[1] / large.shape[0] - 800 / 240) < 0.05


@pytest.fixture(scope="module")
def engine() -> LprEngine:
    engine = LprEngine(LprConfig(threads=1, cache_dir=str(MODEL_CACHE)))
    engine.load(objects=False)
    return engine


@needs_dataset
@pytest.mark.parametrize("name", ["test_053", "test_054", "test_093"])
def test_a_distant_plates_flag_emblem_is_not_read_as_a_letter(engine: LprEngine, name: str):
    # development photos at half size: plates 40-60 pixels wide, a small flag at their left end. Read before
    # their crops were enlarged: CRK715AA, HRK262AH, PRK301AH.
    photo = cv2.imread(str(DATASET / f"{name}.jpg"))
    label = (DATASET / f"{name}.txt").read_text().split()[5]
    half = cv2.resize(photo, (photo.shape[1] // 2, photo.shape[0] // 2), interpolation=cv2.INTER_AREA)
    assert [r.text for r in engine.read_plates(half)] == [label]
