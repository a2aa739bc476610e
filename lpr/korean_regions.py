"""The region names of Korean regional plates, and settling a read's region on the likeliest real one.

A regional plate (`서울12가3456`) starts with one of seventeen two-syllable names. The recogniser reads that
small print less surely than the number, and a syllable misread there (`서산`) makes a name no plate carries;
the name the recogniser's own per-character probabilities favour most among the real ones is reported instead.
"""

from __future__ import annotations

import math

from lpr.plate_formats import FormatMatch
from lpr.plate_reader import LineRead

REGIONS = ("서울", "부산", "대구", "인천", "광주", "대전", "울산", "세종", "경기", "강원", "충북", "충남", "전북",
           "전남", "경북", "경남", "제주")
REGIONAL_FORMAT = "KR-regional"
FLOOR = 1e-6


def settle_region(match: FormatMatch, line: LineRead) -> FormatMatch:
    """`match` with its first two characters replaced by the likeliest region name, if it is a regional plate
    read one character per slot (as a recogniser that reads Hangul does); otherwise unchanged."""
    if match.format != REGIONAL_FORMAT or len(line.chars) != len(match.text):
        return match

    def prob(position: int, char: str) -> float:
        index = line.alphabet.find(char)
        return float(line.chars[position].probs[index]) if index >= 0 else 0.0

    def log_prob(region: str) -> float:
        return sum(math.log(max(prob(i, c), FLOOR)) for i, c in enumerate(region))

    best = max(REGIONS, key=log_prob)
    if best == match.text[:2]:
        return match
    scores = [prob(0, best[0]), prob(1, best[1]), *match.char_scores[2:]]
    change = log_prob(best) - log_prob(match.text[:2])
    return FormatMatch(best + match.text[2:], scores, match.format, match.log_prob + change)
