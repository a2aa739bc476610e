"""Region plate formats, and settling confusable characters where a format demands a letter or a digit.

A format is a pattern of character classes: `L` a letter A-Z, `N` a digit, `H` a Hangul syllable, `A` any
letter or digit, each optionally followed by a count `{n}` or `{m,n}`; spaces and dashes in a pattern are only
for reading. `LLLNLNN` is a Brazilian Mercosul plate, `NN{1}NH NNNN`... see REGIONS.

Matching a read against the formats of the configured regions is a small dynamic programme over the read's
characters and the pattern's slots. A character that is of the class its slot wants costs nothing more than
its own probability. A character of the other class may only be replaced by one of its look-alikes
(CONFUSABLE: O and 0, I and 1, B and 8...) and then costs the recogniser's own probability for that
look-alike. Letters are never changed into other letters, nor digits into other digits. The format that
explains the read most probably wins; a read no format explains is kept as it was read.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from lpr.charset import is_digit, is_hangul, is_letter
from lpr.plate_reader import CharRead

UNKNOWN = "?"  # stands for a Hangul syllable when the recogniser cannot read Hangul

# look-alike letters and digits, both ways
CONFUSABLE_PAIRS = ("O0", "D0", "Q0", "U0", "I1", "J1", "L1", "T1", "B8", "S5", "Z2", "G6", "A4", "T7", "E3")
TO_DIGIT: dict[str, str] = {}
TO_LETTER: dict[str, str] = {}
for _letter, _digit in (tuple(pair) for pair in CONFUSABLE_PAIRS):
    TO_DIGIT[_letter] = TO_DIGIT.get(_letter, "") + _digit
    TO_LETTER[_digit] = TO_LETTER.get(_digit, "") + _letter

# Region formats. Sources: each country's current registration rules; older series that are still common are
# included. Separators are not part of the read text.
REGIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "BR": (("BR", "LLL NNNN"), ("BR-Mercosul", "LLL N L NN")),
    "AR": (("AR", "LLL NNN"), ("AR-Mercosul", "LL NNN LL")),
    "DE": (("DE", "L{1,3} L{1,2} N{1,4}"),),
    "FR": (("FR", "LL-NNN-LL"),),
    "IT": (("IT", "LL NNN LL"),),
    "ES": (("ES", "NNNN LLL"),),
    "PT": (("PT", "LL-NN-LL"), ("PT-2005", "NN-LL-NN"), ("PT-1992", "NN-NN-LL"), ("PT-1937", "LL-NN-NN")),
    "NL": (("NL-4", "LL-NN-LL"), ("NL-5", "LL-LL-NN"), ("NL-6", "NN-LL-LL"), ("NL-7", "NN-LLL-N"),
           ("NL-8", "N-LLL-NN"), ("NL-9", "LL-NNN-L"), ("NL-10", "L-NNN-LL"), ("NL-11", "LLL-NN-L"),
           ("NL-12", "L-NN-LLL"), ("NL-13", "N-LL-NNN"), ("NL-14", "NNN-LL-N")),
    "GB": (("GB", "LLNN LLL"),),
    "PL": (("PL", "LL NNNNN"), ("PL-4", "LL NNNNL"), ("PL-3", "LLL NNNN"), ("PL-3L", "LLL NNNLL")),
    "US": (("US", "A{2,8}"),),
    "KR": (("KR", "NN H NNNN"), ("KR-3", "NNN H NNNN"), ("KR-regional", "HH NN H NNNN")),
}
REGIONS["EU"] = tuple(f for code in ("DE", "FR", "IT", "ES", "PT", "NL", "GB", "PL") for f in REGIONS[code])

_TOKEN = re.compile(r"([LNHA])(?:\{(\d+)(?:,(\d+))?\})?")


class FormatError(ValueError):
    """A pattern or region name that cannot be used."""


@dataclass(frozen=True)
class PlateFormat:
    name: str
    pattern: str
    slots: tuple[tuple[str, bool], ...]  # (class, optional)

    @classmethod
    def parse(cls, name: str, pattern: str) -> PlateFormat:
        compact = re.sub(r"[\s\-.·]", "", pattern.upper())
        slots: list[tuple[str, bool]] = []
        pos = 0
        while pos < len(compact):
            match = _TOKEN.match(compact, pos)
            if not match:
                raise FormatError(f"plate format {pattern!r}: {compact[pos]!r} is not L, N, H, A or a {{m,n}} count")
            kind, low, high = match.group(1), match.group(2), match.group(3)
            least = int(low) if low else 1
            most = int(high) if high else least
            if least < 0 or most < max(least, 1) or most > 12:
                raise FormatError(f"plate format {pattern!r}: bad count in {match.group(0)!r}")
            slots += [(kind, False)] * least + [(kind, True)] * (most - least)
            pos = match.end()
        if not slots or len(slots) > 16:
            raise FormatError(f"plate format {pattern!r}: 1 to 16 characters")
        return cls(name, pattern, tuple(slots))

    @property
    def min_length(self) -> int:
        return sum(1 for _, optional in self.slots if not optional)


def formats_for(regions: Iterable[str] = (), patterns: Iterable[str] = ()) -> list[PlateFormat]:
    """The formats of region codes (BR, EU, DE, US, KR... see REGIONS) plus custom patterns."""
    out: list[PlateFormat] = []
    for region in regions:
        code = region.strip().upper()
        if not code:
            continue
        if code not in REGIONS:
            raise FormatError(f"unknown plate region {region!r} (known: {', '.join(sorted(REGIONS))})")
        out += [PlateFormat.parse(name, pattern) for name, pattern in REGIONS[code]]
    for i, pattern in enumerate(p for p in patterns if p.strip()):
        out.append(PlateFormat.parse(f"custom-{i + 1}", pattern))
    return out


@dataclass
class FormatMatch:
    text: str
    char_scores: list[float]
    format: str | None  # None: no format matched, the read as it was
    log_prob: float


def _options(char: CharRead, kind: str, alphabet: str, hangul_readable: bool) -> list[tuple[str, float]]:
    """The characters a read character may stand for in a slot of `kind`, with the recogniser's probability
    for each (the read character itself, or its look-alikes of the wanted class)."""
    def prob(symbol: str) -> float:
        index = alphabet.find(symbol)
        return float(char.probs[index]) if index >= 0 else 0.0

    c = char.char
    if kind == "A":
        return [(c, char.score)] if (is_letter(c) or is_digit(c)) else []
    if kind == "L":
        if is_letter(c):
            return [(c, char.score)]
        return [(alt, prob(alt)) for alt in TO_LETTER.get(c, "")]
    if kind == "N":
        if is_digit(c):
            return [(c, char.score)]
        return [(alt, prob(alt)) for alt in TO_DIGIT.get(c, "")]
    if kind == "H" and hangul_readable:
        return [(c, char.score)] if is_hangul(c) else []
    return []


MIN_PROB = 1e-4  # floor for a look-alike's probability: the format, not the recogniser, asks for it
# The cost of a Hangul slot filled by whatever a Hangul-blind recogniser saw there, by how many characters it
# saw: mostly one look-alike (가 as 7, 나 as L), sometimes none or two. Without the difference, "123가4567"
# would be explained as well by NN H NNNN (12, then 3 and 7 as the syllable) as by NNN H NNNN.
UNREADABLE_HANGUL_PROB = {1: 0.5, 0: 0.1, 2: 0.1}


def match_format(chars: Sequence[CharRead], fmt: PlateFormat, alphabet: str,
                 hangul_readable: bool) -> FormatMatch | None:
    """The most probable way `fmt` explains the read characters, or None if it cannot."""
    n, m = len(chars), len(fmt.slots)
    if n < fmt.min_length - sum(1 for k, _ in fmt.slots if k == "H") or n > m * 2:
        return None
    neg = -math.inf
    # best[i][j]: log probability of explaining chars[:i] with slots[:j]; back pointers rebuild the text
    best = np.full((n + 1, m + 1), neg)
    back: dict[tuple[int, int], tuple[int, int, str, float]] = {}
    best[0, 0] = 0.0
    for j in range(m):
        kind, optional = fmt.slots[j]
        blind = kind == "H" and not hangul_readable
        for i in range(n + 1):
            here = best[i, j]
            if here == neg:
                continue
            if optional and here > best[i, j + 1]:  # skip an optional slot
                best[i, j + 1] = here
                back[(i, j + 1)] = (i, j, "", 1.0)
            if blind:  # a Hangul-blind recogniser saw 0 to 2 characters of some kind where the syllable is
                for used, prob in UNREADABLE_HANGUL_PROB.items():
                    if i + used <= n:
                        value = here + math.log(prob)
                        if value > best[i + used, j + 1]:
                            best[i + used, j + 1] = value
                            back[(i + used, j + 1)] = (i, j, UNKNOWN, 0.0)
                continue
            if i < n:
                read = chars[i]
                for char, p in _options(read, kind, alphabet, hangul_readable):
                    value = here + math.log(max(p, MIN_PROB))
                    if value > best[i + 1, j + 1]:
                        best[i + 1, j + 1] = value
                        # a look-alike's score is the recogniser's belief in that glyph shape: both readings
                        score = p if char == read.char else min(1.0, p + read.score)
                        back[(i + 1, j + 1)] = (i, j, char, score)
    if best[n, m] == neg:
        return None
    text, scores = [], []
    i, j = n, m
    while (i, j) != (0, 0):
        pi, pj, char, p = back[(i, j)]
        if char:
            text.append(char)
            scores.append(p)
        i, j = pi, pj
    return FormatMatch("".join(reversed(text)), list(reversed(scores)), fmt.name, float(best[n, m]))


def apply_formats(chars: Sequence[CharRead], formats: Sequence[PlateFormat], alphabet: str,
                  hangul_readable: bool) -> FormatMatch:
    """The best format's reading of `chars`; without formats, or when none fits, the characters as read."""
    candidates = [m for f in formats if (m := match_format(chars, f, alphabet, hangul_readable)) is not None]
    if candidates:
        return max(candidates, key=lambda m: m.log_prob)
    log_prob = float(sum(math.log(max(c.score, 1e-9)) for c in chars))
    return FormatMatch("".join(c.char for c in chars), [c.score for c in chars], None, log_prob)
