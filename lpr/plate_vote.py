"""One plate text from every read of a track.

Each read is evidence about each character of the plate. A read that says `c` with probability q is taken as
the word of a recogniser that is right with probability q and otherwise says any of the other symbols alike,
so it adds log(q (K - 1) / (1 - q)) to the log-odds of `c` (K: the symbols a plate may hold). The plate's
character at each position is the one with the most summed evidence. Reads are weighed by how sure they
were, not counted: one sure read outweighs two unsure ones.

The frames of one car are not independent views (the same dirt, the same bolt, the same font), so ten
agreeing reads are not ten times the evidence: a character's probability, for its score and for the formats,
is the softmax of its evidence per read that voted there (the characters no read said sharing the rest). A
vote of agreeing reads is as sure as they are, one of disagreeing reads less so, and the vote of a single
read is that read.

Reads do not all have the plate's length: a frame takes a screw of the plate's frame for an O or an I, or
loses a character at an edge. The plate's length is the length most reads have, or one read nearly as often
whose reads are surer in sum (a car read unsure from afar, surely near). A read one or two characters
longer or shorter is placed where it agrees with those reads (its extra edge characters dropped, its missing
ones abstaining) and then votes like them; a read that cannot be placed counts against every character. The
plate formats are then applied to the voted characters, their vote as the recogniser's probabilities, as they
are to the characters of a single read.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lpr.charset import LATIN
from lpr.pipeline import PlateRead, at_an_end
from lpr.plate_formats import UNKNOWN, PlateFormat, Prior, apply_formats
from lpr.plate_reader import CharRead

SYMBOLS = len(LATIN)  # what a recogniser that is wrong may have said instead
SUREST = 0.999  # a character probability of 1.0 would be endless evidence
MAX_EDGE = 2  # characters a read may have gained or lost at the plate's edges and still be placed
ELSEWHERE = ""  # the tally key of reads that could not be placed: the plate is something else


@dataclass(frozen=True)
class Vote:
    text: str
    score: float  # 0-100: the mean probability of the voted characters, given the evidence per read
    reads: int  # reads of the winning length
    length: int = 0  # that length (the text's may differ: a Hangul-blind read's syllable)
    fit: float = 0.0  # how well the formats explain the text: their match's score a character


def evidence(score: float) -> float:
    """The log-odds a read character of `score` (0-100) adds to the character it says (0 for a guess)."""
    q = min(max(score / 100, 1e-6), SUREST)
    return max(0.0, math.log(q * (SYMBOLS - 1) / (1 - q)))


Tally = dict[str, float]  # character -> summed evidence at one position


def posterior(tally: Tally, voters: int, symbols: str) -> list[float]:
    """The probability of each of `symbols` at a position where `voters` reads voted (the symbols no read said
    have no evidence)."""
    said = {c: e / max(1, voters) for c, e in tally.items()}
    unsaid = max(0, SYMBOLS - sum(1 for c in said if c != ELSEWHERE))
    top = max([0.0, *said.values()])
    total = sum(math.exp(e - top) for e in said.values()) + unsaid * math.exp(-top)
    return [math.exp(said.get(s, 0.0) - top) / total for s in symbols]


def winner(tally: Tally) -> str:
    said = {c: e for c, e in tally.items() if c != ELSEWHERE}
    return max(sorted(said), key=lambda c: said[c]) if said else UNKNOWN


def tally_of(reads: Sequence[PlateRead], length: int) -> tuple[list[Tally], list[int]]:
    """The evidence for each character at each position from the reads of `length`, and their number."""
    tallies: list[Tally] = [defaultdict(float) for _ in range(length)]
    for read in reads:
        if len(read.text) == length:
            for i, (char, score) in enumerate(zip(read.text, read.char_scores, strict=True)):
                tallies[i][char] += evidence(score)
    return tallies, [sum(1 for r in reads if len(r.text) == length)] * length


def placement(read: PlateRead, consensus: str) -> int | None:
    """Where a read of another length agrees best with the consensus: the plate position of its first
    character (negative: it has extra characters before the plate); None if it agrees nowhere well enough."""
    extra = len(read.text) - len(consensus)
    if extra == 0 or abs(extra) > MAX_EDGE:
        return None
    best: tuple[int, int] | None = None  # (mismatches, offset)
    for offset in range(min(0, -extra), max(0, -extra) + 1):
        pairs = [(c, consensus[i + offset]) for i, c in enumerate(read.text) if 0 <= i + offset < len(consensus)]
        wrong = sum(1 for a, b in pairs if a != b)
        # besides its edge, a read may misread one character in four and still be this plate
        if wrong <= len(pairs) // 4 and (best is None or wrong < best[0]):
            best = (wrong, offset)
    return None if best is None else best[1]


def vote(reads: Sequence[PlateRead], formats: Sequence[PlateFormat] = (), prior: Prior | None = None) -> Vote:
    """One plate text from several reads of the same plate; `formats` settle look-alikes in the result, each
    weighed by `prior` where given (the code in the plate's blue band, lpr.flag_code.leaning).

    The plate's length is the length most reads have, or one read nearly as often (one read fewer, twice at
    least) whose reads are surer in sum. A tie goes to the length whose vote agrees best (a character the
    reads of one length disagree on is likely one they made up), then to the length nearest the other reads'
    (of "ORK828AG", "K828AG" and "RK828AG", the middle one), then to the longer; but where those lengths'
    texts differ only by characters at an end, to the text the formats explain best."""
    if not reads:
        return Vote("", 0.0, 0)
    count = Counter(len(r.text) for r in reads)
    most = max(count.values())
    # lengths read about as often (one read fewer, twice at least): the one whose reads are surer in sum. A car
    # coming closer is read unsure from afar, its coat of arms as a character (RKE143AT twice at 92 and 63 %),
    # and surely near (RK143AT twice at 99 %). With one read of each length, no length has a vote of its own.
    by_sum = most > 1
    support: dict[int, float] = defaultdict(float)
    for r in reads:
        support[len(r.text)] += evidence(r.score)
    votes = [vote_at(reads, n, formats, prior) for n in sorted(count) if count[n] >= min(most, max(2, most - 1))]
    best = max(votes, key=lambda v: (round(support[v.length], 6) if by_sum else 0.0, v.score,
                                     -sum(abs(len(r.text) - v.length) for r in reads), v.length))
    # of those lengths, ones that differ by characters at an end: a frame lost or gained an edge character (K619AS
    # and RK619AS, twice each); the text the formats explain better (FormatMatch.fit, which counts a loose
    # format's free places against it), as LprEngine.settle_length settles a photo's crops
    ends = [v for v in votes if at_an_end(v.text, best.text)]
    return max(ends, key=lambda v: v.fit) if formats and len(ends) > 1 else best


def vote_at(reads: Sequence[PlateRead], length: int, formats: Sequence[PlateFormat],
            prior: Prior | None = None) -> Vote:
    """The vote of the reads for a plate of `length` characters."""
    tallies, voters = tally_of(reads, length)
    consensus = "".join(winner(t) for t in tallies)
    for read in reads:
        if len(read.text) == length:
            continue
        offset = placement(read, consensus)
        if offset is not None:
            for i, (char, score) in enumerate(zip(read.text, read.char_scores, strict=True)):
                if 0 <= i + offset < length:
                    tallies[i + offset][char] += evidence(score)
                    voters[i + offset] += 1
        else:
            for position, tally in enumerate(tallies):
                tally[ELSEWHERE] += evidence(read.score)
                voters[position] += 1

    seen = {c for r in reads for c in r.text}
    symbols = "".join(sorted(seen | set(LATIN)))  # LATIN: the formats may ask for any look-alike
    chars = []
    for tally, count in zip(tallies, voters, strict=True):
        probs = np.array(posterior(tally, count, symbols), np.float32)
        char = winner(tally)
        chars.append(CharRead(char, float(probs[symbols.index(char)]), probs))
    match = apply_formats(chars, formats, symbols, hangul_readable=UNKNOWN not in seen, prior=prior)
    scores = [100 * s for s in match.char_scores]
    same = sum(1 for r in reads if len(r.text) == length)
    return Vote(match.text, round(float(np.mean(scores)), 1) if scores else 0.0, same, length,
                match.fit)
