"""Whole numbers read from request text: ASCII digits only, and never outside SQLite's 64-bit integers.

`str.isdigit()` and `int()` are not enough: both take other scripts' digits ("²" passes isdigit but
int() refuses it; "١٢" is 12 to int()), int() takes "1_000" and spaces, and a number past 64 bits
makes SQLite raise OverflowError when it is bound.
"""

from __future__ import annotations

import re

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
_WHOLE = re.compile(r"[+-]?[0-9]+")


class NotWholeNumber(ValueError):
    """The text is not a whole number (`reason` says how), e.g. "must be a whole number"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def int64(text: str) -> int | None:
    """int(text) for text that is a sign and ASCII digits, None when it lies outside 64 bits. The length
    is checked first: int() of thousands of digits is slow, and raises past 4300 of them."""
    if len(text.lstrip("+-").lstrip("0")) > 19:
        return None
    number = int(text)
    return number if INT64_MIN <= number <= INT64_MAX else None


def whole_number(text: str) -> int:
    """The number `text` spells (an optional sign, then ASCII digits), within 64 bits; else NotWholeNumber."""
    if not _WHOLE.fullmatch(text):
        raise NotWholeNumber("must be a whole number")
    number = int64(text)
    if number is None:
        raise NotWholeNumber(f"must be from {INT64_MIN} to {INT64_MAX}")
    return number


def channel_number(text: str) -> int | None:
    """The number of ASCII digits alone (no sign, no spaces) that `text` is, at most nine of them; else None.
    ("²" passes str.isdigit() and then fails int().)"""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None
