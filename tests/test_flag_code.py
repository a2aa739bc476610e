"""The country code in a European plate's blue band settles which country's formats read the plate, where the
installation's regions span several countries: a Slovak BA 302OZ, whose O is printed like a 0, is BA302OZ under
SK and BA3020Z under Austria's loose format. The classifier reads synthetic bands it never saw and the crafted
bands of tests.test_char_band (another face than it learnt from); the reads use the real recogniser."""

from __future__ import annotations

import numpy as np
import pytest

from lpr.band_synth import band_sample
from lpr.config import LprConfig
from lpr.flag_code import CODES, FLOOR, LEAN, SURE, FlagCodeReader, configured, country_formats, european, leaning
from lpr.pipeline import LprEngine, PlateRead
from lpr.plate_formats import formats_for
from tests.needs import MODEL_CACHE
from tests.test_char_band import blank_plate, eu_band, on_frame, write


@pytest.fixture(scope="module")
def codes() -> FlagCodeReader:
    return FlagCodeReader()


@pytest.fixture(scope="module")
def reader() -> LprEngine:
    engine = LprEngine(LprConfig(threads=1, cache_dir=str(MODEL_CACHE)))  # the defaults: auto
    engine.load(objects=False)
    return engine


def test_the_classifier_names_the_country_of_synthetic_bands_it_never_saw(codes: FlagCodeReader):
    rng = np.random.default_rng(20261207)  # training draws from seeds 1 and up
    tried = right = wrong = 0
    for code, region in [c for c in CODES if c[0]] * 2:
        band = band_sample(code, rng, height=45)
        if band is None:
            continue
        tried += 1
        found = codes.region([band])
        right += found == region
        wrong += found is not None and found != region
    assert tried >= 45
    assert right >= 0.8 * tried and wrong <= 1


def test_a_band_without_a_code_names_no_country(codes: FlagCodeReader):
    rng = np.random.default_rng(7)
    bands = [b for b in (band_sample("", rng, height=45) for _ in range(20)) if b is not None]
    assert len(bands) >= 15
    assert sum(codes.region([b]) is not None for b in bands) <= 1
    assert codes.region([np.zeros((6, 3, 3), np.uint8)]) is None  # too small to hold a code


def slovak_plate(code: str, fade: float = 0.0) -> np.ndarray:
    """BA 302OZ with its O drawn as a 0 (Slovak plates print them alike), in a band of `code`'s, its colours
    `fade` of the way to their mean (a band washed out by the light or the distance)."""
    plate = blank_plate()
    x = write(plate, "BA", eu_band(plate, code) + 16)
    write(plate, "3020Z", x + 34)
    band = plate[5:-5, 5:50].astype(np.float32)
    plate[5:-5, 5:50] = (band * (1 - fade) + band.mean((0, 1)) * fade).astype(np.uint8)
    return plate


def test_the_bands_code_picks_the_countrys_format_for_a_look_alike(reader: LprEngine):
    reads = {}
    for code in ("SK", "CZ", ""):
        picture, found = on_frame(slovak_plate(code), 40)  # 40 pixels high, as most cars' plates are seen
        [reads[code]] = reader._read_detections(picture, [found], None)
    assert (reads["SK"].text, reads["SK"].format, reads["SK"].country) == ("BA302OZ", "SK", "SK")
    # no code to read: every format competes, and the recogniser's 0 stands
    assert (reads[""].text, reads[""].country) == ("BA3020Z", None)
    # a code whose country's formats do not explain the read (Czechia's N L A NNNN) settles nothing
    assert (reads["CZ"].text, reads["CZ"].format, reads["CZ"].country) == (reads[""].text, reads[""].format, None)


def test_a_likely_code_weighs_the_formats_where_a_sure_one_would_narrow_them(reader: LprEngine):
    picture, found = on_frame(slovak_plate("SK", fade=0.8), 40)
    codes = reader.flag_codes_of(reader.plate_crops(picture, found))
    assert max(codes, key=codes.__getitem__) == "SK" and LEAN <= codes["SK"] < SURE  # the premise: likely, not sure
    [read] = reader._read_detections(picture, [found], None)
    # Slovakia's format, weighed up by its likely code, beats Austria's loose reading of the recogniser's 0; no
    # country is named, as the code was not sure
    assert (read.text, read.format, read.country) == ("BA302OZ", "SK", None)


def test_a_code_weighs_each_countrys_formats_by_how_much_less_likely_it_is():
    codes = {region: 0.0 for _, region in CODES} | {"SK": 0.6, "CZ": 0.3, "AT": 0.001, "": 0.09}
    weigh = leaning(codes)
    assert weigh is not None
    assert weigh("SK") == 0.0
    assert weigh("CZ") == pytest.approx(np.log(0.5))
    assert weigh("AT") == pytest.approx(np.log(FLOOR))  # never weighed down further than FLOOR
    assert weigh("ES-provincial") == pytest.approx(np.log(FLOOR))  # a country's other series too
    assert weigh("BR") == weigh("US-CA") == weigh("KR-regional") == 0.0  # no European country: no code to weigh by
    # leaning to no code, or to none enough, weighs nothing
    assert leaning(codes | {"": 0.7}) is None
    assert leaning(codes | {"SK": LEAN - 0.01}) is None
    assert leaning({}) is None


def test_an_installation_of_one_country_reads_no_band(reader: LprEngine):
    only = LprEngine(LprConfig(threads=1, regions=["SK"], cache_dir=str(MODEL_CACHE)))
    assert not only.by_flag_code and reader.by_flag_code
    assert LprEngine(LprConfig(threads=1, regions=["SK", "AT"], cache_dir=str(MODEL_CACHE))).by_flag_code
    assert not LprEngine(LprConfig(threads=1, regions=["BR", "US"], cache_dir=str(MODEL_CACHE))).by_flag_code
    assert european(formats_for(["SK", "AT", "BR"])) == {"SK", "AT"}
    assert configured("SK", ["auto"]) and configured("SK", ["EU"]) and configured("SK", ["sk", "AT"])
    assert not configured("SK", ["AT", "CZ"])


def test_a_band_naming_a_country_the_installation_leaves_out_settles_nothing():
    engine = LprEngine(LprConfig(threads=1, regions=["AT", "CZ"], cache_dir=str(MODEL_CACHE)))
    picture, found = on_frame(slovak_plate("SK"), 40)
    [read] = engine._read_detections(picture, [found], None)
    assert (read.text, read.country) == ("BA3020Z", None)


def test_a_countrys_formats_leave_out_the_series_printed_without_the_band():
    assert [f.name for f in country_formats("ES")] == ["ES"]
    assert [f.name for f in country_formats("SK")] == ["SK"]


def test_a_tracks_vote_uses_the_country_most_of_its_reads_found(reader: LprEngine):
    def read(country: str | None) -> PlateRead:
        return PlateRead("BA3020Z", 90.0, (0, 0, 100, 20), [90.0] * 7, [(0, 0)] * 4, 90.0, None, flag_band=False,
                         country=country)

    assert [f.name for f in reader.formats_for_reads([read("SK"), read("SK"), read(None), read("AT")])] == ["SK"]
    assert reader.formats_for_reads([read(None), read(None)]) == reader.formats
