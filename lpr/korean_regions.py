"""The region names of Korean regional plates, and settling a read's region on the likeliest real one.

A regional plate (`서울12가3456`) starts with one of seventeen two-syllable names. The recogniser reads that
small print less surely than the number, and a syllable misread there (`서산`) makes a name no plate carries;
the name the recogniser's own per-character probabilities favour most among the real ones is reported instead.
The name's two characters then score how sure the read is of the name among the real ones (its share of their
summed probabilities, half of it in log terms each): a name the recogniser reads at 0.6 and 0.4 per character
but no other real name comes near is a sure name, and must not sink the plate's score below the user's
threshold.
"""

from __future__ import annotations

import math
from dataclasses import replace

from lpr.charset import KOREAN_REGIONS as REGIONS
from lpr.plate_formats import FormatMatch
from lpr.plate_reader import LineRead

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

    likelihoods = {region: math.exp(log_prob(region)) for region in REGIONS}
    best = max(REGIONS, key=likelihoods.__getitem__)
    share = math.sqrt(likelihoods[best] / sum(likelihoods.values()))
    change = log_prob(best) - log_prob(match.text[:2])  # 0 when the read name is the best
    return replace(match, text=best + match.text[2:], char_scores=[share, share, *match.char_scores[2:]],
                   log_prob=match.log_prob + change, glyph_scores=[share, share, *match.sure_scores[2:]])
