"""The character band (lpr.char_band) on crafted plates a reader without it misreads: a sticker between the
groups read as an 8, a round sticker before the number read as an O, a detection that cut the plate short; and
what the band must leave alone: a plate without marks, a sign in strokes between characters, a two-line plate,
a crop with no band. The reads use the real recogniser."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from lpr.char_band import find_band
from lpr.config import LprConfig
from lpr.pipeline import LprEngine, read_score
from lpr.plate_crop import rectify, trim_side_bands
from lpr.plate_detector import PlateDetection
from tests.needs import MODEL_CACHE

INK = (30, 30, 30)
PAPER = 240
CHAR_HEIGHT = 62  # pixels, on a 110-pixel plate
BASELINE = 85


@pytest.fixture(scope="module")
def engine() -> LprEngine:
    engine = LprEngine(LprConfig(threads=1, cache_dir=str(MODEL_CACHE)))
    engine.load(objects=False)
    return engine


def write(image: np.ndarray, text: str, x: int, height: int = CHAR_HEIGHT, baseline: int = BASELINE,
          colour: tuple[int, int, int] = INK) -> int:
    """Draws `text` with its left edge at x; returns the x after it."""
    scale = height / 22  # Hershey simplex capitals are about 22 units high at scale 1
    thickness = max(2, round(scale * 2.2))
    cv2.putText(image, text, (x, baseline), cv2.FONT_HERSHEY_SIMPLEX, scale, colour, thickness, cv2.LINE_AA)
    return x + cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)[0][0]


def blank_plate(width: int = 520, height: int = 110) -> np.ndarray:
    plate = np.full((height, width, 3), PAPER, np.uint8)
    cv2.rectangle(plate, (2, 2), (width - 3, height - 3), INK, 3)
    return plate


def eu_band(plate: np.ndarray, code: str = "SK") -> int:
    """The blue band with its stars' ring and country code at the plate's left end; returns its right edge."""
    plate[5:-5, 5:50] = (160, 60, 10)
    cv2.circle(plate, (27, 35), 14, (0, 200, 230), 2)
    cv2.putText(plate, code, (12, 88), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (255, 255, 255), 2, cv2.LINE_AA)
    return 50


def sticker(plate: np.ndarray, x: int) -> int:
    """Two round stickers one above the other between the groups (Czech and Slovak plates): together they
    look like an 8 about two thirds of a character high. Returns the x after them."""
    cv2.circle(plate, (x + 22, 42), 9, (30, 30, 150), 4)
    cv2.circle(plate, (x + 22, 64), 9, (30, 110, 30), 4)
    return x + 44


def on_frame(plate: np.ndarray, small: int = 0) -> tuple[np.ndarray, PlateDetection]:
    """The plate on a grey picture (brought to `small` pixels high, slightly blurred, as a distant plate is),
    and a detection that outlines it exactly."""
    if small:
        plate = cv2.resize(plate, (round(plate.shape[1] * small / plate.shape[0]), small), interpolation=cv2.INTER_AREA)
        plate = cv2.GaussianBlur(plate, (3, 3), 0.8)
    picture = np.full((300, 720, 3), 90, np.uint8)
    h, w = plate.shape[:2]
    picture[100:100 + h, 100:100 + w] = plate
    return picture, detection(100, 100, 100 + w, 100 + h)


def detection(x0: float, y0: float, x1: float, y1: float) -> PlateDetection:
    quad = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32)
    return PlateDetection(np.array([x0, y0, x1, y1], np.float32), 0.9, quad, False)


def plain_read(engine: LprEngine, picture: np.ndarray, found: PlateDetection) -> str:
    """What the recogniser reads in the whole crop, without the band: the trap each test sets."""
    return engine.reader.read(trim_side_bands(rectify(picture, found.quad, 0.0, 0.05))).text


def sticker_plate() -> np.ndarray:
    plate = blank_plate()
    x = write(plate, "4B4", eu_band(plate) + 18)
    write(plate, "0262", sticker(plate, x))
    return plate


# --- marks between and before the characters -----------------------------------------------------------------

@pytest.mark.parametrize("small", [0, 30])
def test_a_sticker_between_the_groups_is_not_read_as_an_8(engine: LprEngine, small: int):
    picture, found = on_frame(sticker_plate(), small)
    assert plain_read(engine, picture, found) == "4B480262"
    line, lines = engine.read_line(picture, found)
    assert (line.text, lines) == ("4B40262", 1)


def test_the_band_holds_the_characters_and_the_sticker_is_a_mark():
    picture, found = on_frame(sticker_plate())
    crop = trim_side_bands(rectify(picture, found.quad, 0.0, 0.05))
    band = find_band(crop)
    assert band is not None
    letters = [b for b in band.chars if b.w > 0.3 * b.h]  # (the frame's edge is of the band's height too)
    assert len(letters) == 7
    assert len(band.marks) == 1
    mark = band.marks[0]
    assert letters[2].right < mark.x and mark.right < letters[3].x  # between 4B4 and 0262
    assert 0.5 * band.height < mark.h < 0.8 * band.height


def test_a_round_sticker_before_the_number_is_not_read(engine: LprEngine):
    plate = blank_plate()
    cv2.circle(plate, (40, 52), 19, (40, 40, 140), 8)  # an inspection sticker, two thirds of a character high
    x = write(plate, "RK", 80)
    write(plate, "828AG", x + 40)
    picture, found = on_frame(plate)
    assert plain_read(engine, picture, found).startswith(("ORK", "0RK"))
    assert engine.read_line(picture, found)[0].text == "RK828AG"


def test_small_print_on_the_frame_is_not_the_band():
    plate = blank_plate()
    x = write(plate, "4B4", eu_band(plate) + 18, baseline=75)
    write(plate, "0262", sticker(plate, x), baseline=75)
    cv2.putText(plate, "AUTO SERVIS BRNO  VINOHRADSKA 12", (70, 103), cv2.FONT_HERSHEY_SIMPLEX, 0.45, INK, 1,
                cv2.LINE_AA)
    band = find_band(plate)
    assert band is not None and len(band.chars) == 7
    assert all(b.h > 0.8 * CHAR_HEIGHT for b in band.chars)


# --- what the band leaves alone ------------------------------------------------------------------------------

def test_a_plate_without_marks_reads_as_before(engine: LprEngine):
    plate = blank_plate()
    write(plate, "AB123CD", 40)
    picture, found = on_frame(plate)
    assert engine.read_line(picture, found)[0].text == plain_read(engine, picture, found) == "AB123CD"


def test_a_sign_in_strokes_between_characters_in_their_colour_is_kept():
    # a Hangul syllable such as 노 is two strokes one above the other, neither as high as the digits
    plate = blank_plate()
    x = write(plate, "12", 40)
    top, bottom = BASELINE - CHAR_HEIGHT, BASELINE
    cv2.line(plate, (x + 20, top + 2), (x + 20, top + 30), INK, 7)  # ㄴ
    cv2.line(plate, (x + 20, top + 30), (x + 56, top + 30), INK, 7)
    cv2.line(plate, (x + 38, top + 40), (x + 38, bottom - 8), INK, 7)  # ㅗ
    cv2.line(plate, (x + 14, bottom - 3), (x + 62, bottom - 3), INK, 7)
    write(plate, "3456", x + 80)
    band = find_band(plate)
    assert band is not None and not band.marks
    assert any(s.x >= x + 10 and s.right <= x + 70 for s in band.signs)


KOREAN_FONT = Path("/usr/share/fonts/truetype/nanum/NanumGothicBold.ttf")  # Debian's fonts-nanum


@pytest.mark.skipif(not KOREAN_FONT.is_file(), reason="fonts-nanum is not installed")
@pytest.mark.parametrize("text", ["12가3456", "34노5678", "123주4567", "78모1234"])
def test_no_stroke_of_a_hangul_syllable_is_a_mark(text: str):
    image = Image.new("RGB", (560, 120), (PAPER,) * 3)
    draw = ImageDraw.Draw(image)
    draw.rectangle((2, 2, 557, 117), outline=INK, width=3)
    draw.text((30, 12), text, font=ImageFont.truetype(str(KOREAN_FONT), 80), fill=INK)
    band = find_band(np.array(image)[:, :, ::-1].copy())
    assert band is not None and len(band.chars) >= 6
    assert band.marks == []


def test_a_crop_without_a_band_is_read_as_it_is(engine: LprEngine):
    noise = np.random.default_rng(12).integers(0, 255, (110, 520, 3), dtype=np.uint8)
    assert find_band(noise) is None
    assert find_band(blank_plate()) is None


def test_a_plate_cut_short_by_its_detection_is_read_whole(engine: LprEngine):
    plate = blank_plate()
    write(plate, "BIMMIAN", 40)
    picture, found = on_frame(plate)
    # the detection lost the first character: its box starts inside the B
    short = detection(found.box[0] + 110, found.box[1], found.box[2], found.box[3])
    assert plain_read(engine, picture, short) == "IMMIAN"
    assert engine.read_line(picture, short)[0].text == "BIMMIAN"


def test_a_two_line_plate_reads_the_top_line_then_the_bottom_line(engine: LprEngine):
    plate = np.full((170, 340, 3), PAPER, np.uint8)
    cv2.rectangle(plate, (2, 2), (337, 167), INK, 3)
    write(plate, "ABC", 90, height=52, baseline=70)
    write(plate, "1234", 45, height=58, baseline=150)
    picture = np.full((400, 600, 3), 90, np.uint8)
    picture[100:270, 100:440] = plate
    line, lines = engine.read_line(picture, detection(100, 100, 440, 270))
    assert (line.text, lines) == ("ABC1234", 2)


# --- the score -----------------------------------------------------------------------------------------------

def test_the_score_is_the_probability_that_every_character_is_right():
    assert read_score([1.0] * 7) == 100.0
    assert read_score([0.9, 0.9]) == 81.0
    # one doubtful character makes the plate doubtful, however sure the others are
    assert read_score([1.0] * 6 + [0.5]) == 50.0 < read_score([0.93] * 7)
    assert read_score([0.9, 0.9], unexplained=True) < read_score([0.9, 0.9])
    assert read_score([]) == 0.0
