"""What a plate's proportions say about its country, and so which formats may explain its read.

A plate's outline (the plate detector's mask) keeps its country's proportions: Europe's one-line plates are
520 x 110 mm (4.7:1; the outlines measure 3.2 to 4.8 on the EU photos, 5th to 99th percentile), Brazil's
400 x 130 mm (3.1:1; 2.8 to 3.9), North America's 12 x 6 inches (2:1; the state name above the characters,
a slogan below). Under `auto` a short read fits formats of many countries (California's `5ENX018` read with
an S is the German `SE NX 18`), and the shape tells them apart:

- a plate at least LONG_PLATE times as wide as high is no North American plate;
- a one-line plate at most SHORT_PLATE times as wide as high is no European plate (Europe's short plates hold
  two lines);
- a plate with a blue band at its left end (the EU's, Korea's since 2019) is no North American plate, nor
  one of the other formats printed without such a band (UNBANDED: Spain's provincial series, which the EU
  band replaced in 2000, and Switzerland's) (lpr.plate_crop.has_flag_band).

Only a mask's outline counts: the box around a tilted plate is higher than the plate. A rule applies only
where it leaves some region's formats: an installation whose regions are all European keeps them on a short
plate.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from lpr.geometry import quad_size
from lpr.plate_detector import PlateDetection
from lpr.plate_formats import PlateFormat, formats_for
from lpr.regions import EU_GROUP, EUROPE, US_GROUP

LONG_PLATE = 3.6
SHORT_PLATE = 2.6
UNBANDED = frozenset({"ES-provincial", "CH"})  # formats (besides North America's) never with a band at the left


def is_north_american(code: str) -> bool:
    return code == US_GROUP or code.startswith(f"{US_GROUP}-")


def is_european(code: str) -> bool:
    return code == EU_GROUP or code in EUROPE


def never_banded(format_name: str | None) -> bool:
    """Whether plates of a format never carry a blue band at their left end."""
    return format_name is not None and (is_north_american(format_name) or format_name in UNBANDED)


def plate_aspect(detection: PlateDetection) -> float | None:
    """The plate's width over its height along its mask's outline; None without a mask."""
    if not detection.from_mask:
        return None
    width, height = quad_size(detection.quad)
    return width / height if height > 0 else None


@dataclass(frozen=True)
class ShapedFormats:
    """An installation's formats, and the ones left for a plate whose shape rules some countries out."""

    all: list[PlateFormat]
    not_north_american: list[PlateFormat]
    not_european: list[PlateFormat]
    banded: list[PlateFormat]  # for a plate with a blue band at its left end

    @classmethod
    def of(cls, regions: Iterable[str], patterns: Iterable[str] = ()) -> ShapedFormats:
        regions, patterns = list(regions), list(patterns)
        everything = formats_for(regions, patterns)
        region_formats = formats_for(regions)
        regional = {f.name for f in region_formats}

        def without(leave_out: Callable[[str], bool]) -> list[PlateFormat]:
            kept = formats_for(regions, (), leave_out)
            # a rule that leaves no region's format would make every plate unexplained: it does not apply
            if not kept or len(kept) == len(region_formats):
                return everything
            return formats_for(regions, patterns, leave_out)

        not_north_american = without(is_north_american)
        banded = [f for f in not_north_american if not never_banded(f.name)]
        if not any(f.name in regional for f in banded):
            banded = not_north_american
        return cls(everything, not_north_american, without(is_european), banded)

    def for_plate(self, aspect: float | None, lines: int, flag_band: bool = False) -> list[PlateFormat]:
        if flag_band:
            return self.banded
        if aspect is not None and aspect >= LONG_PLATE:
            return self.not_north_american
        if aspect is not None and lines == 1 and aspect <= SHORT_PLATE:
            return self.not_european
        return self.all

    def for_track(self, aspects: Sequence[float | None], lines: Sequence[int],
                  flag_band: bool) -> list[PlateFormat]:
        """The formats for a vote over one plate's reads: its median shape, one line only if every read was."""
        known = [a for a in aspects if a is not None]
        aspect = statistics.median(known) if known else None
        return self.for_plate(aspect, max(lines, default=1), flag_band)
