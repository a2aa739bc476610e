"""A plate with a blue band at its left end (an EU plate, a Korean one since 2019) is no North American plate:
a US format that fits its read gives way to the other formats, for one read and for a track's vote. The reads
use the real recogniser on crafted plates."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from lpr.config import LprConfig
from lpr.pipeline import LprEngine, PlateRead
from lpr.plate_crop import has_flag_band, rectify, side_bands
from tests.needs import MODEL_CACHE
from tests.test_char_band import blank_plate, eu_band, on_frame, write


@pytest.fixture(scope="module")
def reader() -> LprEngine:
    engine = LprEngine(LprConfig(threads=1, cache_dir=str(MODEL_CACHE)))  # the defaults: auto
    engine.load(objects=False)
    return engine


def digits_plate(flag: bool) -> np.ndarray:
    """Seven digits in groups of three and four: New Hampshire's NNN NNNN, and no European format."""
    plate = blank_plate()
    x = write(plate, "480", (eu_band(plate, "CZ") if flag else 40) + 18)
    write(plate, "4979", x + 44)
    return plate


def test_the_blue_band_at_a_plates_left_end_is_seen_and_a_mercosur_band_on_top_is_not():
    for flag in (True, False):
        picture, found = on_frame(digits_plate(flag), 40)
        assert has_flag_band(rectify(picture, found.quad, 0.0, 0.05)) is flag
    # a plate holder's dark rim before the band (about 3 % of the crop's width) hides it no more
    plate = digits_plate(True)
    rimmed = np.hstack([np.full((plate.shape[0], 14, 3), 40, np.uint8), plate])
    picture, found = on_frame(rimmed, 40)
    crop = rectify(picture, found.quad, 0.0, 0.05)
    assert has_flag_band(crop) and side_bands(crop)[0] > 14 * crop.shape[1] / rimmed.shape[1]
    mercosur = blank_plate()
    mercosur[5:28, 5:-5] = (160, 60, 10)  # the blue band across the top of a Brazilian plate
    write(mercosur, "ABC1D23", 40)
    picture, found = on_frame(mercosur)
    assert not has_flag_band(rectify(picture, found.quad, 0.0, 0.05))


def test_a_band_behind_a_wide_rim_is_seen_but_blue_ink_after_the_plates_paper_is_no_band():
    # a turned plate's outline takes in its holder or the car: 7 % of the crop's width before the band
    plate = digits_plate(True)
    rimmed = np.hstack([np.full((plate.shape[0], 40, 3), 40, np.uint8), plate])
    picture, found = on_frame(rimmed, 40)
    crop = rectify(picture, found.quad, 0.0, 0.05)
    assert has_flag_band(crop)
    assert side_bands(crop)[0] >= (40 + 50) * crop.shape[1] / rimmed.shape[1] - 2  # the cut goes past the band
    # a first character in blue ink (Pennsylvania's navy) as far in as that rim, with the plate's white before it
    navy = blank_plate()
    navy[15:-15, 45:66] = (92, 47, 30)
    write(navy, "80", 80, colour=(92, 47, 30))
    picture, found = on_frame(navy)
    assert side_bands(rectify(picture, found.quad, 0.0, 0.05)) == (0, 0)


def reads_with_and_without_band(reader: LprEngine, plate: Callable[[bool], np.ndarray]) -> dict[bool, PlateRead]:
    """The plate's one read, drawn with the band (True) and without (False)."""
    reads = {}
    for flag in (True, False):
        picture, found = on_frame(plate(flag))
        [reads[flag]] = reader._read_detections(picture, [found], None)
    return reads


def test_a_us_format_does_not_explain_a_plate_with_a_flag_band(reader: LprEngine):
    reads = reads_with_and_without_band(reader, digits_plate)
    assert (reads[False].text, reads[False].format, reads[False].flag_band) == ("4804979", "US-NH", False)
    assert reads[True].text == "4804979" and reads[True].flag_band
    assert reads[True].format is None or not reads[True].format.startswith("US")


def test_a_tracks_vote_leaves_out_the_us_formats_when_a_read_saw_the_flag_band(reader: LprEngine):
    read = PlateRead("4804979", 90.0, (0, 0, 100, 20), [90.0] * 7, [(0, 0)] * 4, 90.0, "CZ")
    banded = PlateRead("4804979", 90.0, (0, 0, 100, 20), [90.0] * 7, [(0, 0)] * 4, 90.0, None, flag_band=True)
    assert reader.formats_for_reads([read, read]) == reader.formats
    chosen = reader.formats_for_reads([read, banded])
    assert chosen and not any(f.name.startswith("US") for f in chosen)
    assert len(chosen) < len(reader.formats) and all(f in reader.formats for f in chosen)


def provincial_plate(flag: bool) -> np.ndarray:
    """Spain's provincial series (M 1234 DF, until 2000), which was never printed with the EU band (D and F: no
    Bulgarian plate, whose letters are those Cyrillic shares with Latin)."""
    plate = blank_plate()
    x = write(plate, "M", (eu_band(plate, "E") if flag else 40) + 18)
    x = write(plate, "1234", x + 30)
    write(plate, "DF", x + 30)
    return plate


def test_a_format_printed_without_the_eu_band_does_not_explain_a_plate_with_one(reader: LprEngine):
    reads = reads_with_and_without_band(reader, provincial_plate)
    assert (reads[False].text, reads[False].format, reads[False].flag_band) == ("M1234DF", "ES-provincial", False)
    assert reads[True].text == "M1234DF" and reads[True].flag_band and reads[True].format != "ES-provincial"
    assert not any(f.name in ("ES-provincial", "CH") or f.name.startswith("US") for f in reader.shaped.banded)
    # an installation of those regions alone keeps them: a rule that left none would explain no plate
    only = LprEngine(LprConfig(threads=1, regions=["ES", "CH"], cache_dir=str(MODEL_CACHE)))
    assert [f.name for f in only.shaped.banded] == ["ES"]
    provincial = LprEngine(LprConfig(threads=1, regions=["CH"], cache_dir=str(MODEL_CACHE)))
    assert {f.name for f in provincial.shaped.banded} == {"CH"}
