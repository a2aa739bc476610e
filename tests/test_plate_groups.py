"""A plate's character groups (lpr.plate_groups): the gaps between the read characters decide between formats
that explain a read equally well up to a look-alike (a Brazilian AYO 9034 or a Polish AY 09034), and say
nothing when the spacing is uniform or unknown."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from lpr.config import LprConfig
from lpr.pipeline import LprEngine
from lpr.plate_detector import PlateDetection
from lpr.plate_formats import PlateFormat, apply_formats, formats_for
from lpr.plate_groups import observed_breaks, on_band
from lpr.plate_reader import CharRead, LineRead, by_length, combine
from tests.needs import MODEL_CACHE
from tests.plate_reads import ALPHABET, chars
from tests.test_char_band import blank_plate, eu_band, on_frame, write

PITCH = 0.1


def spaced(read: list[CharRead], groups: tuple[int, ...], gap: float = 0.6) -> list[CharRead]:
    """The characters placed along the line in groups of these sizes, `gap` pitches extra between groups."""
    assert sum(groups) == len(read)
    xs, x = [], 0.05
    for g, size in enumerate(groups):
        x += gap * PITCH if g else 0.0
        for _ in range(size):
            xs.append(x)
            x += PITCH
    return [replace(c, x=x) for c, x in zip(read, xs, strict=True)]


def settle(read: list[CharRead], regions: list[str]) -> tuple[str, str | None]:
    match = apply_formats(read, formats_for(regions), ALPHABET, True)
    return match.text, match.format


# the recogniser read the O of AYO9034 as 0, with O a twentieth as probable
AY09034 = chars("AY09034", {2: ("O", 0.045)})


def test_a_3_plus_4_plate_reads_as_three_letters_and_four_digits_under_auto():
    assert settle(spaced(AY09034, (3, 4)), ["auto"])[0] == "AYO9034"


def test_a_2_plus_5_plate_keeps_its_digit_zero_under_auto():
    assert settle(spaced(AY09034, (2, 5)), ["auto"])[0] == "AY09034"


def test_uniform_or_unknown_spacing_changes_nothing():
    unplaced = settle(AY09034, ["auto"])
    assert settle(spaced(AY09034, (7,)), ["auto"]) == unplaced
    # a gap a little wider than the others (the recogniser's columns wobble) is no break either
    wobbly = [replace(c, x=0.05 + PITCH * i + (0.025 if i >= 3 else 0.0)) for i, c in enumerate(AY09034)]
    assert settle(wobbly, ["auto"]) == unplaced


def test_the_groups_also_choose_among_explicit_regions():
    assert settle(spaced(AY09034, (3, 4)), ["NO", "BR"]) == ("AYO9034", "BR")
    assert settle(spaced(AY09034, (2, 5)), ["NO", "BR"]) == ("AY09034", "NO")


def test_the_read_as_it_was_has_no_groups_and_loses_to_a_format_whose_groups_fit():
    # a Slovak BA 302OZ whose O the recogniser all but ruled out: alone, the look-alike is too improbable to
    # settle, but the coat of arms' gap after the district is the Slovak plate's
    doubtful = chars("BA3020Z", {5: ("O", 0.003)})
    assert settle(doubtful, ["SK"]) == ("BA3020Z", None)
    assert settle(spaced(doubtful, (7,)), ["SK"]) == ("BA3020Z", None)
    assert settle(spaced(doubtful, (2, 5)), ["SK"]) == ("BA302OZ", "SK")


def test_a_format_with_optional_places_takes_the_grouping_the_gaps_show():
    # German district, letters and digits of free lengths: B MW 1234 or BM W 1234 are the same characters;
    # the gaps tell which, and the matching fits them wherever the plate's groups allow
    de = [f for f in formats_for(["DE"])]
    read = chars("BMW1234")
    fits = [apply_formats(spaced(read, groups), de, ALPHABET, True).groups for groups in ((1, 2, 4), (2, 1, 4))]
    assert all(fit > 0 for fit in fits)


def test_patterns_keep_their_group_ends():
    assert PlateFormat.parse("BR", "LLL NNNN").ends == {2}
    assert PlateFormat.parse("SK", "LL NNNLL").ends == {1}
    assert PlateFormat.parse("NL", "LL-NN-LL").ends == {1, 3}
    assert PlateFormat.parse("BR-Mercosul", "LLLNLNN").ends == frozenset()
    # a group of optional places ends after its last place
    assert PlateFormat.parse("DE", "L{1,3} L{1,2} N{1,4}").ends == {2, 4}


def test_breaks_are_gaps_clearly_wider_than_the_pitch():
    assert observed_breaks([0.0, 1.0, 2.0, 3.6, 4.6, 5.6, 6.6]) == [False, False, True, False, False, False]
    # a gap between the thresholds is unclear, and counts neither way
    assert observed_breaks([0.0, 1.0, 2.3, 3.3, 4.9, 5.9]) == [False, None, False, True, False]
    # uniform spacing, too few characters, or positions unknown: no evidence at all
    assert observed_breaks([0.0, 1.0, 2.1, 3.0, 4.0]) == [None] * 4
    assert observed_breaks([0.0, 2.0]) == [None]
    assert observed_breaks([0.0, 1.0, None, 3.5, 4.5]) == [None] * 4
    # a two-line read: the second line starts left of the first line's end, and that pair says nothing
    assert observed_breaks([0.1, 0.2, 0.3, 0.1, 0.2, 0.4, 0.5]) == [False, False, None, False, True, False]


def test_columns_are_taken_from_the_band_characters_under_them():
    read = LineRead([replace(c, x=x) for c, x in zip(chars("AB12"), (0.12, 0.31, 0.62, 0.79), strict=True)],
                    ALPHABET)
    # blobs at 10, 30, 60 and 80 pixels of a 100-pixel crop; the third read character is too far from a blob
    placed = on_band(read, 100, [10.0, 30.0, 52.0, 80.0])
    assert [c.x for c in placed.chars] == [0.10, 0.30, 0.62, 0.80]


def test_combined_reads_average_their_columns():
    first = LineRead([replace(c, x=x) for c, x in zip(chars("AB1"), (0.1, 0.2, 0.4), strict=True)], ALPHABET)
    second = LineRead([replace(c, x=x) for c, x in zip(chars("AB1"), (0.2, 0.3, 0.5), strict=True)], ALPHABET)
    assert np.allclose([c.x for c in combine([first, second]).chars], [0.15, 0.25, 0.45])
    unknown = LineRead(chars("AB1"), ALPHABET)
    assert [c.x for c in combine([first, unknown]).chars] == [None, None, None]


# --- on drawn plates, with the real recogniser ----------------------------------------------------------------

@pytest.fixture(scope="module")
def engine() -> LprEngine:
    engine = LprEngine(LprConfig(threads=1, cache_dir=str(MODEL_CACHE)))
    engine.load(objects=False)
    return engine


def drawn(*groups: str, gap: int = 40) -> tuple[np.ndarray, PlateDetection]:
    plate = blank_plate()
    x = eu_band(plate) + 18
    for g, text in enumerate(groups):
        x = write(plate, text, x + (gap if g else 0))
    return on_frame(plate)


@pytest.mark.parametrize(("groups", "breaks"), [
    (("ABC", "1234"), [False, False, True, False, False, False]),
    (("AB", "12345"), [False, True, False, False, False, False]),
    (("ABC1234",), [None] * 6),
])
def test_the_read_knows_where_the_drawn_plate_has_its_gaps(engine: LprEngine, groups: tuple[str, ...],
                                                           breaks: list[bool | None]):
    picture, found = drawn(*groups)
    line, _ = engine.read_line(picture, found)
    assert line.text == "".join(groups)
    assert observed_breaks([c.x for c in line.chars]) == breaks


# --- crops that disagree on the length ------------------------------------------------------------------------

def line(text: str, unsure: dict[int, tuple[str, float]], score: float = 0.99) -> LineRead:
    return LineRead(chars(text, unsure, score), ALPHABET)


# a Czech 1B8 0338 read from a crop cut short by its last character and from a whole one, equally sure
SHORT = line("1B8033", {1: ("8", 0.28)})
WHOLE = line("1B80338", {1: ("8", 0.37)})


def test_lengths_supported_alike_are_settled_by_the_formats():
    engine = LprEngine(LprConfig(threads=1))
    candidates = by_length([SHORT, SHORT, WHOLE, WHOLE])
    assert [c[1].text for c in candidates] == ["1B8033", "1B80338"]  # the cut-short read is a little surer
    assert engine.settle_length(candidates).text == "1B80338"


def test_the_length_most_reads_support_wins_whatever_the_formats():
    engine = LprEngine(LprConfig(threads=1))
    assert engine.settle_length(by_length([SHORT, SHORT, SHORT, WHOLE])).text == "1B8033"
    no_formats = LprEngine(LprConfig(threads=1, regions=[]))
    assert no_formats.settle_length(by_length([SHORT, SHORT, WHOLE, WHOLE])).text == "1B8033"


def test_a_crop_that_lost_an_edge_character_loses_to_the_read_a_strict_format_explains():
    # a Slovak RK 619AS whose R half the crops lost: the short read is surer, but only formats with free places
    # (Austria's L{1,2} A{3,6}, the US A{2,8}) explain it, while a format that fixes every place explains the whole
    engine = LprEngine(LprConfig(threads=1))
    short, whole = line("K619AS", {}, 0.99), line("RK619AS", {0: ("8", 0.3)}, 0.95)
    candidates = by_length([short, short, whole, whole])
    assert [c[1].text for c in candidates] == ["K619AS", "RK619AS"]
    assert engine._likelihood(short) > engine._likelihood(whole)  # by certainty, the short read would win
    assert engine._match(whole).fit > engine._match(short).fit
    assert engine.settle_length(candidates).text == "RK619AS"


def test_a_read_with_a_character_more_in_the_middle_is_no_cut_short_crop():
    # two round stickers between a Czech plate's groups, read as an 8 by half the crops, and surer than the
    # plate's B (by certainty that read would win): a character more in the middle is never settled this way
    engine = LprEngine(LprConfig(threads=1))
    plain, seal = line("1B19839", {1: ("8", 0.45)}, 0.999), line("1B189839", {}, 0.93)
    candidates = by_length([plain, plain, seal, seal])
    assert [c[1].text for c in candidates] == ["1B19839", "1B189839"]
    assert engine._likelihood(seal) > engine._likelihood(plain)
    assert engine.settle_length(candidates).text == "1B19839"
