"""The engine: pictures in, plate reads and objects out.

    engine = LprEngine(LprConfig(regions=["BR"]))
    plates = engine.read_plates(bgr)          # [PlateRead(text, score, box, char_scores, ...)]
    objects = engine.detect_objects(bgr)      # [DetectedObject(kind, box, vehicle_type, colours...)]

A tracker calls these once per analysed frame; `read_plates(frame, vehicles=objects)` links each plate to the
vehicle around it without detecting vehicles twice. Models are loaded on first use; a missing or unreadable
model raises lpr.models.ModelError naming its setting.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import cv2

from lpr import colors, exposure, second_look
from lpr.arrays import Floats, Picture
from lpr.char_band import Band, band_crop, read_band
from lpr.char_line import line_crop, print_around
from lpr.charset import is_hangul
from lpr.config import LprConfig
from lpr.flag_code import FlagCodeReader, country_formats, european, european_read, leaning, sure
from lpr.flag_code import configured as country_configured
from lpr.geometry import box_quad, quad_size, xywh
from lpr.korean_regions import settle_region
from lpr.models import resolve
from lpr.plate_detector import PlateDetection, PlateDetector
from lpr.plate_formats import UNKNOWN, FormatError, FormatMatch, PlateFormat, Prior, apply_formats, formats_for
from lpr.plate_groups import on_band
from lpr.plate_reader import SURE, LineRead, PlateReader, combine, sure_first
from lpr.plate_shape import SHORT_PLATE, ShapedFormats, never_banded, plate_aspect
from lpr.quantize import cached_copy
from lpr.two_line import split_lines
from lpr.us_states import configured, named_state, state_formats, states_disagree, us_formats
from lpr.vehicle_detector import HUMAN, VEHICLE, ObjectDetector

Box = tuple[int, int, int, int]  # x, y, width, height in image pixels

# Crops read for each plate: (pad_x, pad_y) as shares of the plate's width and height. The detector's box and
# the mask's outline fail in different ways (the box includes a tilted plate's surroundings, the outline can
# clip a character), so both are read and their per-character probabilities averaged.
CROP_PAD = (0.0, 0.05)
TILTED = 8.0  # degrees: a plate tilted more than this is read along its mask's outline first
TWO_LINE_ASPECT = 2.3  # plates narrower than this many heights may hold two lines (motorcycles, old KR...)
# A two-line read must explain a plate clearly better than the one-line read (mean log probability per
# character): a one-line plate with a line of small print (a US state name) reads as two confident lines too,
# while a real two-line plate squeezed into one line reads poorly.
TWO_LINE_MARGIN = 0.02
# Crops read at lengths whose support is at least this share of the best supported length's (of four reads, two
# against two) are settled by the formats (LprEngine.settle_length).
LENGTH_CLOSE = 0.75
# Korean plates: the generic recogniser cannot read Hangul, so with lpr_regions KR (or auto) a plate is read again
# by the Korean recogniser (docs/lpr-korean.md). With auto only when a Korean format, its syllable unread,
# explains the generic read within this many nats of the best reading (a syllable read as nothing or as two
# characters costs 2.3): a Latin plate, whose letters a Korean format cannot take without look-alikes, is not
# read twice.
KR_MODEL = Path(__file__).resolve().parents[1] / "models" / "kr_plate_rec.onnx"
KR_FORMATS = formats_for(["KR"])
KR_AUTO_MARGIN = 3.0
# ... and with auto its read is kept only if it is this sure of the plate's syllable: a Latin plate that looks like
# digits around a letter (4BO4979) may fit a Korean format, but not with a confident syllable. (Of the 232 plates
# in the development photos, two reach the Korean recogniser at all, and it reads no syllable on either.)
KR_AUTO_SYLLABLE = 0.25
# ... and with auto also when the read is digits only: the generic recogniser often skips the syllable, or takes
# it for a digit, and on a two-line plate may keep only the bottom line's four digits. Latin plates of digits
# only are rare, and keep their read unless the Korean recogniser is sure of a syllable.
KR_DIGITS_ONLY = (4, 8)


@dataclass
class DetectedObject:
    kind: str  # "human" or "vehicle"
    label: str  # the detector's class: person, car, truck, bus, motorcycle, bicycle...
    box: Box
    score: float  # 0-100
    vehicle_type: str | None = None
    colors: list[str] = field(default_factory=list)  # vehicle body
    upper_colors: list[str] = field(default_factory=list)  # person: upper clothes
    lower_colors: list[str] = field(default_factory=list)  # person: lower clothes

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"kind": self.kind, "label": self.label, "box": list(self.box), "score": self.score}
        if self.kind == VEHICLE:
            out.update(vehicleType=self.vehicle_type, colors=self.colors)
        else:
            out.update(upperColors=self.upper_colors, lowerColors=self.lower_colors)
        return out


@dataclass
class PlateRead:
    text: str
    score: float  # 0-100: how sure the read is (read_score)
    box: Box  # the plate in image pixels
    char_scores: list[float]  # 0-100, one per character of `text`
    quad: list[tuple[float, float]]  # the plate's corners (tl, tr, br, bl)
    detection_score: float  # 0-100
    format: str | None = None  # the plate format that matched, None if none did (or none is configured)
    lines: int = 1
    vehicle: DetectedObject | None = None
    flag_band: bool = False  # a format never printed with a blue band at the left end fitted, but the plate has one
    aspect: float | None = None  # the plate's width over its height along its mask's outline (None: no mask)
    state: str | None = None  # the US state whose name is printed on the plate, where it settled the format
    country: str | None = None  # the country whose code is printed in the plate's blue band, where it settled it
    # how probable each country's code is in the plate's blue band (LprEngine.flag_codes_of; empty: no band read)
    codes: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"text": self.text, "score": self.score, "box": list(self.box),
                                  "charScores": self.char_scores, "format": self.format}
        if self.vehicle is not None:
            out["vehicle"] = {"box": list(self.vehicle.box), "vehicleType": self.vehicle.vehicle_type}
        return out


class PlateCut(NamedTuple):
    """A plate cut out along one of its outlines, as both recognisers read it."""

    crop: Picture  # straightened, its blue side bands cut off
    band: Band | None  # its character band
    line: Picture  # the band's line alone, or the crop (lpr.char_line)
    flag: Picture | None  # the blue band at its left end as cut off (lpr.plate_crop.has_flag_band), or None

    @property
    def flag_band(self) -> bool:
        return self.flag is not None


class LprEngine:
    def __init__(self, config: LprConfig | None = None) -> None:
        self.config = config or LprConfig()
        if self.config.plate_search not in ("frame", "vehicles"):
            raise ValueError(f"setting lpr_plate_search: {self.config.plate_search!r} is not frame or vehicles")
        # OpenCV's resizes and warps too keep to lpr_threads (its pool is the process's: the newest engine's
        # setting holds); 0 gives them back every core, OpenCV's default
        cv2.setNumThreads(self.config.threads if self.config.threads > 0 else -1)
        self.formats = configured_formats(self.config)
        self.us_formats = us_formats(self.formats)  # those a state's name printed on the plate narrows down
        # the code in a plate's blue band narrows the formats down to its country's where several are configured
        self.by_flag_code = len(european(self.formats)) > 1
        self._flag_codes: FlagCodeReader | None = None
        # the formats left when a plate's shape or flag band rules out some countries
        self.shaped = ShapedFormats.of(self.config.regions, self.config.plate_patterns)
        self._plates: PlateDetector | None = None
        self._reader: PlateReader | None = None
        self._objects: ObjectDetector | None = None
        regions = {r.strip().upper() for r in self.config.regions}
        self.korean_mode = "KR" if "KR" in regions else "AUTO" if "AUTO" in regions else None
        # only Korean formats (lpr_regions = ["KR"]): a Korean read that fits one is taken whatever the generic
        # recogniser reads, so that one reads first and the generic one only when it fits none
        self.korean_first = self.korean_mode == "KR" and all(f.name.startswith("KR") for f in self.formats)
        self._korean: LprEngine | None = None

    # models, loaded on first use
    @property
    def plate_detector(self) -> PlateDetector:
        if self._plates is None:
            self._plates = PlateDetector(self._detector_path("lpr_plate_model", self.config.plate_model,
                                                             self.config.plate_input_size),
                                         self.config.threads, self.config.plate_confidence)
            self._plates.model.rect = self.config.rect_input
        return self._plates

    @property
    def reader(self) -> PlateReader:
        if self._reader is None:
            dict_path = resolve("lpr_ocr_dict", self.config.ocr_dict) if self.config.ocr_dict else None
            self._reader = PlateReader(resolve("lpr_ocr_model", self.config.ocr_model), self.config.threads,
                                       dict_path)
        return self._reader

    @property
    def flag_codes(self) -> FlagCodeReader:
        if self._flag_codes is None:
            self._flag_codes = FlagCodeReader(threads=self.config.threads)
        return self._flag_codes

    @property
    def korean(self) -> LprEngine:
        """An engine that reads plates with the Korean recogniser and matches the Korean formats only."""
        if self._korean is None:
            path = resolve("lpr_ocr_kr_model", self.config.ocr_kr_model or KR_MODEL)
            korean = LprEngine(self.config.model_copy(update={"regions": ["KR"], "plate_patterns": []}))
            korean._reader = PlateReader(path, self.config.threads)
            self._korean = korean
        return self._korean

    @property
    def object_detector(self) -> ObjectDetector:
        if self._objects is None:
            self._objects = ObjectDetector(self._detector_path("lpr_object_model", self.config.object_model),
                                           self.config.threads, self.config.object_confidence)
            self._objects.model.rect = self.config.rect_input
        return self._objects

    def _detector_path(self, setting: str, configured: str, input_size: int = 0) -> Path:
        path = resolve(setting, configured)
        # (a file that cannot be copied is used as it is, and then fails to load with its setting's name)
        cache = Path(self.config.cache_dir).expanduser() if self.config.cache_dir else None
        return cached_copy(path, cache, self.config.quantize, input_size) or path

    def load(self, objects: bool = True) -> None:
        """Load the models now (raises ModelError at once instead of at the first picture)."""
        _ = self.plate_detector, self.reader
        if objects:
            _ = self.object_detector

    # objects
    def detect_objects(self, image: Picture) -> list[DetectedObject]:
        out = []
        for found in self.object_detector(image):
            obj = DetectedObject(found.kind, found.label, xywh(found.box), round(100 * found.score, 1),
                                 found.vehicle_type)
            if found.kind == HUMAN:
                obj.upper_colors, obj.lower_colors = colors.person_colors(image, found.box)
            else:
                obj.colors = colors.vehicle_colors(image, found.box)
            out.append(obj)
        return out

    # plates
    def find_plates(self, image: Picture, vehicles: list[DetectedObject] | None = None) -> list[PlateDetection]:
        """Plate detections, best first: in the whole picture, or inside vehicles when plate_search is
        "vehicles" and vehicles are given."""
        if self.config.plate_search != "vehicles" or not vehicles:
            found = self.plate_detector(image)
        else:
            found = []
            h, w = image.shape[:2]
            for v in vehicles:
                if v.kind != VEHICLE:
                    continue
                x, y, bw, bh = v.box
                x0, y0 = max(0, int(x - 0.05 * bw)), max(0, int(y - 0.05 * bh))
                x1, y1 = min(w, int(x + 1.05 * bw)), min(h, int(y + 1.05 * bh))
                found += [d.in_picture(1.0, (x0, y0)) for d in self.plate_detector(image[y0:y1, x0:x1])]
        found.sort(key=lambda d: -d.score)
        return found[:self.config.max_plates]

    def plate_crops(self, image: Picture, detection: PlateDetection) -> list[PlateCut]:
        """The plate cut out along each of its outlines (detection_quads): straightened, with its character
        band (lpr.char_band) and its line (lpr.char_line)."""
        cuts = []
        for quad in detection_quads(detection):
            crop, band, flag = band_crop(image, quad, *CROP_PAD)
            cuts.append(PlateCut(crop, band, line_crop(crop, band), flag))
        return cuts

    def read_line(self, image: Picture, detection: PlateDetection, cuts: list[PlateCut] | None = None,
                  first: LineRead | None = None) -> tuple[LineRead, int]:
        """The characters of one detected plate, and its number of lines (`cuts`: its plate_crops, if
        already cut; `first`: its first_look, if already read)."""
        cuts = self.plate_crops(image, detection) if cuts is None else cuts
        return self.read_two_lines(detection, self.read_one_line(cuts, first), [c.crop for c in cuts])

    def read_one_line(self, cuts: list[PlateCut], first: LineRead | None = None) -> LineRead:
        """The plate read as one line from its plate_crops (`first`: its first_look, if already read): the
        band's line alone where the plate has small print above or below it."""
        stretch = self.config.ocr_stretch or [1.0]
        reads = [functools.partial(read_placed, self.reader, c.line, c.band, s) for c in cuts for s in stretch]
        # Korean formats fit nearly every Korean plate: a sure read that fits none lost a syllable at the crop's
        # edge (a region name's first, where the detection cut close), which the other cuts and stretches may hold
        accept = (lambda line: self._match(line).format is not None) if self.korean_first else None
        return sure_first(reads if first is None else [lambda: first, *reads[1:]], self.settle_length, accept)

    def settle_length(self, candidates: list[tuple[float, LineRead]]) -> LineRead:
        """Of by_length's reads, that of the length the reads support best; where other lengths are supported
        nearly as well (LENGTH_CLOSE), of those the one the formats explain best (FormatMatch.fit, as the
        multi-frame vote settles lengths), when they differ only by characters at an end: a crop cut short reads a
        character fewer, 1B8033 from one crop and 1B80338 from the other, equally sure (EU photos at half size:
        85.2 -> 86.1 % exact). (A character more in the middle is a sticker or a seal read, which a loose format
        may explain better.)"""
        best_support, best = candidates[0]
        close = [line for support, line in candidates
                 if support >= LENGTH_CLOSE * best_support and at_an_end(line.text, best.text)]
        if not self.formats or len(close) == 1:
            return best
        return max(close, key=lambda line: self._match(line).fit)

    def first_look(self, cuts: list[PlateCut]) -> LineRead:
        """The first of read_one_line's reads: the first cut's line at the first stretch."""
        return read_placed(self.reader, cuts[0].line, cuts[0].band, (self.config.ocr_stretch or [1.0])[0])

    def read_two_lines(self, detection: PlateDetection, single: LineRead,
                       crops: list[Picture]) -> tuple[LineRead, int]:
        """The plate's one-line read, or its read as two lines where the plate may hold two and that read
        explains it better; and the number of lines."""
        width, height = quad_size(detection.quad)
        if width >= TWO_LINE_ASPECT * height:
            return single, 1
        stretch = self.config.ocr_stretch or [1.0]
        double = self._read_two_lines(crops, stretch)
        if double is not None and self._better_in_two_lines(single, double):
            return double, 2
        return single, 1

    def _better_in_two_lines(self, single: LineRead, double: LineRead) -> bool:
        (single_fits, single_mean), (double_fits, double_mean) = self._likelihood(single), self._likelihood(double)
        if single_fits != double_fits:
            return double_fits
        return double_mean > single_mean + TWO_LINE_MARGIN

    def _read_two_lines(self, crops: list[Picture], stretch: list[float]) -> LineRead | None:
        tops, bottoms = [], []
        for crop in crops:
            split = split_lines(crop)
            if split is None:
                continue
            top, bottom = split
            tops += [self.reader.read(top, s) for s in stretch]
            bottoms += [self.reader.read(bottom, s) for s in stretch]
        if not tops:
            return None
        top_line, bottom_line = combine(tops), combine(bottoms)
        if not top_line.chars or not bottom_line.chars:
            return None
        return LineRead(top_line.chars + bottom_line.chars, top_line.alphabet or bottom_line.alphabet)

    def _match(self, line: LineRead, formats: list[PlateFormat] | None = None,
               prior: Prior | None = None) -> FormatMatch:
        return apply_formats(line.chars, self.formats if formats is None else formats, line.alphabet,
                             self.reader.hangul_available, prior)

    def formats_for_reads(self, reads: Sequence[PlateRead]) -> list[PlateFormat]:
        """The formats that settle a vote over reads of one plate: the US state's where reads found its name on
        the plate, or the country's where they found its code in the plate's blue band (the state or country most
        of them found), else those its shape allows (lpr.plate_shape), without the North American ones when a
        read saw a blue band at the plate's left end."""
        states = Counter(r.state for r in reads if r.state is not None)
        if states:
            return state_formats(states.most_common(1)[0][0])
        countries = Counter(r.country for r in reads if r.country is not None)
        if countries:
            return country_formats(countries.most_common(1)[0][0])
        return self.shaped.for_track([r.aspect for r in reads], [r.lines for r in reads],
                                     any(r.flag_band for r in reads))

    def prior_for_reads(self, reads: Sequence[PlateRead]) -> Prior | None:
        """What the code in the plate's blue band says for each of formats_for_reads' formats, where no read found
        a state's name or a sure code and the reads' codes, averaged, lean to one (lpr.flag_code.leaning): frames
        of one car say more together than each does."""
        if any(r.state is not None or r.country is not None for r in reads):
            return None
        banded = [r.codes for r in reads if r.codes]
        if not banded:
            return None
        return leaning({region: sum(c.get(region, 0.0) for c in banded) / len(banded) for region in banded[0]})

    def _likelihood(self, line: LineRead) -> tuple[bool, float]:
        """How well a read explains the plate: a format match first, then the mean log probability."""
        match = self._match(line)
        mean = match.log_prob / max(1, len(match.text))
        return (match.format is not None, mean)

    def read_plates(self, image: Picture, vehicles: list[DetectedObject] | None = None,
                    look_again: bool = True) -> list[PlateRead]:
        """Every readable plate in a BGR picture, best detection first; an underexposed picture is seen
        brightened (lpr.exposure). When the first look finds none that reads, a second look at magnified tiles of
        the picture or of its vehicles (lpr.second_look), then, with no vehicles given, at the whole picture from
        further and further away; unless look_again is false (video: the car is seen again, closer, in the next
        frames)."""
        lit = exposure.brightened(image)
        image = image if lit is None else lit  # (both models see the brightened picture)
        out = self._read_detections(image, self.find_plates(image, vehicles), vehicles)
        if out or not look_again or not self.config.second_look:
            return out
        out = self._read_detections(image, self.look_again(image, vehicles), vehicles)
        if not out and vehicles is None:
            looks = second_look.step_back(image, self.plate_detector.detect)
            while not out and (found := next(looks, None)) is not None:
                out = self._read_detections(image, found[:self.config.max_plates], vehicles)
        return out

    def look_again(self, image: Picture, vehicles: list[DetectedObject] | None = None) -> list[PlateDetection]:
        """The second look's detections, best first: inside the vehicles when vehicles are given (none in
        view: nothing to look at), else in the whole picture."""
        boxes = None if vehicles is None else [v.box for v in vehicles if v.kind == VEHICLE]
        regions = None if boxes is None else second_look.vehicle_regions(boxes)
        model = self.plate_detector.model
        return second_look.search(image, self.plate_detector.detect, (model.height, model.width),
                                  regions)[:self.config.max_plates]

    def _read_detections(self, image: Picture, detections: list[PlateDetection],
                         vehicles: list[DetectedObject] | None) -> list[PlateRead]:
        cfg = self.config
        out: list[PlateRead] = []
        for detection in detections:
            aspect = plate_aspect(detection)
            cuts = self.plate_crops(image, detection)
            line, lines, match = self._read_one(image, detection, cuts, aspect)
            codes = self.flag_codes_of(cuts)
            country = self.configured_country(sure(codes))
            weigh = leaning(codes) if country is None and european_read(match.format) else None
            if country is not None:
                # the band's code names the country: its formats, where they explain the read
                narrowed = self._match(line, country_formats(country))
                match, country = (narrowed, country) if narrowed.format is not None else (match, None)
            elif weigh is not None:
                # the band's code is likely, not sure: every format competes, weighed by it
                match = self._match(line, self.shaped.for_plate(aspect, lines), weigh)
            flag_band = country is None and never_banded(match.format) and any(c.flag_band for c in cuts)
            state: str | None = None
            if flag_band:
                match = self._match(line, self.shaped.for_plate(aspect, lines, flag_band=True), weigh)
            elif (country is None and lines == 1 and self.us_formats and (aspect is None or aspect <= SHORT_PLATE)
                  and states_disagree(line, self.us_formats, match.score, self.reader.hangul_available)):
                # a North American plate's proportions (2:1), and its states' formats read it differently
                state = self.printed_state(cuts)
                if state is not None:
                    match = self._match(line, state_formats(state))
            text = match.text
            if not (cfg.min_chars <= len(text) <= cfg.max_chars) or (cfg.require_format and match.format is None):
                continue
            char_scores = [round(100 * s, 1) for s in match.char_scores]
            score = read_score(match.sure_scores, bool(self.formats) and match.format is None)
            if score < cfg.min_score:
                continue
            read = PlateRead(text, score, xywh(detection.box), char_scores,
                             [(round(float(x), 1), round(float(y), 1)) for x, y in detection.quad],
                             round(100 * detection.score, 1), match.format, lines, flag_band=flag_band,
                             aspect=None if aspect is None else round(aspect, 2), state=state, country=country,
                             codes=codes)
            read.vehicle = vehicle_of(detection.box, vehicles) if vehicles else None
            if any(p.text == read.text and _close(p.box, read.box) for p in out):
                continue
            out.append(read)
        return out

    def flag_codes_of(self, cuts: list[PlateCut]) -> dict[str, float]:
        """How probable each country's code is in the plate's blue band (lpr.flag_code); empty without a band or
        where the configured formats are of one European country at most."""
        flags = [c.flag for c in cuts if c.flag is not None]
        return self.flag_codes.codes(flags) if flags and self.by_flag_code else {}

    def configured_country(self, region: str | None) -> str | None:
        """The country, if the installation's regions take it in."""
        return region if region is not None and country_configured(region, self.config.regions) else None

    def printed_state(self, cuts: list[PlateCut]) -> str | None:
        """The US state whose name is printed above or below the plate's number (lpr.us_states), if the
        installation's regions take it in; else None."""
        for cut in cuts:
            for strip in print_around(cut.crop, cut.band):
                state = named_state(self.reader.read(strip, 1.0).text)
                if state is not None:
                    return state if configured(state, self.config.regions) else None
        return None

    def _read_one(self, image: Picture, detection: PlateDetection, cuts: list[PlateCut],
                  aspect: float | None) -> tuple[LineRead, int, FormatMatch]:
        """One plate's characters (from its plate_crops, `cuts`), its number of lines and the format they match
        (among those its shape, `aspect`, allows)."""
        if self.korean_first:
            line, lines = self.korean.read_line(image, detection, cuts)
            match = settle_region(self.korean._match(line), line)
            if match.format is not None:
                return line, lines, match
            line, lines = self.read_line(image, detection, cuts)
            return line, lines, self._match(line, self.shaped.for_plate(aspect, lines))
        # the small Korean recogniser looks first: a plate it sees a syllable on and reads surely in a Korean
        # format needs none of the generic recogniser's reads (it fits none on the Latin development and synthetic
        # US plates). Its first look costs about 2 ms; the whole read, when the look sees a syllable, about 8.
        look = self.korean.first_look(cuts) if self.korean_mode is not None else None
        korean = functools.cache(lambda: self._korean_lines(image, detection, cuts, look))
        if look is not None and any(is_hangul(c.char) for c in look.chars) and korean_sure(korean()[2]):
            return korean()
        single = self.read_one_line(cuts)
        single_match = self._match(single, self.shaped.for_plate(aspect, 1))
        if look is not None and self._korean_wanted(single, single_match):
            # a Korean plate the Korean recogniser reads needs no generic two-line tries (the costliest reads)
            read = self._korean_read(korean(), (single, 1, single_match))
            if read[2] is not single_match:
                return read
        line, lines = self.read_two_lines(detection, single, [c.crop for c in cuts])
        if line is single:
            return line, lines, single_match
        match = self._match(line, self.shaped.for_plate(aspect, lines))
        if look is not None and self._korean_wanted(line, match):
            line, lines, match = self._korean_read(korean(), (line, lines, match))
        return line, lines, match

    def _korean_lines(self, image: Picture, detection: PlateDetection, cuts: list[PlateCut],
                      first: LineRead | None = None) -> tuple[LineRead, int, FormatMatch]:
        """The Korean recogniser's read of a plate (`first`: its first_look, if already read), its number of
        lines and the Korean format it fits."""
        line, lines = self.korean.read_line(image, detection, cuts, first)
        return line, lines, settle_region(self.korean._match(line), line)

    def _korean_wanted(self, line: LineRead, match: FormatMatch) -> bool:
        if self.korean_mode == "KR":
            return match.format is None or match.format.startswith("KR")
        if self.korean_mode != "AUTO" or not line.chars:
            return False
        if KR_DIGITS_ONLY[0] <= len(line.chars) <= KR_DIGITS_ONLY[1] and all(c.char.isdigit() for c in line.chars):
            return True
        blind = apply_formats(line.chars, KR_FORMATS, line.alphabet, False)
        return blind.format is not None and blind.log_prob >= match.log_prob - KR_AUTO_MARGIN

    def _korean_read(self, korean: tuple[LineRead, int, FormatMatch],
                     generic: tuple[LineRead, int, FormatMatch]) -> tuple[LineRead, int, FormatMatch]:
        """The Korean recogniser's read (_korean_lines) if it fits a Korean format and the generic read fits no
        other format better, or (auto) is that read with its syllable unread; else the generic read."""
        line, lines, match = korean
        other = generic[2]
        if match.format is None:
            return generic
        syllable = max(i for i, c in enumerate(match.text) if is_hangul(c))
        if self.korean_mode == "AUTO" and match.char_scores[syllable] < KR_AUTO_SYLLABLE:
            return generic
        if other.format is None or other.format.startswith("KR") or UNKNOWN in other.text:
            return line, lines, match
        if self.korean_mode == "AUTO" and syllable_unread(match.text, other.text):
            return line, lines, match
        mean = match.log_prob / max(1, len(match.text))
        return (line, lines, match) if mean >= other.log_prob / max(1, len(other.text)) else generic


