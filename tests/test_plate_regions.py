"""Region plate formats (lpr.regions) and how a read is matched to them (lpr.plate_formats): a look-alike is
settled only where the country's format fixes the class, `auto` prefers the best fit, and the setting names
itself when a region is unknown."""

from __future__ import annotations

from pathlib import Path

import pytest

from lpr.config import LprConfig
from lpr.pipeline import configured_formats
from lpr.plate_formats import FormatError, PlateFormat, apply_formats, formats_for
from lpr.plate_reader import CharRead
from lpr.regions import EUROPE, REGIONS, US_STATES
from storage import settings as settings_file
from tests.conftest import write_settings
from tests.plate_reads import ALPHABET, chars, settle

DOC = Path(__file__).resolve().parents[1] / "docs" / "lpr-formats.md"


# --- each country's rule ----------------------------------------------------------------------------------

def test_slovak_plates_have_digits_in_the_middle_and_letters_at_the_ends():
    # LL NNN LL: a 0 read at the end is the letter O, an O read in the middle the digit 0
    assert settle(chars("PP587A0", {6: ("O", 0.1)}), ["SK"]) == ("PP587AO", "SK")
    assert settle(chars("RKO99AN", {2: ("0", 0.1)}), ["SK"]) == ("RK099AN", "SK")
    assert settle(chars("8A123AB", {0: ("B", 0.2)}), ["SK"]) == ("BA123AB", "SK")


def test_a_code_from_a_closed_list_fits_only_where_the_read_begins_with_a_real_code():
    # Croatia's cities and Spain's provinces (until 2000): ST and SE are codes, RK and XY are not
    assert settle(chars("ST1234AB"), ["HR"]) == ("ST1234AB", "HR")
    assert settle(chars("SE1234AB"), ["ES"]) == ("SE1234AB", "ES-provincial")
    assert settle(chars("M1234AB"), ["ES"]) == ("M1234AB", "ES-provincial")
    assert settle(chars("5T1234A8", {0: ("S", 0.2), 7: ("B", 0.2)}), ["HR"]) == ("ST1234AB", "HR")
    for read in ("RK3346AL", "XY1234AB", "Q1234AB"):
        assert settle(chars(read), ["HR", "ES"]) == (read, None), read


def test_a_coat_of_arms_read_as_a_character_is_left_out_where_no_real_code_explains_it():
    # a Slovak RK 346AL whose coat of arms the recogniser read as a 3 (at 0.40, a separator at 0.06), as a frame
    # of the EU video clips read it: Croatia's LL NNNN LL and Spain's provincial series explained RK3346AL as it was
    read = chars("RK3346AL", score=0.99)
    probs = read[2].probs.copy()
    probs[ALPHABET.index("3")], probs[ALPHABET.index("-")] = 0.40, 0.06
    read[2] = CharRead("3", 0.40, probs)
    assert settle(read, ["auto"])[0] == "RK346AL"


def test_the_third_place_of_a_czech_plate_is_a_letter_or_a_digit_but_never_an_o():
    # the third may be a letter or a digit: a B or an 8 there keeps what was read...
    assert settle(chars("4BB4979", {2: ("8", 0.3)}), ["CZ"]) == ("4BB4979", "CZ")
    assert settle(chars("4B84979", {2: ("B", 0.3)}), ["CZ"]) == ("4B84979", "CZ")
    # ... but Czech plates use no G, O, Q or W: an O read there is the digit 0, and a 0 stays
    assert settle(chars("4BO4979", {2: ("0", 0.3)}), ["CZ"]) == ("4B04979", "CZ")
    assert settle(chars("4B04979", {2: ("O", 0.3)}), ["CZ"]) == ("4B04979", "CZ")
    assert settle(chars("4BG4979", {2: ("6", 0.3)}), ["CZ"]) == ("4B64979", "CZ")
    # ... while the first is a digit and the second a letter
    assert settle(chars("IB80338", {0: ("1", 0.2)}), ["CZ"]) == ("1B80338", "CZ")
    assert settle(chars("1880338", {1: ("B", 0.2)}), ["CZ"]) == ("1B80338", "CZ")


def test_a_german_plate_fixes_only_letters_before_digits():
    # district and letters are 2 to 5 letters, then 1 to 4 digits: a 0 between letters must be an O...
    assert settle(chars("M0A1234", {1: ("O", 0.1)}), ["DE"]) == ("MOA1234", "DE")
    # ... but where the letters end is free: ABI234 (AB-I 234) and AB1234 (AB 1234) are both plates
    assert settle(chars("ABI234", {2: ("1", 0.3)}), ["DE"]) == ("ABI234", "DE")
    assert settle(chars("AB1234", {2: ("I", 0.3)}), ["DE"]) == ("AB1234", "DE")


