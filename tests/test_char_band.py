"""The character band (lpr.char_band) on crafted plates a reader without it misreads: a sticker between the
groups read as an 8, a round sticker before the number read as an O, a detection that cut the plate short; and
what the band must leave alone: a plate without marks, a real character whose read stands nearer a mark than its
own middle, a sign in strokes between characters, a two-line plate, a crop with no band. The reads use the real
recogniser."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from lpr.char_band import band_crop, characters, drop_marks, find_band
from lpr.config import LprConfig
from lpr.pipeline import LprEngine, read_score
from lpr.plate_crop import rectify, trim_side_bands
from lpr.plate_detector import PlateDetection
from lpr.plate_reader import CharRead, LineRead
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
    """What the recogniser reads in the whole crop at its own size, without the band: the trap each test
    sets."""
    return engine.reader.read(trim_side_bands(rectify(picture, found.quad, 0.0, 0.05, min_height=0))).text


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


def seal_plate(red: tuple[int, int, int] = (70, 70, 200), green: tuple[int, int, int] = (70, 160, 70),
               groups: tuple[str, str] = ("2T4", "0211"), flag: bool = True) -> np.ndarray:
    """A Czech plate with its two round stickers between the groups, red above green, narrower than a
    character and as high as the characters together, hanging from the plate's screw (without the EU band:
    an older plate)."""
    plate = blank_plate()
    x = write(plate, groups[0], (eu_band(plate, "CZ") if flag else 40) + 18)
    top = BASELINE - CHAR_HEIGHT
    cv2.ellipse(plate, (x + 22, top + 15), (12, 15), 0, 0, 360, red, -1)
    cv2.ellipse(plate, (x + 22, BASELINE - 15), (12, 15), 0, 0, 360, green, -1)
    cv2.circle(plate, (x + 22, top - 6), 9, (50, 50, 50), -1)
    write(plate, groups[1], x + 44)
    return plate


def test_stickers_run_together_into_one_sign_of_two_colours_are_not_read_as_an_8(engine: LprEngine):
    # on a distant plate (24 pixels high) the two stickers are one piece of the characters' height: only its two
    # colours, one above the other, tell it is no character
    picture, found = on_frame(seal_plate(), 24)
    assert plain_read(engine, picture, found) == "2T480211"
    assert engine.read_line(picture, found)[0].text == "2T40211"


def test_small_print_on_the_frame_is_not_the_band():
    plate = blank_plate()
    x = write(plate, "4B4", eu_band(plate) + 18, baseline=75)
    write(plate, "0262", sticker(plate, x), baseline=75)
    cv2.putText(plate, "AUTO SERVIS BRNO  VINOHRADSKA 12", (70, 103), cv2.FONT_HERSHEY_SIMPLEX, 0.45, INK, 1,
                cv2.LINE_AA)
    band = find_band(plate)
    assert band is not None and len(band.chars) == 7
    assert all(b.h > 0.8 * CHAR_HEIGHT for b in band.chars)


def broken(plate: np.ndarray, x0: int, x1: int) -> None:
    """Paper-coloured cuts across columns x0..x1 of the character line, as blur and a coarse threshold break a
    distant character's thin strokes: no piece left as high as PIECE_SPAN of the line."""
    top = BASELINE - CHAR_HEIGHT
    for y in (top + 19, top + 40):
        plate[y:y + 3, x0:x1] = PAPER


def broken_last_plate() -> tuple[np.ndarray, int]:
    """BY 649AH with its last character in pieces; returns the plate and the H's left edge."""
    plate = blank_plate()
    x = write(plate, "BY", 30)
    x = write(plate, "649A", x + 40)
    end = write(plate, "H", x + 8)
    broken(plate, x + 2, end + 4)
    return plate, x + 8


def test_a_last_character_in_pieces_of_the_characters_ink_is_a_character(engine: LprEngine):
    plate, h_left = broken_last_plate()
    band = find_band(plate)
    assert band is not None
    assert not any(m.x >= h_left - 4 for m in band.marks)
    assert characters(band) == 7
    picture, found = on_frame(plate)
    assert engine.read_line(picture, found)[0].text == "BY649AH"


def test_the_same_pieces_before_the_number_are_a_mark():
    # before the number, pieces of ink that do not span the line are a coat of arms above a country code
    plate = blank_plate()
    end = write(plate, "H", 24)
    broken(plate, 20, end + 4)
    x = write(plate, "BY", end + 16)
    write(plate, "649AH", x + 40)
    band = find_band(plate)
    assert band is not None
    assert any(m.right <= end + 4 for m in band.marks)
    assert characters(band) == 7


