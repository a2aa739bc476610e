"""The country code printed in a European plate's blue band, and the region it names.

Under `auto` (or the `EU` group) a plate's characters are explained by every country's formats, and where two
countries' formats read a look-alike differently the recogniser's belief alone decides: a Slovak BA 302OZ
(LL NNN LL), whose O Slovak plates print like a 0, fits Austria's loose L{1,2} A{3,6} as BA3020Z. The plate says
which it is: the band at its left end carries the country's code (SK) under the EU's stars. Its letters are
5 to 10 pixels high on most plates, too small for the text recogniser, so a small classifier trained on
synthetic bands (lpr.band_synth, scripts/train/flag_codes.py) tells the code from the whole band. Where it is
sure (SURE), the code's country's formats alone explain the plate; where it only leans to a code (LEAN), every
format competes, each country's weighed by how likely its code is (leaning: a blurred band's SK at 0.53 makes
BA302OZ Slovak).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import cast

import cv2
import numpy as np

from lpr.arrays import Floats, Picture
from lpr.onnx_session import open_session
from lpr.plate_formats import PlateFormat, Prior, formats_for
from lpr.plate_shape import is_european, never_banded
from lpr.regions import AUTO, EU_GROUP

MODEL = Path(__file__).resolve().parents[1] / "models" / "flag_code.onnx"
INPUT = (48, 24)  # the classifier's input, height and width (grey)
MIN_SIZE = (8, 4)  # a band's least height and width to read (smaller: a sliver, not a band)
CONTRAST_FLOOR = 4.0  # grey levels: a flat band's noise is not stretched into letters
# class 0: no code legible; then each code a band may carry, and the region (lpr.regions) it names
CODES: tuple[tuple[str, str], ...] = (
    ("", ""), ("A", "AT"), ("B", "BE"), ("BG", "BG"), ("CZ", "CZ"), ("D", "DE"), ("DK", "DK"), ("E", "ES"),
    ("EST", "EE"), ("F", "FR"), ("FIN", "FI"), ("GB", "GB"), ("GR", "GR"), ("H", "HU"), ("HR", "HR"), ("I", "IT"),
    ("IRL", "IE"), ("L", "LU"), ("LT", "LT"), ("LV", "LV"), ("N", "NO"), ("NL", "NL"), ("P", "PT"), ("PL", "PL"),
    ("RO", "RO"), ("S", "SE"), ("SK", "SK"), ("SLO", "SI"), ("UA", "UA"), ("UK", "GB"),
)
# the least probability of the code taken; lower, the band's code is left unread and every format competes
SURE = 0.8
# below SURE, a code at least this probable still weighs: each European country's formats are weighed by how
# much less probable its code is than the likeliest (never less than FLOOR of it)
LEAN = 0.4
FLOOR = 0.05


def prepare(band: Picture) -> Floats:
    """The classifier's input for a band cut from a plate crop (lpr.plate_crop.side_bands): grey, INPUT's size,
    its contrast stretched (a distant band's white letters are a few grey levels above its blue), shaped
    (1, 1, H, W)."""
    grey = cv2.cvtColor(band, cv2.COLOR_BGR2GRAY) if band.ndim == 3 else band
    small = cv2.resize(grey, (INPUT[1], INPUT[0]), interpolation=cv2.INTER_AREA).astype(np.float32)
    normal = (small - small.mean()) / max(float(small.std()), CONTRAST_FLOOR)
    return cast(Floats, np.clip(normal / 2, -2.0, 2.0)[None, None])


class FlagCodeReader:
    """The band classifier (models/flag_code.onnx) on onnxruntime."""

    def __init__(self, path: Path = MODEL, threads: int = 1) -> None:
        self.session = open_session(path, "lpr_regions", threads)
        self.input = self.session.get_inputs()[0].name

    def probabilities(self, band: Picture) -> Floats:
        """Each of CODES' probability for the band."""
        return cast(Floats, self.session.run(None, {self.input: prepare(band)})[0][0])

    def codes(self, bands: Sequence[Picture]) -> dict[str, float]:
        """Each region's probability (its codes' together; "" for no code legible) that the bands (one plate's,
        cut along its outlines) carry its code, on average; empty where no band is large enough to read."""
        usable = [b for b in bands if b.shape[0] >= MIN_SIZE[0] and b.shape[1] >= MIN_SIZE[1]]
        if not usable:
            return {}
        probs = np.mean([self.probabilities(b) for b in usable], axis=0)
        out: dict[str, float] = {}
        for (_, region), p in zip(CODES, probs, strict=True):
            out[region] = out.get(region, 0.0) + float(p)
        return out

    def region(self, bands: Sequence[Picture]) -> str | None:
        """The region whose code the bands carry, if the classifier is SURE of one on average; else None."""
        return sure(self.codes(bands))


def sure(codes: dict[str, float]) -> str | None:
    """The region of codes' (FlagCodeReader.codes) likeliest code, if it is SURE; else None."""
    if not codes:
        return None
    best = max(codes, key=codes.__getitem__)
    return best or None if codes[best] >= SURE else None


def country_of(format_name: str) -> str:
    """The region a format is named after (SK for SK, ES for ES-provincial, US for US-CA)."""
    return format_name.split("-")[0]


def european_read(format_name: str | None) -> bool:
    """Whether a read's format (None: the read as it was) leaves the plate European."""
    return format_name is None or is_european(country_of(format_name))


def leaning(codes: dict[str, float]) -> Prior | None:
    """What the band's code says for each format (by name) where the classifier leans to a code (LEAN) without
    being sure of it: the log of how much less probable its country's code is than the likeliest, down to
    FLOOR; 0 for formats of no European country. None where the classifier leans to no code."""
    best = max((r for r in codes if r), key=codes.__getitem__, default=None)
    if best is None or codes[best] < LEAN or codes[""] >= codes[best]:
        return None
    top = codes[best]

    def weigh(format_name: str) -> float:
        region = country_of(format_name)
        if not is_european(region):
            return 0.0
        return float(np.log(max(codes.get(region, 0.0), FLOOR * top) / top))
    return weigh


def european(formats: Iterable[PlateFormat]) -> set[str]:
    """The European countries (lpr.regions.EUROPE) whose formats are among `formats`."""
    return {region for region in (country_of(f.name) for f in formats) if is_european(region)}


def configured(region: str, regions: Iterable[str]) -> bool:
    """Whether an installation's regions (lpr_regions) take in the country `region`: auto, the EU group or the
    country itself."""
    return bool({AUTO.upper(), EU_GROUP, region} & {r.strip().upper() for r in regions})


def country_formats(region: str) -> list[PlateFormat]:
    """A country's formats printed with the blue band (lpr.plate_shape.never_banded: not Spain's provincial
    series)."""
    return [f for f in formats_for([region]) if not never_banded(f.name)]
