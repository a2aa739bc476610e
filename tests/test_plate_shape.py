"""What a plate's shape says (lpr.plate_shape): a short one-line plate is no European plate, a long one no North
American plate; and the character line cut out of a plate with small print above and below it
(lpr.char_line). The engine tests use the real recogniser on crafted plates."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from lpr import pipeline
from lpr.char_band import find_band
from lpr.char_line import line_crop
from lpr.config import LprConfig
from lpr.pipeline import LprEngine, PlateRead
from lpr.plate_detector import PlateDetection
from lpr.plate_formats import apply_formats, formats_for
from lpr.plate_shape import ShapedFormats, plate_aspect
from tests.needs import MODEL_CACHE
from tests.plate_reads import ALPHABET, chars
from tests.test_char_band import blank_plate, write


@pytest.fixture(scope="module")
def engine() -> LprEngine:
    engine = LprEngine(LprConfig(threads=1, cache_dir=str(MODEL_CACHE)))  # the defaults: auto
    engine.load(objects=False)
    return engine


def settle_shaped(read: str, alternatives: dict[int, tuple[str, float]], aspect: float | None,
                  lines: int = 1, regions: tuple[str, ...] = ("auto",)) -> tuple[str, str | None]:
    formats = ShapedFormats.of(regions).for_plate(aspect, lines)
    match = apply_formats(chars(read, alternatives), formats, ALPHABET, True)
    return match.text, match.format


def test_a_short_one_line_plate_is_read_by_north_american_rules_and_a_long_one_by_european_rules():
    # California's 5ENX018 read with an S first is also the German SE NX 18: the recogniser alone picks German
    assert settle_shaped("SENX018", {0: ("5", 0.2)}, None) == ("SENX018", "DE")
    assert settle_shaped("SENX018", {0: ("5", 0.2)}, 2.0) == ("5ENX018", "US-CA")
    assert settle_shaped("SENX018", {0: ("5", 0.2)}, 4.5) == ("SENX018", "DE")
    # ... and a Czech 4B0 4979 with its B half an 8 is New Hampshire's NNN NNNN unless the plate is long
    assert settle_shaped("4804979", {1: ("B", 0.3)}, None) == ("4804979", "US-NH")
    assert settle_shaped("4804979", {1: ("B", 0.3)}, 4.5) == ("4B04979", "CZ")
    # between the two, and on a short plate read as two lines, every format stays
    assert settle_shaped("SENX018", {0: ("5", 0.2)}, 3.0) == ("SENX018", "DE")
    assert settle_shaped("SENX018", {0: ("5", 0.2)}, 2.0, lines=2) == ("SENX018", "DE")


def test_a_shape_rule_that_would_leave_no_region_does_not_apply():
    shaped = ShapedFormats.of(["SK"])
    assert shaped.for_plate(2.0, 1) == shaped.all == formats_for(["SK"])
    shaped = ShapedFormats.of(["SK", "US-CA"], ["LL NNN"])
    assert [f.name for f in shaped.for_plate(2.0, 1)] == ["US-CA", "custom-1"]
    assert [f.name for f in shaped.for_plate(4.5, 1)] == ["SK", "custom-1"]


def test_a_pattern_shared_with_a_region_left_out_is_named_after_the_one_kept():
    # Texas's LLL NNNN is also Brazil's old one: named BR when Brazil comes first, US-TX when it is left out
    assert [f.name for f in formats_for(["BR", "US-TX"])] == ["BR", "BR-Mercosul"]
    assert [f.name for f in formats_for(["BR", "US-TX"], (), lambda code: code == "BR")] == ["US-TX"]


def test_a_tracks_vote_goes_by_the_median_shape_of_its_reads(engine: LprEngine):
    def read(aspect: float | None, lines: int = 1) -> PlateRead:
        return PlateRead("5ENX018", 90.0, (0, 0, 100, 50), [90.0] * 7, [(0, 0)] * 4, 90.0, lines=lines,
                         aspect=aspect)

    shaped = engine.shaped
    assert engine.formats_for_reads([read(2.0), read(2.1), read(4.4)]) == shaped.not_european
    assert engine.formats_for_reads([read(4.4), read(2.1), read(4.5)]) == shaped.not_north_american
    assert engine.formats_for_reads([read(2.0), read(2.1, lines=2)]) == shaped.all
    assert engine.formats_for_reads([read(None), read(None)]) == shaped.all
    assert len(shaped.not_european) < len(shaped.all) and len(shaped.not_north_american) < len(shaped.all)


def test_only_a_masks_outline_gives_a_plates_shape():
    quad = np.array([[0, 0], [200, 0], [200, 100], [0, 100]], np.float32)
    box = np.array([0, 0, 200, 100], np.float32)
    assert plate_aspect(PlateDetection(box, 0.9, quad, True)) == 2.0
    assert plate_aspect(PlateDetection(box, 0.9, quad, False)) is None


# --- the character line ----------------------------------------------------------------------------------

def us_plate(text: str, split: int) -> np.ndarray:
    """A North American plate, 2:1: the state's name above the number, a slogan below."""
    plate = blank_plate(300, 150)
    write(plate, "TEXAS", 105, height=18, baseline=34)
    x = write(plate, text[:split], 22, height=40, baseline=98)
    write(plate, text[split:], x + 12, height=40, baseline=98)
    write(plate, "THE LONE STAR STATE", 60, height=11, baseline=136)
    return plate