def test_swedish_plates_leave_the_last_place_free():
    assert settle(chars("ABC12O", {5: ("0", 0.3)}), ["SE"]) == ("ABC12O", "SE")
    assert settle(chars("ABC120", {5: ("O", 0.3)}), ["SE"]) == ("ABC120", "SE")
    assert settle(chars("A8C120", {1: ("B", 0.2)}), ["SE"]) == ("ABC120", "SE")


def test_us_states_fix_what_their_serials_fix_and_free_states_nothing():
    assert settle(chars("7A8C234", {2: ("B", 0.2)}), ["US-CA"]) == ("7ABC234", "US-CA")
    assert settle(chars("AB1C2D"), ["US-MO"]) == ("AB1C2D", "US-MO")
    # Colorado's serials are mixed: nothing is settled
    assert settle(chars("A8C1O2", {1: ("B", 0.2), 4: ("0", 0.3)}), ["US-CO"]) == ("A8C1O2", "US-CO")


def test_a_plate_of_another_country_stays_as_read_when_its_look_alikes_are_improbable():
    # a Czech 1T43213 under SK would need four look-alikes the recogniser gave 0.001 each: kept as read
    assert settle(chars("1T43213"), ["SK"]) == ("1T43213", None)
    # the same read with a probable look-alike at the one place that differs is settled
    assert settle(chars("RK0S9AN", {3: ("5", 0.3)}), ["SK"]) == ("RK059AN", "SK")


def test_a_character_the_recogniser_half_took_for_a_separator_may_be_left_out_to_fit_a_format():
    # the inspection seal between a Czech plate's groups read as an 8, with the separator second: 4B4 0262
    assert settle(chars("4B480262", {3: ("-", 0.24)}), ["CZ"]) == ("4B40262", "CZ")
    assert settle(chars("4B480262", {3: ("-", 0.24)}), ["auto"]) == ("4B40262", "CZ")
    # an 8 the recogniser was sure of stays: the read fits no Czech format, nor does auto change its length
    assert settle(chars("4B480262"), ["CZ"]) == ("4B480262", None)
    assert settle(chars("4B480262"), ["auto"])[0] == "4B480262"


# --- auto ---------------------------------------------------------------------------------------------------

def test_auto_prefers_a_format_that_fixes_the_classes_over_a_loose_one():
    # SK, IT and FR's LL NNN LL against the US's A{2,8}: both explain PP587A0, but only the fixed one asks for
    # the O the recogniser also saw
    text, fmt = settle(chars("PP587A0", {6: ("O", 0.1)}), ["auto"])
    assert text == "PP587AO" and fmt not in (None, "US")
    # a read that fits both as it is: the fixed format is reported
    assert settle(chars("AB123CD"), ["auto"])[1] not in (None, "US")
    assert settle(chars("AB123CD"), ["US", "SK"]) == ("AB123CD", "SK")


def test_auto_never_turns_a_confident_read_into_another_countrys_plate():
    # a plate the loose US format explains as read; California's 1ABC234 would need 0 for the O at 0.001
    assert settle(chars("7ABC0O1"), ["auto"]) == ("7ABC0O1", "US")
    # the Czech read stays Czech; a Polish LL NNNNL plate stays Polish though SK's LL NNN LL is one look-alike away
    assert settle(chars("1T43213"), ["auto"]) == ("1T43213", "CZ")
    assert settle(chars("WA1234K", {5: ("A", 0.007)}), ["auto"]) == ("WA1234K", "PL-4")


def test_a_polish_serial_never_holds_b_d_i_o_or_z_and_a_bulgarian_plate_only_letters_alike_in_cyrillic():
    # BA3020Z is no Polish LL NNNNL plate (a Z in its serial) nor a Bulgarian one (no Z in Cyrillic): of these
    # three countries it is the Slovak BA 302OZ (Bratislava), its 0 the letter O, though the recogniser gave the
    # O only 0.007 (under auto Spain's old provincial BA 3020 Z, Badajoz, still explains it as read)
    assert settle(chars("BA3020Z", {5: ("O", 0.007)}), ["PL", "BG"]) == ("BA3020Z", None)
    assert settle(chars("BA3020Z", {5: ("O", 0.007)}), ["PL", "BG", "SK"]) == ("BA302OZ", "SK")
    # a 0 read where a Polish serial's letter must be becomes a look-alike the serial may hold (Q), never an O
    assert settle(chars("KRA123A0", {7: ("Q", 0.05)}), ["PL"]) == ("KRA123AQ", "PL-3L")
    assert settle(chars("CA1234AB"), ["BG"]) == ("CA1234AB", "BG")
    assert settle(chars("CA1234AW"), ["BG"]) == ("CA1234AW", None)


