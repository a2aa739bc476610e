"""The plate's character band: the run of characters of one height on one line, found as ink blobs in a crop.

A plate crop holds more than the registration: the plate's frame, coats of arms and stickers before the number
or between its groups, dealer text on the frame. The recogniser reads whatever looks like text: "RK-828AG"
with a coat of arms before it reads "ORK828AG", "4B4-0262" with two round stickers between the groups
"4B480262". The characters share a height, a topline and a baseline and stand at most about a character
apart; the band is the longest run of blobs that do. Ink on the band's line that surely is no character is a
mark, and a character the recogniser reads where a mark stands (the column of its CTC peak nearer the mark than
any character) is dropped, but only while the read keeps as many characters as the band shows (a peak near a
mark may be a real character's). The crop itself is left as it is (a recogniser reads a cut or painted crop
differently, and not always better), except where the band runs into an end of it: the detection then cut the
plate short, and the crop goes on to the band's end. A crop without a band is read as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import median
from typing import cast

import cv2
import numpy as np
import numpy.ma  # noqa: F401  (np.median imports it on its first call: 18 ms inside the first photo's read)
from numpy.typing import NDArray

from lpr.arrays import Floats, Picture
from lpr.charset import is_hangul
from lpr.lab import lab_ab
from lpr.plate_crop import rectify, side_bands, trim_side_bands, widen, without_rules
from lpr.plate_reader import LineRead, PlateReader, decode, symbol_runs

MIN_HEIGHT = 0.18  # a character is at least this share of the crop's height...
MAX_HEIGHT = 0.98  # ...and at most this (taller: the plate's frame, or the whole crop)
HEIGHT_TOLERANCE = 0.2  # band characters' heights within this share of the band's median height
LINE_TOLERANCE = 0.18  # a character's top and bottom within this share of the band height of the band's lines
MAX_GAP = 1.6  # characters of one band stand at most this many band heights apart (a group gap with a sticker)
MIN_CHARS = 3  # fewer blobs of one height are no band
MIN_BAND_PIXELS = 12  # characters lower than this are too coarse for their blobs to tell a mark from a letter
MAX_ASPECT = 1.3  # a seed blob is at most this wide for its height (wider: characters run together, a bar)
MAX_RUN = 2.0  # a band blob is at most this wide for its height (two or three characters run together)
MIN_WIDTH = 0.25  # a sign narrower than this share of the band height is no character (the frame's edge)
MARK_SPAN = 0.8  # a sign lower than this share of the band height is a mark (see _settle)
PIECE_SPAN = 0.6  # a sign whose tallest piece is lower than this share of the band height is in pieces
INK_COLOUR_DISTANCE = 20.0  # distance in Lab's colour plane (a, b) beyond which a piece is in another colour
TWO_TONE = 14.0  # a sign whose halves' inks lie further apart than this in Lab's colour plane is in two colours
BLURRED_WIDTH = 0.35  # a blurred character's one piece is at least this share of the band height wide (see _settle)
MARK_SIZE = 0.3  # a mark lower than this share of the band height is read as nothing (a hyphen, a speck)
STACK_OVERLAP = 0.3  # pieces whose columns overlap by this share of the narrower one's width are one sign
STRIP = 0.1  # band heights above the topline and below the baseline that still belong to the band's line
DUST = 0.12  # pieces smaller than this many band heights both ways are specks
OPEN_END = 0.3  # a character within this many band heights of the crop's edge: the plate may go on
SLIVER = 0.1  # a band blob narrower than this share of its height is the plate's edge (an I is about 0.17)
EXTEND = 0.5  # share of the plate's width looked at beyond an open end
MARGIN = 0.5  # band heights kept beyond the band's ends where the crop goes on


@dataclass(frozen=True)
class Blob:
    x: int
    y: int
    w: int
    h: int

    @property
    def right(self) -> int:
        return self.x + self.w

    @property
    def bottom(self) -> int:
        return self.y + self.h

    @property
    def cx(self) -> float:
        return self.x + self.w / 2


Line = tuple[float, float]  # y = a + b * x


@dataclass
class Band:
    chars: list[Blob]  # the blobs the band was found from, left to right
    height: float  # median character height in pixels
    top: Line
    base: Line
    dark_ink: bool
    left: int = 0  # the columns of the band's characters, those not found as blobs of their own included
    right: int = 0
    marks: list[Blob] = field(default_factory=list)  # ink on the band's line that is not a character
    stickers: list[Blob] = field(default_factory=list)  # the marks in another colour than the characters' ink
    signs: list[Blob] = field(default_factory=list)  # the characters, those found on the line after included


def binarise(grey: NDArray[np.uint8], dark_ink: bool) -> NDArray[np.uint8]:
    """1 where ink is, for ink darker (or lighter) than its surroundings: a local threshold over a window of
    about the characters' height, so a shadow or a dark frame does not swallow them."""
    block = max(3, (grey.shape[0] // 2) | 1)
    mode = cv2.THRESH_BINARY_INV if dark_ink else cv2.THRESH_BINARY
    out = cv2.adaptiveThreshold(grey, 1, cv2.ADAPTIVE_THRESH_MEAN_C, mode, block, 4 if dark_ink else -4)
    return out.astype(np.uint8)


def blobs(ink: NDArray[np.uint8], min_height: float = 0,
          min_side: float = 0) -> tuple[dict[Blob, int], NDArray[np.int32]]:
    """The connected pieces of ink (8-connected) at least `min_height` high and `min_side` wide or high, each
    with its label in the image of labels that comes with them."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    w, h = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    keep = np.flatnonzero((h >= min_height) & ((w >= min_side) | (h >= min_side)))
    pieces = {Blob(*(int(v) for v in stats[i, :4])): int(i) for i in keep if i > 0}
    return pieces, cast(NDArray[np.int32], labels)


def _fit(xs: list[float], ys: list[float]) -> Line:
    """The least-squares line through the points (level through their median when they are too few), in plain
    arithmetic: a band's dozen points cost numpy more in calls than in sums."""
    if len(xs) < 3 or max(xs) - min(xs) < 1:
        return float(median(ys)), 0.0
    n = len(xs)
    x_mean, y_mean = sum(xs) / n, sum(ys) / n
    dxs = [x - x_mean for x in xs]
    slope = sum(dx * (y - y_mean) for dx, y in zip(dxs, ys, strict=True)) / sum(dx * dx for dx in dxs)
    return y_mean - slope * x_mean, slope


def _chains(members: list[Blob], height: float) -> list[list[Blob]]:
    """Members split where two neighbours stand more than MAX_GAP band heights apart."""
    out: list[list[Blob]] = []
    reach = 0  # the rightmost column of the last chain
    for b in sorted(members, key=lambda b: b.x):
        if out and b.x - reach <= MAX_GAP * height:
            out[-1].append(b)
            reach = max(reach, b.right)
        else:
            out.append([b])
            reach = b.right
    return out


def _grow(seed: Blob, pool: list[Blob]) -> list[Blob]:
    """The blobs of about the seed's height on its line and near it, refined with the lines fitted through
    them."""
    height = float(seed.h)
    top: Line = (float(seed.y), 0.0)
    base: Line = (float(seed.bottom), 0.0)
    members: list[Blob] = [seed]
    for _ in range(3):
        tol = LINE_TOLERANCE * height
        on_line = [b for b in pool
                   if abs(b.h - height) <= HEIGHT_TOLERANCE * height
                   and abs(b.y - (top[0] + top[1] * b.cx)) <= tol
                   and abs(b.bottom - (base[0] + base[1] * b.cx)) <= tol]
        chains = _chains(on_line, height)
        members = next((c for c in chains if seed in c), max(chains, key=len, default=[]))
        if len(members) < 2:
            return members
        height = float(median([b.h for b in members]))
        top = _fit([b.cx for b in members], [float(b.y) for b in members])
        base = _fit([b.cx for b in members], [float(b.bottom) for b in members])
    return members


def find_band(crop: Picture) -> Band | None:
    """The plate's character band in a BGR crop, or None when no run of at least MIN_CHARS blobs agrees."""
    grey = cast(NDArray[np.uint8], cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY))
    rows = grey.shape[0]
    dark = _dark_ink(grey)
    ink = binarise(grey, dark)
    found, _ = blobs(without_rules(ink), MIN_HEIGHT * rows)
    sized = [b for b in found if b.h <= MAX_HEIGHT * rows and b.w <= MAX_RUN * b.h]
    best: list[Blob] = []
    tried: set[Blob] = set()
    for seed in sorted((b for b in sized if b.w <= MAX_ASPECT * b.h), key=lambda b: -b.h):
        if seed in tried:
            continue
        members = _grow(seed, sized)
        tried.update(members)
        if len(members) >= MIN_CHARS and (not best or _rank(members) > _rank(best)):
            best = members
    if not best:
        return None
    members = best
    height = float(median([b.h for b in members]))
    if height < MIN_BAND_PIXELS:
        return None
    members.sort(key=lambda b: b.x)
    xs = [b.cx for b in members]
    band = Band(members, height, _fit(xs, [float(b.y) for b in members]),
                _fit(xs, [float(b.bottom) for b in members]), dark, members[0].x, max(b.right for b in members),
                signs=list(members))
    _settle(crop, ink, band)
    return band


def _dark_ink(grey: NDArray[np.uint8]) -> bool:
    """Whether the characters are darker than the plate: ink is the minority tone of the crop's middle."""
    rows, width = grey.shape
    middle = grey[rows // 4:rows - rows // 4, width // 8:width - width // 8]
    level, _ = cv2.threshold(middle, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return bool((middle > level).mean() >= 0.5)


def _rank(members: list[Blob]) -> float:
    """Plate characters are the largest print on the plate: a dealer's line of many small letters ranks
    below them."""
    return len(members) * float(median([b.h for b in members]))


def _settle(crop: Picture, ink: NDArray[np.uint8], band: Band) -> None:
    """The band's extent and its marks, from the ink on its line (the pieces of ink inside the strip between
    its topline and baseline, grouped into stacks of overlapping columns: one sign each).

    Only what is surely no character is a mark: a sign that does not span the line (a hyphen, a sticker, a
    coat of arms, a country code in small print), or one in pieces none of which spans the line, with a piece
    in another colour than the characters (a coat of arms above a country code; each piece on its own, as the
    red and green of two stickers average to grey), or one whose upper and lower halves are in two colours (a
    character is in one ink; two round stickers, red above green, run together into one piece of the line's
    height on a distant plate, a coat of arms and its country code, a car's tail light beyond the plate);
    before the band's first character, any sign in such pieces (a coat of arms above a country code, whose
    colours a distant or tilted plate blurs towards the ink's; a Hangul syllable in strokes stands between
    characters, never at the start of a one-line plate), but not after its last (there it is the last
    character, its thin strokes blurred apart: EU photos turned 20 degrees, 84.3 -> 86.1 % exact). A blob of
    the band itself in two inks is a mark too. But one piece in the characters' ink, at least PIECE_SPAN of the
    line high and BLURRED_WIDTH wide, not before the first character, is a character blurred short (on a
    distant or tilted plate the threshold eats a thin character's top and bottom), never a mark: read on a
    mark, the sure `4` of ZA834CO was dropped (EU photos at half size 83.3 -> 85.2 % exact, turned 86.1 ->
    87.0 %). The marks off every mix of the characters' ink and the paper are also stickers (see drop_marks).
    Everything else (a character the blobs missed, one touching the frame, the frame's edge) is a sign, and the
    band's extent reaches to the last of them."""
    h = band.height
    cols = np.arange(crop.shape[1], dtype=np.float32)
    top = np.clip(np.round(band.top[0] + band.top[1] * cols - STRIP * h), 0, crop.shape[0]).astype(int)
    base = np.clip(np.round(band.base[0] + band.base[1] * cols + STRIP * h), 0, crop.shape[0]).astype(int)
    rows = np.arange(crop.shape[0])[:, None]
    strip = ((rows >= top[None, :]) & (rows < base[None, :])).astype(np.uint8)
    ids, labels = blobs(ink & strip, 0, DUST * h)
    if not ids:
        return
    # each piece's mean colour, in Lab's colour plane (a, b)
    flat = labels.ravel()
    counts = np.maximum(np.bincount(flat), 1)
    bgr = np.stack([np.bincount(flat, crop[:, :, k].ravel(), len(counts)) / counts for k in range(3)], 1)
    ab = lab_ab(bgr)
    colours = {b: ab[i] for b, i in ids.items()}
    paper = strip & (1 - ink)
    paper_colour = lab_ab(np.array(cv2.mean(crop, paper)[:3])) if paper.any() else None
    spans = [(b.x, b.right) for b in band.chars]

    def holds_char(b: Blob) -> bool:
        return any(min(b.right, x1) - max(b.x, x0) >= 0.5 * (x1 - x0) for x0, x1 in spans)

    stacks = [(_union(stack), stack) for stack in _stacks(list(ids))]
    held = [(box, stack) for box, stack in stacks if holds_char(box)]
    chars = [colours[b] for _, stack in held for b in stack]
    ink_colour = np.median(chars, axis=0) if chars else None
    halves = _halves(crop, labels, {ids[stack[0]]: stack[0] for _, stack in held if len(stack) == 1})

    def two_tone(stack: list[Blob]) -> bool:
        if len(stack) != 1 or ink_colour is None or paper_colour is None:
            return False
        upper, lower = halves[ids[stack[0]]]
        return _across(upper - lower, paper_colour - ink_colour) > TWO_TONE

    # a blob of the band in two inks, one above the other, is two round stickers, red above green, as high as the
    # characters between a Czech plate's groups on a distant plate. Only a difference across the mixes of the ink
    # and the paper counts (a 4's thin diagonal is more of the yellow paper's colour than its stem), and a
    # character's colour alone tells nothing (next to the blue EU band, JPEG's coarser colour tints a letter blue).
    demoted = [box for box, stack in held if two_tone(stack)]
    remaining = [c for c in band.chars if not any(d.x <= c.cx <= d.right for d in demoted)]
    if demoted and len(remaining) >= MIN_CHARS:
        band.chars = remaining
        spans = [(b.x, b.right) for b in band.chars]
    else:
        demoted = []
    left, right = min(x for x, _ in spans), max(x for _, x in spans)
    marks, stickers, kept = list(demoted), list(demoted), []
    for box, stack in stacks:
        if holds_char(box) or box in demoted:
            continue
        far = np.inf if ink_colour is None else max(_distance(colours[b], ink_colour) for b in stack)
        foreign = far > INK_COLOUR_DISTANCE
        tallest = max(b.h for b in stack)
        blurred = (len(stack) == 1 and box.x >= left and box.h >= PIECE_SPAN * h
                   and BLURRED_WIDTH * h <= box.w <= MAX_ASPECT * h and far <= INK_COLOUR_DISTANCE / 2)
        if not blurred and (box.h < MARK_SPAN * h or (tallest < PIECE_SPAN * h and (foreign or box.x < left))):
            marks.append(box)
            if max(_off_mix(colours[b], ink_colour, paper_colour) for b in stack) > INK_COLOUR_DISTANCE:
                stickers.append(box)
        elif _two_tone(crop, labels, [ids[b] for b in stack], box) > TWO_TONE:
            marks.append(box)
            stickers.append(box)
        else:
            kept.append(box)
    for box in kept:
        if box.w <= MAX_ASPECT * h:  # (wider: the frame, the car beyond it; a sign, but no character)
            left, right = min(left, box.x), max(right, box.right)
    band.left, band.right = left, right
    band.signs = sorted(band.chars + kept, key=lambda b: b.x)
    band.marks, band.stickers = marks, stickers


def _two_tone(crop: Picture, labels: NDArray[np.int32], ids: list[int], box: Blob) -> float:
    """How far apart in colour (Lab's a, b) the ink of a sign's upper and lower halves is (its pieces `ids`,
    all inside `box`)."""
    crop, labels = crop[box.y:box.bottom, box.x:box.right], labels[box.y:box.bottom, box.x:box.right]
    ys, xs = np.nonzero(np.isin(labels, ids))
    middle = (int(ys.min()) + int(ys.max())) / 2 if len(ys) else 0.0
    upper, lower = ys < middle, ys >= middle
    if not upper.any() or not lower.any():
        return 0.0
    lab = lab_ab(crop[ys, xs])
    return _distance(lab[upper].mean(0), lab[lower].mean(0))


def _halves(crop: Picture, labels: NDArray[np.int32],
            pieces: dict[int, Blob]) -> dict[int, tuple[NDArray[np.float32], NDArray[np.float32]]]:
    """The mean colour (Lab's a, b) of the upper and of the lower half of each piece (by its label)."""
    if not pieces:
        return {}
    count = int(labels.max()) + 1
    middle = np.full(count, -1.0)
    for i, b in pieces.items():
        middle[i] = b.y + (b.h - 1) / 2
    ys, xs = np.nonzero(middle[labels] >= 0)
    which = labels[ys, xs]
    upper = ys < middle[which]
    colours = crop[ys, xs].astype(np.float64)
    means = []
    for half in (upper, ~upper):
        n = np.maximum(np.bincount(which[half], minlength=count), 1)
        means.append(np.stack([np.bincount(which[half], colours[half, k], count) / n for k in range(3)], 1))
    ids = list(pieces)
    lab = lab_ab(np.stack(means)[:, ids])
    return {i: (lab[0, k], lab[1, k]) for k, i in enumerate(ids)}


def _across(difference: NDArray[np.float32], direction: NDArray[np.float32]) -> float:
    """The length of the part of a colour difference across a direction (all of it for a direction of no length:
    ink and paper of one hue)."""
    length = float(np.linalg.norm(direction))
    if length < 1.0:
        return float(np.linalg.norm(difference))
    unit = direction / length
    return float(np.linalg.norm(difference - np.dot(difference, unit) * unit))


def _distance(a: NDArray[np.float32], b: NDArray[np.float32]) -> float:
    return float(np.linalg.norm(a - b))


def _off_mix(colour: NDArray[np.float32], ink: NDArray[np.float32] | None, paper: NDArray[np.float32] | None) -> float:
    """How far a colour lies from every mix of the ink and the paper (the segment between them in Lab's a, b);
    0 when either is unknown."""
    if ink is None or paper is None:
        return 0.0
    span = paper - ink
    t = float(np.clip(np.dot(colour - ink, span) / max(float(np.dot(span, span)), 1e-6), 0.0, 1.0))
    return _distance(colour, ink + t * span)


def _union(stack: list[Blob]) -> Blob:
    x0, y0 = min(b.x for b in stack), min(b.y for b in stack)
    return Blob(x0, y0, max(b.right for b in stack) - x0, max(b.bottom for b in stack) - y0)


def _stacks(pieces: list[Blob]) -> list[list[Blob]]:
    """Pieces grouped where their columns overlap by STACK_OVERLAP of the narrower (the strokes of one sign
    above one another), not where a character's hook reaches under its neighbour (a J's under the B before it:
    BJ 31955 read B31955, its J taken for part of the B and read on the dot after it)."""
    out: list[list[Blob]] = []
    for b in sorted(pieces, key=lambda b: b.x):
        if out:
            x0, x1 = min(p.x for p in out[-1]), max(p.right for p in out[-1])
            if min(b.right, x1) - b.x >= STACK_OVERLAP * min(b.w, x1 - x0):
                out[-1].append(b)
                continue
        out.append([b])
    return out


def open_ends(band: Band, width: int) -> tuple[bool, bool]:
    """Whether the band's first (last) character stands so near the crop's left (right) edge that the plate
    may go on beyond it (a detection that cut the plate short). The plate's own edge, a sliver of the band's
    height beside the crop's edge, is no character: the plate ends there (widened, the crop took in a
    sticker on the car beside a Slovak plate as its last characters)."""
    near = OPEN_END * band.height
    solid = [b for b in band.chars if b.w >= SLIVER * band.height] or band.chars
    return solid[0].x <= near, max(b.right for b in solid) >= width - near


def cut(crop: Picture, band: Band, left: bool = True, right: bool = True) -> Picture:
    """The crop cut to the band's extent and a margin, at its left and/or right end."""
    margin = round(MARGIN * band.height)
    x0 = max(0, band.left - margin) if left else 0
    x1 = min(crop.shape[1], band.right + margin) if right else crop.shape[1]
    return crop[:, x0:x1]


def band_crop(image: Picture, quad: Floats, pad_x: float,
              pad_y: float) -> tuple[Picture, Band | None, Picture | None]:
    """The plate in `quad` with any blue side band cut off (lpr.plate_crop), its character band, and the blue
    band at its left end (an EU plate's stars and country code, lpr.plate_crop.has_flag_band) as cut off, or None
    without one. When the band runs into an end of the crop without a side band (a detection that cut the plate
    short), the crop goes on beyond that end as far as the band does."""
    raw = rectify(image, quad, pad_x, pad_y)
    side_left, side_right = side_bands(raw)
    flag_band = raw[:, :side_left] if side_left else None
    crop = raw[:, side_left:raw.shape[1] - side_right]
    band = find_band(crop)
    if band is None:
        return crop, None, flag_band
    left, right = open_ends(band, crop.shape[1])
    left, right = left and not side_left, right and not side_right
    if left or right:
        wide = trim_side_bands(rectify(image, widen(quad, EXTEND if left else 0.0, EXTEND if right else 0.0),
                                       pad_x, pad_y))
        more = find_band(wide)
        if (more is not None and len(more.chars) > len(band.chars)
                and abs(more.height - band.height) <= HEIGHT_TOLERANCE * band.height):
            cropped = cut(wide, more, left, right)
            return cropped, find_band(cropped), flag_band
    return crop, band, flag_band


def char_columns(probs: Floats, alphabet: str, width: int) -> list[float]:
    """The column of the crop (`width` pixels wide) under each character decode() reads from `probs`: the
    centre of its peak step (the recogniser's steps stretch evenly over the resized crop)."""
    steps = len(probs)
    return [(peak + 0.5) * width / steps for _, _, _, peak in symbol_runs(probs, alphabet)]


def drop_marks(line: LineRead, columns: list[float], band: Band) -> LineRead:
    """The read without the characters read on the band's marks: those whose column is nearer the middle of a
    mark (of a size the recogniser could take for a character) than of any sign, the nearest first, and never
    more of them than the read has characters beyond those the band's signs show. A CTC peak often stands at a
    character's edge rather than its middle, nearer a hyphen or a sliver of ink beside it than its own middle:
    a drop that left fewer characters than the band shows would drop a real one (never make a good read
    worse). A Hangul character is dropped only on a sticker (a mark in another ink than the characters'): a
    syllable is several pieces of ink, some lower than the band (the vowel's stroke, a region name printed
    small), which the band takes for marks, but all in the characters' ink, while the Korean recogniser reads
    a syllable such as 호 in a Czech plate's two round stickers."""
    sized = [m for m in band.marks if m.h >= MARK_SIZE * band.height]
    marks = [m.cx for m in sized]
    spare = len(line.chars) - characters(band)
    if not marks or spare <= 0:
        return line
    line_high = (1 + STRIP) * band.height + 1  # (taller: the plate's edge and what is beyond, not the line's)
    signs = [(c.cx, c.x, c.right if c.h <= line_high else c.x) for c in band.signs]
    stickers = {m.cx for m in sized if m in band.stickers}

    def lead(x: float) -> float:
        """How much nearer the nearest mark the column is than the nearest sign (positive: on a mark). A column
        inside a sign of the line's height is on it, however far from its middle: characters blurred into one
        wide sign (a distant or tilted plate) have their peaks along it."""
        on_sign = min((0.0 if x0 <= x <= x1 else abs(x - cx) for cx, x0, x1 in signs), default=np.inf)
        return on_sign - min(abs(x - m) for m in marks)

    def droppable(i: int) -> bool:
        return not is_hangul(line.chars[i].char) or min(marks, key=lambda m: abs(columns[i] - m)) in stickers

    on_marks = sorted((i for i, x in enumerate(columns) if lead(x) > 0 and droppable(i)),
                      key=lambda i: -lead(columns[i]))
    dropped = set(on_marks[:spare])
    if not dropped:
        return line
    return LineRead([c for i, c in enumerate(line.chars) if i not in dropped], line.alphabet)


def characters(band: Band) -> int:
    """How many characters the band's signs show: one a sign, or as many as fit in a sign of characters run
    together; none for a sign too narrow for any character (the frame's edge), too wide (the frame, the car
    beyond it) or running through the band's line above and below it (the plate's edge and what is beyond)."""
    h = band.height
    single = [s.w for s in band.chars if MIN_WIDTH * s.h <= s.w <= MAX_ASPECT * s.h]
    width = float(median(single)) if single else h / 2
    return sum(max(1, round(s.w / width)) for s in band.signs
               if MIN_WIDTH * h <= s.w <= MAX_RUN * h and s.h <= (1 + STRIP) * h + 1)


def read_band(reader: PlateReader, crop: Picture, band: Band | None, stretch: float) -> LineRead:
    """The recogniser's read of a plate crop, without what it read on marks beside the characters."""
    probs = reader.probabilities(crop, stretch)
    line = decode(probs, reader.alphabet)
    if band is None or not band.marks:
        return line
    return drop_marks(line, char_columns(probs, reader.alphabet, crop.shape[1]), band)