def korean_sure(match: FormatMatch) -> bool:
    """Whether the Korean recogniser's read is sure enough to be taken without the generic recogniser's: it
    fits a Korean format and every character is SURE."""
    return match.format is not None and bool(match.char_scores) and min(match.char_scores) >= SURE


def detection_quads(detection: PlateDetection) -> list[Floats]:
    """The outlines a plate is read in: its box, and its mask's outline when it has one; the outline first
    when the plate is tilted more than TILTED degrees (the box around it then holds a slanted line of text
    and the car around it, and a first read of it sure of fewer characters would be taken as it is)."""
    if not detection.from_mask:
        return [box_quad(detection.box)]
    (x0, y0), (x1, y1) = detection.quad[0], detection.quad[1]
    if abs(math.degrees(math.atan2(float(y1 - y0), float(x1 - x0)))) > TILTED:
        return [detection.quad, box_quad(detection.box)]
    return [box_quad(detection.box), detection.quad]


def syllable_unread(korean: str, generic: str) -> bool:
    """Whether the generic recogniser's read is this Korean read with its Hangul unread: left out, taken for
    one other character (or two where the syllable stands: 너 as L1), or (a two-line plate) only the bottom
    line's digits read."""
    rest = "".join(c for c in korean if not is_hangul(c))
    if generic == rest or (len(generic) >= 4 and rest.endswith(generic)):
        return True
    if len(generic) == len(rest) + 1:
        return any(generic[:i] + generic[i + 1:] == rest for i in range(len(generic)))
    hangul = [i for i, c in enumerate(korean) if is_hangul(c)]
    if len(generic) != len(rest) + 2 or not hangul:
        return False
    at = sum(not is_hangul(c) for c in korean[:hangul[-1]])  # where the syllable stands among the rest
    return generic[:at] + generic[at + 2:] == rest


