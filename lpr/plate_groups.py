"""A plate's character groups, seen in the gaps between its characters, and how well a format's groups fit them.

Plates print their characters in groups with wider gaps between them: a Brazilian AYO 9034 (3 + 4), a Polish
AY 09034 (2 + 5), a Slovak PP 587AO with the coat of arms after the district. The recogniser alone cannot tell
AY09034 from AYO9034 (O and 0 look alike) and both explain the read, but the gaps can. A gap between two
characters is a break when it is clearly wider than the plate's typical pitch (the median gap), tight when it is
about the pitch, and unclear in between or where a position is unknown. A plate whose gaps show no break at all
says nothing about its groups (uniform spacing: a Mercosul plate, or a blurred one), and then the groups have
no effect.

Where the gaps show breaks, every clear gap counts for or against a format: GROUP_FIT for a break where the
format ends a group, against it a break where it does not or a tight gap where it does. The read as it was
has no groups: each break counts against it.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import replace

from lpr.plate_reader import LineRead

# A gap at least BREAK times the median gap is a group break; at most TIGHT times it, no break. Characters'
# columns from the recogniser's steps wobble by a step (a fifth of a character on a short crop), those from the
# band's blobs by a pixel or two: a group gap on a plate is half a character or more on top of the pitch.
BREAK = 1.45
TIGHT = 1.2
# The weight (in the format score's natural-log units) of one clear gap for or against a format: a format whose
# break fits, where another's break is off by a character, gains 3 x GROUP_FIT, enough to settle an O the
# recogniser gave a twentieth of the probability of the 0 it read. Measured on the BR and EU photos read right
# (photo, 1080p and half size; 3,384 gaps): where the format ends a group the gap was a break 70.6 %, tight
# 1.1 %; elsewhere a break 0.4 %, tight 83.0 %. Those rates would weigh a break about 5 and a tight gap about 4,
# but the gaps of one plate are not independent (a blurred plate blurs them all): weights of 5 (2.5 a side) and
# 4 changed no BR or EU read and lost two synthetic Korean plates, so the weight stays the cautious one.
GROUP_FIT = 1.5
SNAP = 0.35  # a character's column within this share of the band's pitch from a band character is that one's


def observed_breaks(xs: Sequence[float | None]) -> list[bool | None]:
    """For each pair of neighbouring characters (at columns `xs`): True a group break, False none, None unclear.
    All None where no gap is a clear break."""
    gaps = [b - a if a is not None and b is not None and b > a else None for a, b in zip(xs, xs[1:], strict=False)]
    known = [g for g in gaps if g is not None]
    if len(known) < 2:
        return [None] * len(gaps)
    pitch = statistics.median(known)
    out: list[bool | None] = [None if g is None else True if g >= BREAK * pitch else False if g <= TIGHT * pitch
                              else None for g in gaps]
    return out if any(out) else [None] * len(gaps)


def gap_fit(seen: bool | None, expected: bool) -> float:
    """What one gap says for (positive) or against a format that has (`expected`) or has not a group end there."""
    if seen is None or not (seen or expected):
        return 0.0
    return GROUP_FIT if seen == expected else -GROUP_FIT


def group_fit(breaks: Sequence[bool | None], slots: Sequence[int | None] | None, ends: frozenset[int]) -> float:
    """What the observed breaks say for (positive) or against a format that put the read characters in `slots`
    (None: a character left out as a separator) and ends its groups after the slots in `ends`. `slots` None:
    the read as it was, with no groups."""
    fit = 0.0
    for i, seen in enumerate(breaks):
        if slots is None:
            fit += gap_fit(seen, False)
            continue
        a, b = slots[i], slots[i + 1]
        if a is not None and b is not None:
            fit += gap_fit(seen, any(e in ends for e in range(a, b)))
    return fit


def on_band(line: LineRead, width: int, centres: Sequence[float]) -> LineRead:
    """The read with each character's column taken from the band character (its centre among `centres`, in
    pixels of a crop `width` wide) under it, where the read's characters and the band's match one to one; the
    recogniser's columns otherwise."""
    xs = [c.x for c in line.chars]
    if len(centres) < 2 or any(x is None for x in xs) or width <= 0:
        return line
    pitch = statistics.median(b - a for a, b in zip(centres, centres[1:], strict=False))
    if pitch <= 0:
        return line
    taken: set[int] = set()
    chars = []
    for c, x in zip(line.chars, xs, strict=True):
        assert x is not None
        k = min(range(len(centres)), key=lambda k: abs(centres[k] - x * width))  # noqa: B023
        if abs(centres[k] - x * width) <= SNAP * pitch and k not in taken:
            taken.add(k)
            c = replace(c, x=centres[k] / width)
        chars.append(c)
    return LineRead(chars, line.alphabet)
