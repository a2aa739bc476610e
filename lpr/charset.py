"""The characters a plate may hold, and how the recogniser's own characters fold into them.

PP-OCR recognisers have large dictionaries (PP-OCRv6: 18,708 characters). A plate only holds A-Z, 0-9 and,
in Korea, Hangul syllables, so every dictionary entry is folded onto that alphabet: lower case onto upper case,
full-width forms onto ASCII, Cyrillic and Greek look-alikes onto Latin letters, dashes, dots and spaces onto
one separator symbol. Everything else (Chinese, symbols) is dropped: the recogniser's belief in it does not
count for any plate character.
"""

from __future__ import annotations

import string
import unicodedata

SEPARATOR = "-"
LATIN = string.ascii_uppercase + string.digits
SEPARATORS = set("-‐‑‒–—―−·•.,:;_ ")

# Cyrillic and Greek capitals (and small forms) drawn like Latin letters or digits
LOOKALIKES = {
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T",
    "Х": "X", "У": "Y", "І": "I", "Ј": "J", "Ѕ": "S", "З": "3",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O",
    "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
}

# the region names of Korean regional plates (서울12가3456), first on the plate
KOREAN_REGIONS = ("서울", "부산", "대구", "인천", "광주", "대전", "울산", "세종", "경기", "강원", "충북", "충남",
                  "전북", "전남", "경북", "경남", "제주")


def is_hangul(char: str) -> bool:
    return len(char) == 1 and "가" <= char <= "힣"


def fold(char: str, hangul: bool = True) -> str | None:
    """The plate symbol a recogniser character stands for, SEPARATOR, or None (not on plates)."""
    if char in SEPARATORS:
        return SEPARATOR
    if hangul and is_hangul(char):
        return char
    if len(char) != 1:
        return None
    normal = unicodedata.normalize("NFKC", char)  # full-width and other compatibility forms -> ASCII
    if len(normal) == 1:
        char = normal
    upper = char.upper()
    upper = LOOKALIKES.get(upper, upper)
    if len(upper) == 1 and upper in LATIN:
        return upper
    return None


def is_letter(char: str) -> bool:
    return len(char) == 1 and char in string.ascii_uppercase


def is_digit(char: str) -> bool:
    return len(char) == 1 and char in string.digits