def read_placed(reader: PlateReader, crop: Picture, band: Band | None, stretch: float) -> LineRead:
    """read_band's read of a crop, each character placed on its band character where the band has one (the
    blobs' columns are steadier than the recogniser's steps, and the gaps between them show the plate's groups)."""
    line = read_band(reader, crop, band, stretch)
    if band is None:
        return line
    # a blob wider than the band is high holds characters run together: its centre is no character's
    centres = [b.cx for b in band.signs if b.w < band.height]
    return on_band(line, crop.shape[1], centres)


# A read none of the installation's formats explains may have a character too many or too few; but a plate
# from elsewhere or a vanity plate fits none either (on the EU photos with the EU formats, the four reads that
# fit none were right), so the score is only lowered, never halved.
NO_FORMAT = 0.7


def read_score(char_probs: list[float], unexplained: bool = False) -> float:
    """How sure a read is, 0-100: the recogniser's probability that every character is right (the product of
    theirs: one doubtful character makes the plate doubtful, however sure the others are), lowered when formats
    are configured and none explains the read."""
    if not char_probs:
        return 0.0
    sure = math.exp(sum(math.log(max(p, 1e-9)) for p in char_probs))
    return round(100 * sure * (NO_FORMAT if unexplained else 1.0), 1)


def configured_formats(config: LprConfig) -> list[PlateFormat]:
    """The plate formats of lpr_regions and lpr_plate_patterns; FormatError names the setting at fault."""
    out: list[PlateFormat] = []
    for setting, regions, patterns in (("lpr_regions", config.regions, ()),
                                       ("lpr_plate_patterns", (), config.plate_patterns)):
        try:
            out += formats_for(regions, patterns)
        except FormatError as exc:
            raise FormatError(f"setting {setting}: {exc}") from None
    return out


