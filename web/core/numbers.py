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


def whole_number(text: str) -> int:
    """The number `text` spells (an optional sign, then ASCII digits), within 64 bits; else NotWholeNumber."""
    if not _WHOLE.fullmatch(text):
        raise NotWholeNumber("must be a whole number")
    digits = text.lstrip("+-").lstrip("0")
    if len(digits) > 19 or not INT64_MIN <= (number := int(text)) <= INT64_MAX:
        raise NotWholeNumber(f"must be from {INT64_MIN} to {INT64_MAX}")
    return number
