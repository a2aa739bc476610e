"""The time parameters of /api/vod: `when` (ISO 8601, now, today, yesterday) and `duration`."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from web.core.errors import bad_request
from web.core.timefmt import EARLIEST_MS, LATEST_MS, TimeFormatError, parse

_DURATION = re.compile(r"^(\d{1,15})(ms|w|d|h|m|s)?$")
UNIT_MS = {"w": 604_800_000, "d": 86_400_000, "h": 3_600_000, "m": 60_000, "s": 1000, "ms": 1}
DEFAULT_DURATION_MS = 1000  # the guide: "only data within 1 second" of `when`


def local_midnight_ms(now_ms: int, tz: ZoneInfo, days_back: int) -> int:
    """00:00 of today (days_back 0) or an earlier day, in the server's zone."""
    day = datetime.fromtimestamp(now_ms / 1000, tz).date() - timedelta(days=days_back)
    return int(datetime(day.year, day.month, day.day, tzinfo=tz).timestamp() * 1000)


def parse_when(text: str | None, tz: ZoneInfo, now_ms: int) -> int | None:
    """Milliseconds of `when`; None for live video (`when` absent, empty or `now`)."""
    if text is None or text.strip() == "" or text.strip().lower() == "now":
        return None
    word = text.strip().lower()
    if word in ("today", "yesterday"):
        return local_midnight_ms(now_ms, tz, 0 if word == "today" else 1)
    try:
        ms = parse(text, tz).ms
    except TimeFormatError as exc:
        raise bad_request(f"when: {exc}; or now, today, yesterday") from None
    if not EARLIEST_MS <= ms < LATEST_MS:
        raise bad_request("when must be between the years 1900 and 8999")
    return ms


def parse_duration(text: str | None) -> int:
    """Milliseconds of `duration`: a whole number with one unit (w, d, h, m, s, ms; none = s)."""
    if text is None or text.strip() == "":
        return DEFAULT_DURATION_MS
    m = _DURATION.match(text.strip())
    if not m:
        raise bad_request("duration must be a whole number with one unit of w, d, h, m, s, ms "
                          "(no unit means seconds; 1h30m is written 90m)")
    ms = int(m.group(1)) * UNIT_MS[m.group(2) or "s"]
    if ms <= 0:
        raise bad_request("duration must be longer than 0")
    return ms


def window_end(begin_ms: int, duration_ms: int) -> int:
    return min(begin_ms + duration_ms, LATEST_MS)
