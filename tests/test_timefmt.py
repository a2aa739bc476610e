"""Every ISO 8601 form of the guide's appendix, and the answers' format."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from web.core.timefmt import TimeFormatError, format_ms, parse, utc_offset

NY = ZoneInfo("America/New_York")
SEOUL = ZoneInfo("Asia/Seoul")
# 2018-02-01T14:30:15.253-05:00 == 19:30:15.253Z
EXPECTED = int(datetime(2018, 2, 1, 19, 30, 15, 253000, tzinfo=UTC).timestamp() * 1000)


@pytest.mark.parametrize(
    "text, utc",
    [
        ("2018-02-01T14:30:15.253-05:00", False),
        ("2018-02-01T14:30:15.253-0500", False),
        ("2018-02-01T19:30:15.253Z", True),
        ("2018-02-01T19:30:15.253+00:00", True),
        ("2018-02-02T04:30:15.253 09:00", False),  # '+09:00' sent raw: the '+' arrives as a space
        ("2018-02-02T04:30:15.253+09", False),
        ("2018-02-01T14:30:15.253", False),  # no zone: the server's local time (New York)
        ("2018-02-01T14:30:15.253000", False),
        ("2018-02-01T14:30:15.253\r\n", False),  # the guide's dataExport examples end in %0D%0A
    ],
)
def test_parse_forms(text, utc):
    parsed = parse(text, NY)
    assert parsed.ms == EXPECTED
    assert parsed.utc is utc


def test_local_time_follows_the_server_zone_and_dst():
    assert parse("2018-07-01T12:00:00", NY).ms == int(datetime(2018, 7, 1, 16, tzinfo=UTC).timestamp() * 1000)
    assert parse("2018-07-01T12:00:00", SEOUL).ms == int(datetime(2018, 7, 1, 3, tzinfo=UTC).timestamp() * 1000)
    assert parse("2018-07-01", NY).ms == int(datetime(2018, 7, 1, 4, tzinfo=UTC).timestamp() * 1000)


@pytest.mark.parametrize("text", ["", "yesterday", "2018-13-01T00:00:00", "2018-02-30", "2018-02-01T25:00:00",
                                  "2018-02-01T10:00:00+25:00", "2018-02-01T10:00:00' OR 1=1"])
def test_bad_forms(text):
    with pytest.raises(TimeFormatError):
        parse(text, NY)


def test_format_matches_the_guide():
    assert format_ms(EXPECTED, NY) == "2018-02-01T14:30:15.253-05:00"
    assert format_ms(EXPECTED, None) == "2018-02-01T19:30:15.253Z"
    assert format_ms(EXPECTED, SEOUL) == "2018-02-02T04:30:15.253+09:00"
    assert utc_offset(NY, EXPECTED) == "-05:00"
    assert utc_offset(ZoneInfo("Asia/Kathmandu"), EXPECTED) == "+05:45"
