"""Matching a read to plate formats, settling look-alike characters only where a format fixes the class.

A format is a pattern of character classes: `L` a letter A-Z, `N` a digit, `H` a Hangul syllable, `A` any
letter or digit, `[...]` one of the letters and digits listed (`[ACEFGHJKLMNPRSTUVWXY]`: a letter of a Polish
serial, which never uses B, D, I, O or Z), each optionally followed by a count `{n}` or `{m,n}`; spaces and
dashes in a pattern are only for reading. `LLLNLNN` is a Brazilian Mercosul plate; the regions' formats are in
lpr.regions.

Matching a read against a format is a small dynamic programme over the read's characters and the pattern's
slots. A character of the class its slot wants costs its own probability. A character of the other class may
only be replaced by one of its look-alikes (CONFUSABLE: O and 0, I and 1, B and 8...) and then costs the
recogniser's own probability for that look-alike. Letters are never changed into other letters, nor digits into
other digits, and an `A` slot takes a character as it was read.

Among the formats that explain a read, the one with the best score wins: the read's log probability under the
format less the format's looseness, LOOSE_SLOT for every `A` slot used (or `[...]` set of letters and digits; and
for every character a Hangul-blind recogniser saw where a syllable is). A loose format explains any read as it was
read, so without the looseness it would beat every format that settles a look-alike; with it, a format that fixes
the classes of n characters where a loose one does not wins when the look-alikes it needs are together at least
about 1/e^(0.8 n) as probable as what was read. The read as it was competes too, as a format that fixes nothing: a
format that needs improbable look-alikes (a Czech 1T43213 under the Slovak LL NNN LL) leaves the read as it was.
A character the recogniser thought might be a separator (SEPARATOR_MIN) may be left out to fit a format.
On a tie the earlier format wins: `auto` (lpr.regions.AUTO_REGIONS) tries every region's formats.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache, cached_property

from lpr.charset import SEPARATOR, is_digit, is_hangul, is_letter
from lpr.plate_groups import gap_fit, group_fit, observed_breaks
from lpr.plate_reader import CharRead
from lpr.regions import AUTO, AUTO_REGIONS, REGIONS

UNKNOWN = "?"  # stands for a Hangul syllable when the recogniser cannot read Hangul

# look-alike letters and digits, both ways
CONFUSABLE_PAIRS = ("O0", "D0", "Q0", "U0", "I1", "J1", "L1", "T1", "B8", "S5", "Z2", "G6", "A4", "T7", "E3")
TO_DIGIT: dict[str, str] = {}
TO_LETTER: dict[str, str] = {}
for _letter, _digit in (tuple(pair) for pair in CONFUSABLE_PAIRS):
    TO_DIGIT[_letter] = TO_DIGIT.get(_letter, "") + _digit
    TO_LETTER[_digit] = TO_LETTER.get(_digit, "") + _letter

# The cost (natural log) of an `A` slot against an `L` or `N` one: log 36 less the mean of log 26 and log 10,
# what Bayes' rule gives a character that may be any of 36 against one of a fixed class. Seven loose slots
# (US A{2,8} on a 7-character plate) cost 5.6: a format fixing the classes of those seven settles a look-alike
# the recogniser gave at least 1/270 of the probability of what it read, and keeps the read otherwise.
LOOSE_SLOT = math.log(36) - (math.log(26) + math.log(10)) / 2
_GAP = re.compile(r"[\s\-.·]+")
_TOKEN = re.compile(r"([LNHA]|\[[A-Z0-9]+\])(?:\{(\d+)(?:,(\d+))?\})?")


class FormatError(ValueError):
    """A pattern or region name that cannot be used."""


@dataclass(frozen=True)
class PlateFormat:
    name: str
    pattern: str
    slots: tuple[tuple[str, bool], ...]  # (class, optional)
    # the slots after which a group ends (a space or dash in the pattern): the wider gaps on the plate
    ends: frozenset[int] = frozenset()
    # may a Hangul-blind recogniser's read fill its H slots (any glyph where the syllable is)? Not under `auto`:
    # so loose an explanation would fit many a foreign plate
    blind_ok: bool = True

    @classmethod
    def parse(cls, name: str, pattern: str) -> PlateFormat:
        compact = pattern.upper().strip()
        slots: list[tuple[str, bool]] = []
        ends: set[int] = set()
        pos = 0
        while pos < len(compact):
            gap = _GAP.match(compact, pos)
            if gap:
                if slots:
                    ends.add(len(slots) - 1)
                pos = gap.end()
                continue
            match = _TOKEN.match(compact, pos)
            if not match:
                raise FormatError(f"plate format {pattern!r}: {compact[pos]!r} is not L, N, H, A, a [...] set of "
                                  "letters and digits or a {m,n} count")
            kind, low, high = match.group(1), match.group(2), match.group(3)
            if kind.startswith("["):
                kind = "[" + "".join(sorted(set(kind[1:-1]))) + "]"
            least = int(low) if low else 1
            most = int(high) if high else least
            if least < 0 or most < max(least, 1) or most > 12:
                raise FormatError(f"plate format {pattern!r}: bad count in {match.group(0)!r}")
            slots += [(kind, False)] * least + [(kind, True)] * (most - least)
            pos = match.end()
        if not slots or len(slots) > 16:
            raise FormatError(f"plate format {pattern!r}: 1 to 16 characters")
        return cls(name, pattern, tuple(slots), frozenset(e for e in ends if e < len(slots) - 1))

    @cached_property
    def min_length(self) -> int:
        return sum(1 for _, optional in self.slots if not optional)

    @cached_property
    def fixed(self) -> bool:
        """Every slot required and none Hangul: the format explains a read of its own length only."""
        return all(not optional and kind != "H" for kind, optional in self.slots)

    @cached_property
    def hangul_slots(self) -> int:
        return sum(1 for kind, _ in self.slots if kind == "H")

    @cached_property
    def loose_slots(self) -> int:
        return sum(1 for kind, _ in self.slots if is_loose(kind))


@cache  # (asked at every step of _match's dynamic programme; a handful of kinds exist)
def is_loose(kind: str) -> bool:
    """Whether a slot of `kind` leaves open whether it holds a letter or a digit (`A`, or a [...] set of both,
    such as a Czech serial's third place): such a slot explains a read as loosely, and costs LOOSE_SLOT."""
    listed = kind[1:-1] if kind.startswith("[") else ""
    return kind == "A" or (any(map(is_letter, listed)) and any(map(is_digit, listed)))


def known_regions() -> str:
    """The region codes a setting may name, for error messages."""
    codes = sorted(c for c in REGIONS if not c.startswith("US-"))
    return f"{AUTO}, {', '.join(codes)} and the US states as US-XX (US-CA, US-NY...)"


def formats_for(regions: Iterable[str] = (), patterns: Iterable[str] = (),
                leave_out: Callable[[str], bool] | None = None) -> list[PlateFormat]:
    """The formats of region codes (auto, BR, EU, DE, US, US-CA, KR... see lpr.regions) plus custom patterns,
    without the regions (codes as auto names them, or groups such as EU) that `leave_out` is true of.
    A pattern several regions share is kept once, under the first kept region's name."""
    out: list[PlateFormat] = []
    seen: dict[tuple[tuple[tuple[str, bool], ...], frozenset[int]], int] = {}

    def add(fmt: PlateFormat) -> None:
        key = (fmt.slots, fmt.ends)
        if key not in seen:
            seen[key] = len(out)
            out.append(fmt)
        elif fmt.blind_ok:  # KR named besides auto: its H slots take what a Hangul-blind recogniser saw
            out[seen[key]] = replace(out[seen[key]], blind_ok=True)

    for region in regions:
        code = region.strip().upper()
        if not code:
            continue
        auto = code == AUTO.upper()
        for each in AUTO_REGIONS if auto else (code,):
            if each not in REGIONS:
                raise FormatError(f"unknown plate region {region!r} (known: {known_regions()})")
            if leave_out is not None and leave_out(each):
                continue
            for name, pattern, _ in REGIONS[each]:
                fmt = PlateFormat.parse(name, pattern)
                add(replace(fmt, blind_ok=False) if auto else fmt)
    for i, pattern in enumerate(p for p in patterns if p.strip()):
        add(PlateFormat.parse(f"custom-{i + 1}", pattern))
    return out


@dataclass
class FormatMatch:
    text: str
    char_scores: list[float]
    format: str | None  # None: no format matched, the read as it was
    log_prob: float  # the read's log probability under the format (what the recogniser supports)
    looseness: float = field(default=0.0)  # what the format's free places cost on top
    # the slot each read character filled (None: left out as a separator); None for the read as it was
    slots: list[int | None] | None = field(default=None, repr=False)
    groups: float = 0.0  # what the gaps between the characters say for or against the format's groups
    # how sure each character's glyph is where the format fixes its class: its own probability plus that of its
    # look-alike of the other class (a Z read at 0.52 with 0.40 on 2 is a sure Z in a letter's place). What the
    # read's score is made of; char_scores stay the recogniser's belief in the very character (the multi-frame
    # vote weighs reads by it: a format's choice is no evidence of its own). None: char_scores.
    glyph_scores: list[float] | None = field(default=None, repr=False)
    # what other evidence than the characters says for the format's region (the code in a plate's blue band,
    # lpr.flag_code.leaning): a log probability ratio, 0 or less
    prior: float = 0.0

    @property
    def sure_scores(self) -> list[float]:
        return self.glyph_scores if self.glyph_scores is not None else self.char_scores

    @property
    def score(self) -> float:
        return self.log_prob - self.looseness + self.groups + self.prior

    @property
    def fit(self) -> float:
        """How well the formats explain the text, comparable across lengths: the score a character. Between texts
        that differ by a character at an end (a crop or a frame that lost or gained it), the better fit wins."""
        return self.score / max(1, len(self.text))


Option = tuple[str, float, float, float]  # (character, log probability, its score 0-1, its glyph's 0-1)
Prior = Callable[[str], float]  # a format's name -> what other evidence says for it (FormatMatch.prior)
MIN_PROB = 1e-4  # floor for a look-alike's probability: the format, not the recogniser, asks for it
# The cost of a Hangul slot filled by whatever a Hangul-blind recogniser saw there, by how many characters it
# saw: mostly one look-alike (가 as 7, 나 as L), sometimes none or two. Without the difference, "123가4567"
# would be explained as well by NN H NNNN (12, then 3 and 7 as the syllable) as by NNN H NNNN.
UNREADABLE_HANGUL_PROB = {1: 0.5, 0: 0.1, 2: 0.1}
# A read character the recogniser also gave a separator this much (a seal or sticker between a plate's groups
# read as 8) may be left out where a format needs one character less, at the separator's probability.
SEPARATOR_MIN = 0.05


def _best_option(char: CharRead, kind: str, alphabet: str, hangul_readable: bool) -> Option | None:
    """The most probable character a read character may stand for in a slot of `kind` (itself, or its likeliest
    look-alike of the wanted class or set), or None if it cannot stand there."""
    c = char.char
    if kind in ("A", "H"):
        ok = (is_letter(c) or is_digit(c)) if kind == "A" else hangul_readable and is_hangul(c)
        return (c, math.log(max(char.score, MIN_PROB)), char.score, char.score) if ok else None
    alikes = TO_DIGIT.get(c, "") + TO_LETTER.get(c, "")  # its look-alikes of the other class
    allowed = _slot_takes(kind)
    if allowed(c):
        # read as a character the slot allows: the glyph is right whether the recogniser leant to it or to a
        # look-alike the slot excludes
        shape = char.score + max((_prob(char, alt, alphabet) for alt in alikes if not allowed(alt)), default=0.0)
        return c, math.log(max(char.score, MIN_PROB)), char.score, min(1.0, shape)
    best: Option | None = None
    for alt in filter(allowed, alikes):
        p = _prob(char, alt, alphabet)
        if best is None or p > best[2]:
            # a look-alike's score is the recogniser's belief in that glyph shape: both readings
            both = min(1.0, p + char.score)
            best = (alt, math.log(max(p, MIN_PROB)), both, both)
    return best


@cache  # (asked for every read character and kind)
def _slot_takes(kind: str) -> Callable[[str], bool]:
    """Whether a slot of `kind` (L, N or a [...] set) takes a character."""
    if kind.startswith("["):
        return lambda c: len(c) == 1 and c in kind[1:-1]
    return is_letter if kind == "L" else is_digit


def _prob(char: CharRead, symbol: str, alphabet: str) -> float:
    """The recogniser's probability of `symbol` at the read character's step (0 if not in its alphabet)."""
    index = alphabet.find(symbol)
    return float(char.probs[index]) if index >= 0 else 0.0


def _separator(char: CharRead, alphabet: str) -> Option | None:
    """The read character as a separator the recogniser took for a character (a sticker, a seal or the
    dash between groups read as 8 or 1), if it gave the separator SEPARATOR_MIN or more."""
    index = alphabet.find(SEPARATOR)
    p = float(char.probs[index]) if index >= 0 else 0.0
    return (SEPARATOR, math.log(p), p, p) if p >= SEPARATOR_MIN else None


def _options(chars: Sequence[CharRead], alphabet: str, hangul_readable: bool,
             formats: Sequence[PlateFormat] = ()) -> list[dict[str, Option | None]]:
    """Each read character's options in a slot of each kind the formats use (and L, N, A, H), and as a
    separator."""
    kinds = {"L", "N", "A", "H"} | {kind for fmt in formats for kind, _ in fmt.slots}
    return [{**{kind: _best_option(c, kind, alphabet, hangul_readable) for kind in kinds},
             SEPARATOR: _separator(c, alphabet)} for c in chars]


def _read_log(row: dict[str, Option | None]) -> float:
    """The log probability of a character as it was read."""
    seen = row["A"]
    return seen[1] if seen is not None else math.log(MIN_PROB)


def match_format(chars: Sequence[CharRead], fmt: PlateFormat, alphabet: str,
                 hangul_readable: bool) -> FormatMatch | None:
    """The most probable way `fmt` explains the read characters, or None if it cannot."""
    breaks = observed_breaks([c.x for c in chars])
    return _match(_options(chars, alphabet, hangul_readable, [fmt]), fmt, hangul_readable, breaks)


# Where the DP stands between two read characters: no group end of the format passed since the last character
# put in a slot, one passed, or the last character was left out as a separator (its gaps say nothing)
SAME_GROUP, NEW_GROUP, AFTER_SEPARATOR = 0, 1, 2
State = tuple[int, int, int]  # (read characters explained, slots used, SAME_GROUP / NEW_GROUP / AFTER_SEPARATOR)
Step = tuple[State, str, float, float, float, float, float]  # (from, character, its score, its glyph's, log p,
# looseness, groups)


def _match(options: list[dict[str, Option | None]], fmt: PlateFormat, hangul_readable: bool,
           breaks: Sequence[bool | None] = ()) -> FormatMatch | None:
    n, m = len(options), len(fmt.slots)
    breaks = list(breaks) or [None] * max(0, n - 1)
    separators = sum(1 for row in options if row[SEPARATOR] is not None)
    if fmt.fixed and not (m <= n <= m + separators):
        return None
    if fmt.fixed and n == m:
        picked = [options[i][kind] for i, (kind, _) in enumerate(fmt.slots)]
        if any(o is None for o in picked):
            return None
        chosen = [o for o in picked if o is not None]
        loose = LOOSE_SLOT * fmt.loose_slots
        return FormatMatch("".join(o[0] for o in chosen), [o[2] for o in chosen], fmt.name,
                           sum(o[1] for o in chosen), loose, list(range(n)),
                           group_fit(breaks, list(range(n)), fmt.ends), [o[3] for o in chosen])
    blind_slots = 0 if hangul_readable else fmt.hangul_slots
    if blind_slots and not fmt.blind_ok:
        return None
    first, optional = fmt.slots[0]
    if n and not optional and first != "H" and options[0][first] is None and options[0][SEPARATOR] is None:
        return None  # the first character can stand in no other slot (a code from a closed list: lpr.regions)
    if n < fmt.min_length - blind_slots or n > m + blind_slots + separators:
        return None

    # where the gaps say nothing, where the DP stands between characters does not matter: one state for all
    tracked = any(b is not None for b in breaks)
    wheres = (SAME_GROUP, NEW_GROUP, AFTER_SEPARATOR) if tracked else (SAME_GROUP,)

    def gap(i: int, where: int) -> float:
        """What the gap before read character i says, put in a slot with `where` the format stands."""
        return 0.0 if i == 0 or where == AFTER_SEPARATOR else gap_fit(breaks[i - 1], where == NEW_GROUP)

    # best[state]: the score of explaining the first i characters with the first j slots; back rebuilds the text
    best: dict[State, float] = {(0, 0, SAME_GROUP): 0.0}
    back: dict[State, Step] = {}

    def relax(state: State, came: State, char: str, p: float, glyph: float, log: float, loose: float,
              groups: float) -> None:
        total = best[came] + log - loose + groups
        if total > best.get(state, -math.inf):
            best[state] = total
            back[state] = (came, char, p, glyph, log, loose, groups)

    for j in range(m + 1):
        for i in range(n + 1):
            for where in wheres:
                here = (i, j, where)
                if here not in best:
                    continue
                sep = options[i][SEPARATOR] if i < n else None
                if sep is not None:  # read character i is a separator, in no slot
                    relax((i + 1, j, AFTER_SEPARATOR if tracked else SAME_GROUP), here, "", 1.0, 1.0, sep[1], 0.0,
                          0.0)
                if j == m:
                    continue
                kind, optional = fmt.slots[j]
                passed = NEW_GROUP if tracked and j in fmt.ends else SAME_GROUP  # after a character in slot j
                skipped = where if where != SAME_GROUP else passed  # after slot j left empty
                if optional:
                    relax((i, j + 1, skipped), here, "", 1.0, 1.0, 0.0, 0.0, 0.0)
                if kind == "H" and not hangul_readable:
                    # a Hangul-blind recogniser saw 0 to 2 characters of some kind where the syllable is
                    for used, prob in UNREADABLE_HANGUL_PROB.items():
                        if i + used > n:
                            continue
                        # what it saw there is as free as an `A` slot's character, and was read with its score
                        log = math.log(prob) + sum(_read_log(options[k]) for k in range(i, i + used))
                        groups = (gap(i, where) + sum(gap(k, SAME_GROUP) for k in range(i + 1, i + used))
                                  if used else 0.0)
                        relax((i + used, j + 1, passed if used else skipped), here, UNKNOWN, 0.0, 0.0, log,
                              LOOSE_SLOT * used, groups)
                    continue
                option = options[i][kind] if i < n else None
                if option is not None:
                    relax((i + 1, j + 1, passed), here, option[0], option[2], option[3], option[1],
                          LOOSE_SLOT if is_loose(kind) else 0.0, gap(i, where))
    ends = [(n, m, where) for where in (SAME_GROUP, NEW_GROUP, AFTER_SEPARATOR) if (n, m, where) in best]
    if not ends:
        return None
    state = max(ends, key=lambda s: best[s])
    text, scores, glyphs = [], [], []
    slots: list[int | None] = [None] * n
    log_prob = looseness = groups = 0.0
    while state != (0, 0, SAME_GROUP):
        came, char, p, glyph, step_log, step_loose, step_groups = back[state]
        for k in range(came[0], state[0]):  # the read characters this step took: into slot came[1], or none
            slots[k] = came[1] if came[1] < state[1] else None
        if char:
            text.append(char)
            scores.append(p)
            glyphs.append(glyph)
        log_prob += step_log
        looseness += step_loose
        groups += step_groups
        state = came
    return FormatMatch("".join(reversed(text)), list(reversed(scores)), fmt.name, log_prob, looseness, slots, groups,
                       list(reversed(glyphs)))


def each_match(chars: Sequence[CharRead], formats: Sequence[PlateFormat], alphabet: str,
               hangul_readable: bool) -> list[FormatMatch]:
    """How each of `formats` that can explains the read characters (those that cannot are left out)."""
    if not formats or not chars:
        return []
    breaks = observed_breaks([c.x for c in chars])
    options = _options(chars, alphabet, hangul_readable, formats)
    found = (_match(options, fmt, hangul_readable, breaks) for fmt in formats)
    return [m for m in found if m is not None]


def apply_formats(chars: Sequence[CharRead], formats: Sequence[PlateFormat], alphabet: str,
                  hangul_readable: bool, prior: Prior | None = None) -> FormatMatch:
    """The best format's reading of `chars`; without formats, or when none fits plausibly, the characters as read
    (format None).

    Best: the highest score (log probability less looseness); on a tie the earlier format, so a pattern shared
    by several regions is named after the first configured, and a format over the read as it was."""
    best: FormatMatch | None = None
    for found in each_match(chars, formats, alphabet, hangul_readable):
        if prior is not None and found.format is not None:
            found.prior = prior(found.format)
        if best is None or found.score > best.score:
            best = found
    breaks = observed_breaks([c.x for c in chars])
    # the read as it was competes as a format of its own that fixes nothing: a format wins only where the
    # look-alikes it needs are probable enough (a Czech plate stays as read under SK)
    log_prob = float(sum(math.log(max(c.score, 1e-9)) for c in chars))
    as_read = FormatMatch("".join(c.char for c in chars), [c.score for c in chars], None, log_prob,
                          LOOSE_SLOT * len(chars), groups=group_fit(breaks, None, frozenset()))
    return best if best is not None and best.score >= as_read.score else as_read
