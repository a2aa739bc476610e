"""Date-times as the guide's appendix writes them: YYYY-MM-DDThh:mm:ss.sss with ±hh:mm, Z, or
nothing (the server's local time). Answers carry milliseconds and the server's UTC offset."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

_ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?"
    r"(Z|z|[+\- ]\d{2}(?::?\d{2})?)?$"
)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Times outside this range cannot be answered (formatted, named after) in every zone.
EARLIEST_MS = -2_208_988_800_000  # 1900-01-01T00:00:00Z
LATEST_MS = 221_845_392_000_000  # 9000-01-01T00:00:00Z


class TimeFormatError(ValueError):
    pass


@dataclass(frozen=True)
class TsTime:
    ms: int
    utc: bool  # the client wrote Z (or +00:00): answer in UTC rather than server-local time


def parse(text: str, tz: ZoneInfo) -> TsTime:
    m = _ISO.match(text.strip())
    if not m:
        raise TimeFormatError(f"{text!r} is not an ISO 8601 date-time such as 2018-02-01T14:30:15-05:00")
    year, month, day, hh, mi, ss, frac, offset = m.groups()
    micro = int((frac or "0").ljust(6, "0")[:6])
    try:
        local = datetime(int(year), int(month), int(day), int(hh or 0), int(mi or 0), int(ss or 0), micro)
    except ValueError as exc:
        raise TimeFormatError(f"{text!r}: {exc}") from None
    utc = False
    if offset is None:
        aware = local.replace(tzinfo=tz)
    elif offset in ("Z", "z"):
        aware, utc = local.replace(tzinfo=UTC), True
    else:
        sign = -1 if offset[0] == "-" else 1  # a raw '+' arrives as ' ' after URL decoding
        digits = offset[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
        if hours > 23 or minutes > 59:
            raise TimeFormatError(f"{text!r}: bad UTC offset")
        delta = timedelta(hours=hours, minutes=minutes)
        aware = local.replace(tzinfo=timezone(sign * delta))
        utc = delta == timedelta(0)
    return TsTime(ms=(aware - _EPOCH) // timedelta(milliseconds=1), utc=utc)


def to_datetime(ms: int, tz: ZoneInfo | None) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz or UTC)


def format_ms(ms: int, tz: ZoneInfo | None) -> str:
    """2018-02-19T18:24:26.002-05:00; with tz None, UTC as ...Z."""
    text = to_datetime(ms, tz).isoformat(timespec="milliseconds")
    return text[:-6] + "Z" if tz is None else text


def utc_offset(tz: ZoneInfo, ms: int) -> str:
    offset = to_datetime(ms, tz).utcoffset() or timedelta(0)
    total = int(offset.total_seconds() // 60)
    sign = "-" if total < 0 else "+"
    total = abs(total)
    return f"{sign}{total // 60:02d}:{total % 60:02d}"