def test_countries_that_never_use_some_letters_do_not_explain_reads_with_them():
    # Greece uses only the 14 capitals Greek and Latin share: NJG7272 (Illinois NJ 67272, its 6 read as a G) is
    # no Greek plate, and then Illinois's LL NNNNN settles the G
    assert settle(chars("NJG7272", {2: ("6", 0.3)}), ["GR", "US-IL"]) == ("NJ67272", "US-IL")
    assert settle(chars("ABE1234"), ["GR", "US-IL"]) == ("ABE1234", "GR")
    # Italy never uses O (nor I, Q, U): a 0 read at the end stays a 0, and the read fits no Italian plate
    assert settle(chars("AB123C0", {6: ("O", 0.3)}), ["IT"]) == ("AB123C0", None)
    assert settle(chars("AB123C0", {6: ("D", 0.3)}), ["IT"]) == ("AB123CD", "IT")
    # France never uses I, O or U; Spain only consonants; the Netherlands no vowels, nor C or Q
    assert settle(chars("AB123UV"), ["FR"]) == ("AB123UV", None)
    assert settle(chars("1234BCA"), ["ES"]) == ("1234BCA", None)
    assert settle(chars("1234BCD"), ["ES"]) == ("1234BCD", "ES")
    assert settle(chars("AB12CD"), ["NL"]) == ("AB12CD", None)
    assert settle(chars("GB12DF"), ["NL"]) == ("GB12DF", "NL-4")
    # Russia: a letter, three digits, two letters and the region's two or three digits; its letters only those
    # Cyrillic shares with Latin (no D): an O read among the digits is a 0, a 0 read among the letters an O
    assert settle(chars("A1O3BC77", {2: ("0", 0.2)}), ["RU"]) == ("A103BC77", "RU")
    assert settle(chars("A123B0777", {5: ("O", 0.2)}), ["RU"]) == ("A123BO777", "RU")
    assert settle(chars("A123DC77"), ["RU"]) == ("A123DC77", None)
    # a Czech plate's second character is one of the 14 regions' letters
    assert settle(chars("1Q23456"), ["CZ"]) == ("1Q23456", None)
    assert settle(chars("1B23456"), ["CZ"]) == ("1B23456", "CZ")


def test_a_pattern_may_list_the_characters_a_place_takes():
    fmt = PlateFormat.parse("custom", "LL [cxb]{1,2} N")
    assert fmt.slots == (("L", False), ("L", False), ("[BCX]", False), ("[BCX]", True), ("N", False))
    assert fmt.ends == frozenset({1, 3})
    assert settle(chars("AB8X1", {2: ("B", 0.1)}), []) == ("AB8X1", None)
    assert apply_formats(chars("AB8X1", {2: ("B", 0.1)}), [fmt], ALPHABET, True).text == "ABBX1"
    assert apply_formats(chars("ABAX1"), [fmt], ALPHABET, True).format is None
    for bad in ("LL [A-C]", "LL []", "LL [ABC"):
        with pytest.raises(FormatError):
            PlateFormat.parse("custom", bad)


def test_between_two_countries_the_recogniser_decides():
    # A8I23CE: Bulgarian A 8123 CE (8 as read) or French AB-123-CE (B for the 8): whichever the glyphs support
    assert settle(chars("A8I23CE", {1: ("B", 0.2), 2: ("1", 0.4)}), ["auto"]) == ("A8123CE", "BG")
    assert settle(chars("A8I23CE", {1: ("B", 0.6), 2: ("1", 0.4)}), ["auto"])[0] == "AB123CE"


