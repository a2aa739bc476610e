"""Reading a JSON request body: the one reader of every endpoint that takes one.

Whatever the bytes, the caller gets the parsed value or ApiError 400, never another exception:
not UTF-8, not JSON, nested deeper than MAX_DEPTH, NaN or Infinity (not JSON, but Python's parser
takes them), a number too large for a float or an integer outside 64 bits, and a string holding
U+0000 or half of a surrogate pair (neither can be stored as SQLite text) are all refused.
The size of the body is bounded before this, by the app's body limit.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from web.core.errors import bad_request
from web.core.numbers import int64

MAX_DEPTH = 32  # the deepest body an endpoint expects is 3 (an array of objects holding an object)
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class _Refused(ValueError):
    """A value the reader refuses; raised from inside json.loads' hooks."""


def _constant(name: str) -> Any:
    raise _Refused(f"{name} is not a JSON number")


def _integer(text: str) -> int:
    number = int64(text)
    if number is None:
        raise _Refused(f"the number {text[:24]}{'...' if len(text) > 24 else ''} is outside 64-bit integers")
    return number


def _real(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise _Refused(f"the number {text[:24]}{'...' if len(text) > 24 else ''} is too large")
    return number


def _check(value: Any) -> None:
    """Depth and strings of the parsed value, walked without recursion."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, str):
            if _UNSTORABLE.search(node):
                raise bad_request("the body holds a string with U+0000 or an unpaired surrogate (\\ud800-\\udfff)")
            continue
        if not isinstance(node, (dict, list)):
            continue
        if depth > MAX_DEPTH:
            raise bad_request(f"the body is nested too deeply: more than {MAX_DEPTH} levels")
        children = [*node.keys(), *node.values()] if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children)


def read_json(body: bytes) -> Any:
    """The value of a UTF-8 JSON body (a byte order mark is allowed), or ApiError 400."""
    if not body.strip():
        raise bad_request("the body is empty; send JSON")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise bad_request("the body is not UTF-8 text") from None
    try:
        value = json.loads(text, parse_int=_integer, parse_float=_real, parse_constant=_constant)
    except _Refused as exc:
        raise bad_request(f"the body is not valid JSON: {exc}") from None
    except json.JSONDecodeError as exc:
        raise bad_request(f"the body is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise bad_request(f"the body is nested too deeply: more than {MAX_DEPTH} levels") from None
    _check(value)
    return value
