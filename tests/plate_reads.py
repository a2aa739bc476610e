"""Plate reads as the recogniser gives them, built by hand, for the tests of plate formats and groups."""

from __future__ import annotations

import numpy as np

from lpr.plate_formats import apply_formats, formats_for
from lpr.plate_reader import CharRead

ALPHABET = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ가서울"


def chars(read: str, alternatives: dict[int, tuple[str, float]] | None = None,
          score: float = 0.9) -> list[CharRead]:
    """CharReads as the recogniser gives them: each character of `read` at `score`, every other symbol at 0.001,
    and at position i the look-alike `alternatives[i]` = (symbol, its probability) taken from the read's share."""
    out = []
    for i, char in enumerate(read):
        probs = np.full(len(ALPHABET), 0.001, np.float32)
        alt, p_alt = (alternatives or {}).get(i, (None, 0.0))
        probs[ALPHABET.index(char)] = score - p_alt
        if alt is not None:
            probs[ALPHABET.index(alt)] = p_alt
        out.append(CharRead(char, float(probs[ALPHABET.index(char)]), probs))
    return out


def settle(read: list[CharRead], regions: list[str], hangul: bool = True) -> tuple[str, str | None]:
    """The text and format name the formats of `regions` make of a read."""
    match = apply_formats(read, formats_for(regions), ALPHABET, hangul)
    return match.text, match.format
