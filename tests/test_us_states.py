"""A US plate's state read from the name printed on it (lpr.us_states): the name found in what the recogniser
reads, misread letters allowed in long names only, the closest and longest name winning; with the real models,
the same number read as Massachusetts' N LLL NN under a Massachusetts name and as Florida's LLL LNN under a
Florida one; and a track's vote settled by the state its reads found."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from lpr.config import LprConfig
from lpr.pipeline import LprEngine, PlateRead
from lpr.plate_detector import PlateDetection
from lpr.tracker import vote
from lpr.us_states import edits_within, named_state
from tests.needs import MODEL_CACHE

FONTS = Path("/usr/share/fonts/truetype/dejavu")  # Debian's fonts-dejavu-core


@pytest.mark.parametrize(("text", "state"), [
    ("Massachusetts", "MA"), ("MASSACHUSETT5", "MA"), ("MYFLORIDA.COM", "FL"), ("New York", "NY"),
    ("NORTH CAROLINA", "NC"), ("SOUTH CAROLINA", "SC"), ("NORTHCAR0LINA", "NC"),
    ("West Virginia", "WV"), ("VIRGINIA", "VA"), ("ARKANSAS", "AR"), ("kansas", "KS"), ("OHIO", "OH"),
    ("visitPA.com PENNSYLVANIA", "PA"),
])
def test_a_state_is_found_by_its_name_the_closest_and_longest_name_winning(text: str, state: str):
    assert named_state(text) == state


@pytest.mark.parametrize("text", ["0HIO", "UTAM", "THE LONE STAR STATE", "LAND OF LINCOLN", "EXCELSIOR",
                                  "AUTO SERVIS BRNO", "SP-SAO PAULO", "dmv.ca.gov", ""])
def test_slogans_dealers_cities_and_misread_short_names_name_no_state(text: str):
    assert named_state(text) is None


def test_edits_within_finds_a_pattern_anywhere_in_the_text():
    assert edits_within("TEXAS", "THE TEXAS PLATE") == 0
    assert edits_within("TEXAS", "TEXES") == 1
    assert edits_within("TEXAS", "TXS") == 2
    assert edits_within("OHIO", "") == 4


def us_plate(name: str, number: str) -> np.ndarray:
    """A Massachusetts-style plate, 240 x 120: a state's name above the number, a slogan below, in DejaVu faces
    whose 0 and O look alike."""
    image = Image.new("RGB", (480, 240), (245, 245, 240))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((3, 3, 476, 236), 14, outline=(40, 40, 40), width=4)
    for text, face, size, top, ink in ((name, "DejaVuSerif-BoldItalic.ttf", 40, 18, (150, 20, 30)),
                                       (number, "DejaVuSansCondensed-Bold.ttf", 110, 70, (150, 20, 30)),
                                       ("the Spirit of America", "DejaVuSans.ttf", 26, 196, (20, 30, 110))):
        font = ImageFont.truetype(str(FONTS / face), size)
        draw.text(((480 - draw.textlength(text, font=font)) / 2, top), text, font=font, fill=ink)
    plate = cv2.cvtColor(np.asarray(image), cv2.COLOR_RGB2BGR)
    return cv2.resize(plate, (240, 120), interpolation=cv2.INTER_AREA)


@pytest.mark.skipif(not (FONTS / "DejaVuSansCondensed-Bold.ttf").is_file(), reason="fonts-dejavu-core is not installed")
def test_the_printed_state_settles_a_look_alike_its_formats_fix():
    engine = LprEngine(LprConfig(threads=1, cache_dir=str(MODEL_CACHE)))
    engine.load(objects=False)
    quad = np.array([[100, 100], [340, 100], [340, 220], [100, 220]], np.float32)
    found = PlateDetection(np.array([100, 100, 340, 220], np.float32), 0.9, quad, False)
    reads = {}
    for name in ("Massachusetts", "Florida"):
        picture = np.full((400, 640, 3), 90, np.uint8)
        picture[100:220, 100:340] = us_plate(name, "0VEU15")
        cut = engine.plate_crops(picture, found)
        assert engine.printed_state(cut) == {"Massachusetts": "MA", "Florida": "FL"}[name]
        reads[name] = [(r.text, r.format) for r in engine.read_plates(picture)]
    # the same glyphs: Massachusetts' N LLL NN makes the first a 0, Florida's LLL LNN an O
    assert reads == {"Massachusetts": [("0VEU15", "US-MA")], "Florida": [("OVEU15", "US-FL")]}
    # an installation that names its states keeps to them: Massachusetts is not among Florida and Connecticut
    engine = LprEngine(LprConfig(threads=1, cache_dir=str(MODEL_CACHE), regions=["US-FL", "US-CT"]))
    engine.load(objects=False)
    picture = np.full((400, 640, 3), 90, np.uint8)
    picture[100:220, 100:340] = us_plate("Massachusetts", "0VEU15")
    assert [(r.text, r.format) for r in engine.read_plates(picture)] == [("OVEU15", "US-FL")]


def test_a_track_whose_reads_found_a_state_is_voted_by_that_states_formats():
    engine = LprEngine(LprConfig())

    def unsure_first(text: str, score: float) -> PlateRead:
        scores = [score] + [95.0] * (len(text) - 1)
        return PlateRead(text, 90.0, (0, 0, 120, 60), scores, [], 90.0, aspect=2.0)

    reads = [unsure_first("OVEU15", 60), unsure_first("OVEU15", 55), unsure_first("0VEU15", 50)]
    assert vote(reads, engine.formats_for_reads(reads)).text == "OVEU15"  # Florida's LLL LNN takes it as read
    reads[1].state = "MA"
    assert [f.name for f in engine.formats_for_reads(reads)] == ["US-MA", "US-MA-old", "US"]
    assert vote(reads, engine.formats_for_reads(reads)).text == "0VEU15"  # Massachusetts' N LLL NN: a digit