def shrunk_plate(colour: tuple[int, int, int] = INK) -> tuple[np.ndarray, int, int]:
    """ZA 834CO with its 4 three quarters of the others' height, mid-line: how blur and a coarse threshold
    leave a thin character's blob on a distant or tilted plate. Returns the plate and the 4's columns."""
    plate = blank_plate()
    x = write(plate, "ZA", 30)
    x = write(plate, "83", x + 40)
    small = round(0.72 * CHAR_HEIGHT)
    end = write(plate, "4", x + 8, small, BASELINE - (CHAR_HEIGHT - small) // 2, colour)
    write(plate, "CO", end + 8)
    return plate, x + 8, end


def test_a_shorter_character_in_the_characters_ink_is_a_character(engine: LprEngine):
    plate, x0, x1 = shrunk_plate()
    band = find_band(plate)
    assert band is not None
    assert not any(x0 - 4 <= m.cx <= x1 + 4 for m in band.marks)
    assert any(x0 - 4 <= s.cx <= x1 + 4 for s in band.signs)
    assert characters(band) == 7
    picture, found = on_frame(plate)
    assert engine.read_line(picture, found)[0].text == "ZA834CO"


def test_the_same_shape_in_another_colour_is_a_mark():
    plate, x0, x1 = shrunk_plate(colour=(40, 40, 200))
    band = find_band(plate)
    assert band is not None
    assert any(x0 - 4 <= m.cx <= x1 + 4 for m in band.marks)
    assert characters(band) == 6


# --- what the band leaves alone ------------------------------------------------------------------------------

DIGITS_ONLY = ("123", "4567")  # a read the Korean formats could take: digits, a syllable, digits


@pytest.mark.parametrize("small", [40, 30])
def test_stickers_of_two_colours_taken_into_the_band_on_a_distant_plate_are_not_read(engine: LprEngine, small: int):
    # at 30-40 pixels the two stickers are one blob of the characters' height and width in the band's line: only
    # its two colours, one above the other, tell it from a character
    picture, found = on_frame(seal_plate(groups=DIGITS_ONLY, flag=False), small)
    assert plain_read(engine, picture, found) == "12384567"
    assert engine.read_line(picture, found)[0].text == "1234567"


def test_a_syllable_read_on_stickers_is_dropped_and_one_in_the_characters_ink_kept():
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    probs = np.zeros(len(alphabet), np.float32)
    on_stickers = find_band(seal_plate(groups=DIGITS_ONLY, flag=False))
    assert on_stickers is not None and len(on_stickers.stickers) == 1 and on_stickers.stickers[0] in on_stickers.marks
    digits = [s.cx for s in on_stickers.signs if s.w > 0.3 * on_stickers.height]
    assert len(digits) == 7
    columns = digits[:3] + [on_stickers.stickers[0].cx] + digits[3:]
    read = LineRead([CharRead(c, 0.6 if c == "호" else 1.0, probs) for c in "123호4567"], alphabet)
    assert drop_marks(read, columns, on_stickers).text == "1234567"
    # a syllable whose strokes are lower than the digits, in their ink: a mark, not a sticker, and kept
    plate = blank_plate()
    x = write(plate, "12", 60)
    cv2.line(plate, (x + 14, BASELINE - 20), (x + 56, BASELINE - 20), INK, 7)  # a vowel's stroke
    write(plate, "3456", x + 80)
    in_ink = find_band(plate)
    assert in_ink is not None and in_ink.marks and not in_ink.stickers
    digits = [s.cx for s in in_ink.signs if s.w > 0.3 * in_ink.height]
    columns = digits[:2] + [in_ink.marks[0].cx] + digits[2:]
    read = LineRead([CharRead(c, 0.6 if c == "가" else 1.0, probs) for c in "12가3456"], alphabet)
    assert drop_marks(read, columns, in_ink).text == "12가3456"


def test_a_plate_without_marks_reads_as_before(engine: LprEngine):
    plate = blank_plate()
    write(plate, "AB123CD", 40)
    picture, found = on_frame(plate)
    assert engine.read_line(picture, found)[0].text == plain_read(engine, picture, found) == "AB123CD"


def hyphen_plate() -> np.ndarray:
    """An old Brazilian plate: a hyphen between the groups and a sliver of ink (the embossing's shadow, a bolt)
    just after the 0, both marks."""
    plate = blank_plate()
    x = write(plate, "PWC", 30)
    middle = BASELINE - CHAR_HEIGHT // 2
    cv2.rectangle(plate, (x + 10, middle - 11), (x + 34, middle + 11), INK, -1)
    x = write(plate, "0", x + 44)
    cv2.rectangle(plate, (x + 3, middle - 6), (x + 6, middle + 22), INK, -1)
    write(plate, "633", x + 14)
    return plate


def test_a_character_read_nearer_a_mark_than_its_middle_is_kept():
    # A CTC peak often stands at a character's trailing edge (PWC0633.jpg: the 0 at 120-145 read at column 145,
    # a sliver at 146-149): nearer the sliver's middle than the 0's. Seven reads on seven characters: none is
    # on a mark, whatever the columns say.
    band = find_band(hyphen_plate())
    assert band is not None and len(band.marks) == 2 and characters(band) == 7
    letters = [s for s in band.signs if s.w > 0.3 * band.height]
    assert len(letters) == 7
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    line = LineRead([CharRead(c, 1.0, np.zeros(len(alphabet), np.float32)) for c in "PWC0633"], alphabet)
    trailing = [s.right - 1.0 for s in letters]
    assert drop_marks(line, trailing, band).text == "PWC0633"
    # an eighth read on the sliver is dropped, and only that one
    on_sliver = LineRead(line.chars[:4] + [CharRead("1", 0.9, line.chars[0].probs)] + line.chars[4:], alphabet)
    sliver = next(m for m in band.marks if m.w < 0.2 * band.height)
    assert drop_marks(on_sliver, trailing[:4] + [sliver.cx] + trailing[4:], band).text == "PWC0633"


def hooked_j_plate() -> np.ndarray:
    """BJ • 31955 (an Illinois plate): the J descends below the line and its hook reaches back under the B."""
    plate = blank_plate(height=130)
    x = write(plate, "B", 40)
    stem = x + 22
    cv2.line(plate, (stem, BASELINE - CHAR_HEIGHT + 1), (stem, BASELINE + 25), INK, 8)
    cv2.line(plate, (stem, BASELINE + 25), (x - 12, BASELINE + 25), INK, 8)  # the hook, under the B
    cv2.line(plate, (x - 12, BASELINE + 25), (x - 12, BASELINE + 14), INK, 8)
    cv2.line(plate, (stem, BASELINE + 6), (x - 12, BASELINE + 6), INK, 1)  # a hair of it just under the B's corner
    middle = BASELINE - CHAR_HEIGHT // 2
    cv2.circle(plate, (stem + 30, middle), 7, INK, -1)  # the dot between the groups
    write(plate, "31955", stem + 50)
    return plate


def test_a_j_whose_hook_reaches_under_the_b_before_it_is_a_character_of_its_own(engine: LprEngine):
    plate = hooked_j_plate()
    band = find_band(plate)
    assert band is not None and len(band.marks) == 1  # the dot
    b, j = (s for s in band.signs if 20 < s.x < band.marks[0].x)  # the B, then the J as a sign of its own
    assert b.right - j.x >= 1  # (their columns overlap)
    picture, found = on_frame(plate)
    assert engine.read_line(picture, found)[0].text == "BJ31955"


def test_a_character_read_inside_a_sign_of_characters_run_together_is_not_on_the_mark_beside_it():
    # A blurred plate (a Korean 364나1531 turned 20 degrees) runs its first characters together into one sign
    # wider than any run the band counts as characters, with a bolt's mark before it. The 3's column is nearer
    # the bolt than the wide sign's middle, but inside the sign: on it, and kept.
    plate = blank_plate()
    middle = BASELINE - CHAR_HEIGHT // 2
    cv2.rectangle(plate, (20, middle - 10), (32, middle + 10), INK, -1)  # the bolt: lower than a character
    x = write(plate, "364", 44)
    plate[20:-20, 44:x] = cv2.erode(plate[20:-20, 44:x], np.ones((1, 15), np.uint8))  # the blur: ink runs sideways
    write(plate, "1531", x + 30)
    band = find_band(plate)
    assert band is not None and len(band.marks) == 1 and characters(band) == 4
    run = max(band.signs, key=lambda s: s.w)
    assert run.x >= 40 and run.w > 2.0 * band.height  # one sign of three characters run together
    three = run.x + run.w / 6
    assert abs(three - band.marks[0].cx) < abs(three - run.cx)
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    read = LineRead([CharRead(c, 1.0, np.zeros(len(alphabet), np.float32)) for c in "3641531"], alphabet)
    columns = [three, run.cx, run.right - run.w / 6] + [s.cx for s in band.chars]
    assert drop_marks(read, columns, band).text == "3641531"
    # a read on the bolt itself, outside every sign, is still dropped
    on_bolt = LineRead([CharRead("1", 0.9, read.chars[0].probs), *read.chars], alphabet)
    assert drop_marks(on_bolt, [band.marks[0].cx, *columns], band).text == "3641531"


@pytest.mark.parametrize("small", [0, 40])
def test_the_sliver_read_as_a_1_is_dropped_and_no_character_with_it(engine: LprEngine, small: int):
    picture, found = on_frame(hyphen_plate(), small)
    assert plain_read(engine, picture, found) == "PWC01633"
    assert engine.read_line(picture, found)[0].text == "PWC0633"


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


def test_a_plate_whose_edge_is_in_its_detection_is_not_widened_into_a_sticker_beside_it():
    # the last character (a narrow I) a little short of the plate's dark edge, and beyond the plate a sticker
    # on the car with letters of the characters' height
    width = write(blank_plate(), "RK857AI", 0) + 30
    plate = np.full((110, width, 3), PAPER, np.uint8)
    write(plate, "RK857AI", 18)
    for x in (6, width - 6):  # the plate's raised edge, beside the crop's
        cv2.line(plate, (x, 20), (x, 90), INK, 3)
    picture, found = on_frame(plate)
    sticker = np.full((110, 110, 3), PAPER, np.uint8)
    write(sticker, "MO", 6)
    picture[100:210, 100 + width + 50:100 + width + 160] = sticker
    crop, band, _ = band_crop(picture, found.quad, 0.0, 0.05)
    assert band is not None and crop.shape[1] == rectify(picture, found.quad, 0.0, 0.05).shape[1]


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