def test_a_character_sure_of_its_glyph_but_not_of_its_class_is_sure_where_the_format_fixes_the_class():
    # NZJ 6581 (Brazil, LLL NNNN): Z at 0.52 with 0.40 on 2, G at 0.05 with 0.85 on 6
    read = chars("NZJ6581", {1: ("2", 0.40), 3: ("G", 0.05)}, score=0.92)
    match = apply_formats(read, formats_for(["BR"]), ALPHABET, True)
    assert match.text == "NZJ6581"
    assert match.sure_scores[1] == pytest.approx(0.92, abs=0.01) and match.sure_scores[3] == pytest.approx(0.92)
    # the characters' own scores stay the recogniser's (the multi-frame vote weighs reads by them)
    assert match.char_scores[1] == pytest.approx(0.52, abs=0.01) and match.char_scores[3] == pytest.approx(0.87)
    # where no format fixes the class, the read keeps the recogniser's own doubt
    assert apply_formats(read, [], ALPHABET, True).sure_scores[1] == pytest.approx(0.52, abs=0.01)
    # and a glyph that is unsure in itself stays unsure: Z at 0.5 with 0.4 on X
    unsure = apply_formats(chars("NZJ6581", {1: ("X", 0.40)}, score=0.92), formats_for(["BR"]), ALPHABET, True)
    assert unsure.sure_scores[1] == pytest.approx(0.52, abs=0.01)


def test_auto_leaves_hangul_to_a_recogniser_that_reads_it():
    # a Hangul-blind recogniser's 4B480262 is not a two-line Korean plate with three unread syllables...
    assert "?" not in settle(chars("4B480262"), ["auto"], hangul=False)[0]
    # ... but KR set explicitly still marks the syllable's place, and a Hangul read fits auto's KR formats
    assert settle(chars("1273456"), ["KR"], hangul=False) == ("12?3456", "KR")
    assert settle(chars("12374567"), ["auto"], hangul=False) == ("12374567", "US")
    assert settle(chars("12374567"), ["auto", "KR"], hangul=False) == ("123?4567", "KR-3")
    assert settle(chars("12가3456"), ["auto"]) == ("12가3456", "KR")


def test_brazilian_plates_read_the_same_under_auto():
    assert settle(chars("OUH919I", {6: ("1", 0.3)}), ["auto"])[0] == "OUH9191"
    # a 0 read more probably than the O the old Brazilian series wants: Maryland's 1AB2345 explains it as well
    assert settle(chars("0UH919I", {0: ("O", 0.3), 6: ("1", 0.3)}), ["auto"]) == ("0UH9191", "US-MD")
    assert settle(chars("0UH919I", {0: ("O", 0.3), 6: ("1", 0.3)}), ["BR"]) == ("OUH9191", "BR")
    assert settle(chars("8RA2E19", {0: ("B", 0.3)}), ["auto"])[0] == "BRA2E19"


# --- the data and its documentation ------------------------------------------------------------------------

def test_every_regions_example_is_read_as_it_is_under_its_region_and_under_auto():
    for code, formats in REGIONS.items():
        for name, _, example in formats:
            assert settle(chars(example), [code])[0] == example, (code, name)
            assert settle(chars(example), ["auto"])[0] == example, (code, name)


def test_the_formats_page_lists_every_region_with_its_example():
    text = DOC.read_text(encoding="utf-8")
    for code in [*EUROPE, *(f"US-{s}" for s in US_STATES), "BR", "AR", "KR", "EU", "US", "auto"]:
        assert f"`{code}`" in text, code
    for formats in REGIONS.values():
        # a region's first example of each format name (a closed list of codes makes several patterns of one name)
        for example in {name: example for name, _, example in reversed(formats)}.values():
            assert example in text, example


# --- the settings -------------------------------------------------------------------------------------------

def test_a_new_installation_tries_every_region():
    assert LprConfig().regions == ["auto"]
    assert len(configured_formats(LprConfig())) == len(formats_for(["auto"])) > 40


def test_an_unknown_region_is_an_error_naming_the_setting(tmp_path: Path):
    write_settings(tmp_path, lpr_regions=["auto", "US-CA", "SK"])
    settings = settings_file.load(tmp_path, env={})
    assert settings.lpr_regions == ["auto", "US-CA", "SK"]
    assert settings_file.load(tmp_path, env={"TSNVR_LPR_REGIONS": ""}).lpr_regions == []
    assert [f.name for f in configured_formats(LprConfig.from_settings(settings))][:2] == ["AT", "BE"]
    with pytest.raises(FormatError, match=r"^setting lpr_regions: unknown plate region 'XX' \(known: auto, AR, AT"):
        configured_formats(LprConfig(regions=["SK", "XX"]))
    with pytest.raises(FormatError, match="setting lpr_regions: unknown plate region 'US-XX'.*US-CA"):
        configured_formats(LprConfig(regions=["US-XX"]))
    with pytest.raises(FormatError, match="setting lpr_plate_patterns: plate format 'LL-Q'"):
        configured_formats(LprConfig(plate_patterns=["LL-Q"]))
    assert [f.name for f in configured_formats(LprConfig(regions=[], plate_patterns=["LL NNN A"]))] == ["custom-1"]