def at_an_end(a: str, b: str) -> bool:
    """Whether one text is the other with characters more at its start or its end (or the same)."""
    short, long = sorted((a, b), key=len)
    return long.startswith(short) or long.endswith(short)


def _close(a: Box, b: Box) -> bool:
    ax, ay = a[0] + a[2] / 2, a[1] + a[3] / 2
    bx, by = b[0] + b[2] / 2, b[1] + b[3] / 2
    return math.hypot(ax - bx, ay - by) < max(a[2], b[2])


def vehicle_of(box: Floats, vehicles: list[DetectedObject]) -> DetectedObject | None:
    """The smallest vehicle box that holds the plate's centre."""
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    holding = [v for v in vehicles if v.kind == VEHICLE and v.box[0] <= cx <= v.box[0] + v.box[2]
               and v.box[1] <= cy <= v.box[1] + v.box[3]]
    return min(holding, key=lambda v: v.box[2] * v.box[3], default=None)


_default: LprEngine | None = None


def default_engine() -> LprEngine:
    """An engine with the default settings, made once."""
    global _default
    if _default is None:
        _default = LprEngine()
    return _default


def read_plates(image: Picture, vehicles: list[DetectedObject] | None = None,
                engine: LprEngine | None = None) -> list[PlateRead]:
    return (engine or default_engine()).read_plates(image, vehicles)


def detect_objects(image: Picture, engine: LprEngine | None = None) -> list[DetectedObject]:
    return (engine or default_engine()).detect_objects(image)
