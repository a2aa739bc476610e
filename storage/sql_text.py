"""LIKE patterns built from user text: every wildcard in the text is matched literally."""

from __future__ import annotations

LIKE_ESCAPE = "\\"


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains_pattern(text: str) -> str:
    """Pattern for `column LIKE pattern ESCAPE '\\'` that matches `text` anywhere."""
    return f"%{escape_like(text)}%"


def member_pattern(value: object) -> str:
    """Pattern matching one member of a ",a,b," list column."""
    return f"%,{escape_like(str(value))},%"