def two_line_plate() -> np.ndarray:
    """A two-line plate (a motorcycle's): two lines of characters of the same height."""
    plate = blank_plate(240, 150)
    write(plate, "AB", 80, height=44, baseline=62)
    write(plate, "1234", 30, height=44, baseline=128)
    return plate


def shown(plate: np.ndarray, scale: float) -> tuple[np.ndarray, PlateDetection]:
    """The plate on a grey picture at `scale`, with a mask detection that outlines it exactly."""
    plate = cv2.resize(plate, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    picture = np.full((400, 720, 3), 90, np.uint8)
    h, w = plate.shape[:2]
    picture[100:100 + h, 100:100 + w] = plate
    quad = np.array([[100, 100], [100 + w, 100], [100 + w, 100 + h], [100, 100 + h]], np.float32)
    return picture, PlateDetection(np.array([100, 100, 100 + w, 100 + h], np.float32), 0.9, quad, True)


def test_the_number_of_a_plate_with_small_print_is_cut_out_and_a_two_line_plate_is_not():
    plate = us_plate("TYY2506", 3)
    band = find_band(plate)
    assert band is not None and band.height == 44  # the number's characters, not the small print
    line = line_crop(plate, band)
    # the characters' 44 rows and a margin, but none of the small print's rows: paper above and below them
    assert line.shape[1] == 300 and 60 <= line.shape[0] <= 80
    ink_rows = np.flatnonzero(line[:, 20:280].min(axis=(1, 2)) < 128)
    assert ink_rows.min() >= 10 and ink_rows.max() < line.shape[0] - 10
    # characters a fifth of the crop's height (a plate cut out with much around it) are still its band
    tall = np.pad(plate, ((25, 25), (0, 0), (0, 0)), constant_values=240)
    assert (found := find_band(tall)) is not None and found.height == 44
    other = two_line_plate()
    assert line_crop(other, find_band(other)).shape == other.shape
    assert line_crop(plate, None) is plate


def test_a_repeated_letter_squeezed_with_the_small_print_is_read_twice_once_cut_out(engine: LprEngine,
                                                                                    monkeypatch):
    picture, found = shown(us_plate("TYY2506", 3), 0.8)
    [read] = engine._read_detections(picture, [found], None)
    assert (read.text, read.lines, read.aspect) == ("TYY2506", 1, 2.0)
    monkeypatch.setattr(pipeline, "line_crop", lambda crop, band: crop)  # the whole plate, state name and all
    assert [r.text for r in engine._read_detections(picture, [found], None)] != ["TYY2506"]
