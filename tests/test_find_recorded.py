"""GET /api/find?what=recDays|recMinutes from segment rows this test inserts: local and UTC days,
DST changes, clipping to the asked range, both answer formats, limits, rights."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from storage.models import Segment
from web.core.timefmt import parse

NY = ZoneInfo("America/New_York")
MINUTE = 60_000


def ms(text: str) -> int:
    return parse(text, NY).ms


@pytest.fixture
def segments(runtime):
    def add(*rows: tuple[int, str, str]) -> None:
        """(chid, begin, end) with times in ISO form."""
        with runtime.db.write() as s:
            for chid, begin, end in rows:
                s.add(Segment(chid=chid, begin_ms=ms(begin), end_ms=ms(end), path=f"rec/{chid}/{begin}.mp4"))

    return add


def add_ms(runtime, rows: list[tuple[int, int, int]]) -> None:
    with runtime.db.write() as s:
        for chid, begin, end in rows:
            s.add(Segment(chid=chid, begin_ms=begin, end_ms=end, path="rec/x.mp4"))


def days(client, **params) -> dict:
    r = client.get("/api/find", params={"what": "recDays", **params})
    assert r.status_code == 200, r.text
    return r.json()


def minutes(client, **params) -> dict:
    r = client.get("/api/find", params={"what": "recMinutes", **params})
    assert r.status_code == 200, r.text
    return r.json()


def test_all_days_flat_with_the_months_spanned(admin, segments):
    segments((1, "2018-01-08T10:00:00", "2018-01-08T10:05:00"),
             (2, "2018-01-23T23:58:00", "2018-01-24T00:03:00"),    # across local midnight
             (1, "2018-02-05T12:00:00", "2018-02-07T12:00:00"),    # three days long
             (2, "2018-02-19T09:00:00", "2018-02-19T09:00:00.001"),
             (1, "2018-02-13T00:00:00", "2018-02-14T00:00:00"))    # ends exactly at midnight: one day
    assert days(admin) == {
        "timeBegin": "2018-01-01T00:00:00.000-05:00",
        "timeEnd": "2018-02-28T23:59:59.999-05:00",
        "data": [{"year": 2018, "month": 1, "days": [8, 23, 24]},
                 {"year": 2018, "month": 2, "days": [5, 6, 7, 13, 19]}],
    }


def test_per_channel_format_with_ch(admin, segments):
    segments((1, "2018-01-08T10:00:00", "2018-01-08T10:05:00"),
             (2, "2018-01-23T23:58:00", "2018-01-24T00:03:00"),
             (3, "2018-01-25T10:00:00", "2018-01-25T10:05:00"))
    answer = days(admin, ch="1", timeBegin="2018-01-01T00:00:00-05:00",
                  timeEnd="2018-01-31T23:59:59.999-05:00")
    assert answer == {"timeBegin": "2018-01-01T00:00:00.000-05:00", "timeEnd": "2018-01-31T23:59:59.999-05:00",
                      "data": [{"chid": 1, "data": [{"year": 2018, "month": 1, "days": [8]}]}]}
    both = days(admin, ch="2,1,4")["data"]
    assert both == [{"chid": 1, "data": [{"year": 2018, "month": 1, "days": [8]}]},
                    {"chid": 2, "data": [{"year": 2018, "month": 1, "days": [23, 24]}]}]


def test_range_clips_days(admin, segments):
    segments((1, "2018-01-30T10:00:00", "2018-02-02T10:00:00"))
    answer = days(admin, timeBegin="2018-01-31T12:00:00", timeEnd="2018-02-01T00:00:00")
    assert answer["data"] == [{"year": 2018, "month": 1, "days": [31]}, {"year": 2018, "month": 2, "days": [1]}]
    assert answer["timeBegin"] == "2018-01-31T12:00:00.000-05:00"
    assert days(admin, timeBegin="2018-02-03T00:00:00")["data"] == []
    assert days(admin, timeEnd="2018-01-30T09:59:59.999")["data"] == []


def test_utc_request_gets_utc_days(admin, segments):
    segments((1, "2024-01-10T02:30:00Z", "2024-01-10T02:40:00Z"))  # 21:30 on the 9th in New York
    local = days(admin, timeBegin="2024-01-01T00:00:00-05:00")
    assert local["data"] == [{"year": 2024, "month": 1, "days": [9]}]
    utc = days(admin, timeBegin="2024-01-01T00:00:00Z")
    assert utc["data"] == [{"year": 2024, "month": 1, "days": [10]}]
    assert utc["timeBegin"] == "2024-01-01T00:00:00.000Z" and utc["timeEnd"].endswith("Z")


def test_dst_days(admin, segments):
    segments((1, "2024-03-10T01:30:00", "2024-03-10T03:30:00"),    # spring forward: one local day
             (1, "2024-11-03T23:30:00", "2024-11-03T23:45:00"),    # after fall back (-05:00)
             (2, "2024-11-03T00:30:00", "2024-11-03T00:45:00"),    # before fall back (-04:00)
             (2, "2024-07-04T23:59:00", "2024-07-05T00:00:30"))    # summer midnight
    assert days(admin)["data"] == [{"year": 2024, "month": 3, "days": [10]},
                                   {"year": 2024, "month": 7, "days": [4, 5]},
                                   {"year": 2024, "month": 11, "days": [3]}]


def expected_days(rows, zone, lo, hi) -> set[date]:
    out = set()
    for _chid, begin, end in rows:
        b, e = max(begin, lo), min(end - 1, hi)
        if end <= lo or begin > hi or b > e:
            continue
        d = datetime.fromtimestamp(b / 1000, zone).date()
        last = datetime.fromtimestamp(e / 1000, zone).date()
        while d <= last:
            out.add(d)
            d += timedelta(days=1)
    return out


def answer_days(data) -> set[date]:
    return {date(m["year"], m["month"], d) for m in data for d in m["days"]}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_years_of_random_segments_match_a_day_by_day_count(admin, runtime, seed):
    rng = random.Random(seed)
    start = ms("2021-01-01T00:00:00")
    span = 3 * 365 * 86_400_000
    rows = []
    for _ in range(400):
        begin = start + rng.randrange(span)
        rows.append((rng.choice([1, 2]), begin, begin + rng.choice([1, MINUTE, 3_600_000, 30 * 3_600_000])
                     + rng.randrange(MINUTE)))
    add_ms(runtime, rows)
    everything = (0, 2**62)
    assert answer_days(days(admin)["data"]) == expected_days(rows, NY, *everything)
    assert answer_days(days(admin, timeBegin="2021-01-01T00:00:00Z")["data"]) == \
        expected_days(rows, UTC, ms("2021-01-01T00:00:00Z"), everything[1])
    lo, hi = ms("2022-03-01T00:00:00"), ms("2022-11-30T13:17:00")
    answer = days(admin, timeBegin="2022-03-01T00:00:00", timeEnd="2022-11-30T13:17:00", ch="2")
    per_channel = answer["data"][0]["data"] if answer["data"] else []
    assert answer_days(per_channel) == expected_days([r for r in rows if r[0] == 2], NY, lo, hi)


def test_minutes_in_the_guides_format(admin, segments):
    segments((1, "2018-05-25T10:44:00", "2018-05-25T10:48:30"),
             (1, "2018-05-25T18:01:00", "2018-05-25T18:05:00"),
             (1, "2018-05-25T18:16:10", "2018-05-25T18:18:00.001"),
             (2, "2018-05-25T17:29:59", "2018-05-25T17:36:00.5"),
             (2, "2018-05-25T18:01:00", "2018-05-25T18:06:01"),
             (2, "2018-05-26T18:01:00", "2018-05-26T18:06:01"))     # outside the range
    answer = minutes(admin, timeBegin="2018-05-25T00:00:00-04:00", timeEnd="2018-05-26T00:00:00-04:00")
    assert answer == {
        "timeBegin": "2018-05-25T00:00:00.000-04:00",
        "timeEnd": "2018-05-26T00:00:00.000-04:00",
        "data": [
            {"chid": 1, "data": [
                {"year": 2018, "month": 5, "day": 25, "hour": 10, "minutes": [44, 45, 46, 47, 48]},
                {"year": 2018, "month": 5, "day": 25, "hour": 18, "minutes": [1, 2, 3, 4, 16, 17, 18]}]},
            {"chid": 2, "data": [
                {"year": 2018, "month": 5, "day": 25, "hour": 17, "minutes": [29, 30, 31, 32, 33, 34, 35, 36]},
                {"year": 2018, "month": 5, "day": 25, "hour": 18, "minutes": [1, 2, 3, 4, 5, 6]}]},
        ],
    }
    assert [c["chid"] for c in minutes(admin, timeBegin="2018-05-25T00:00:00", ch="2")["data"]] == [2]


def test_minutes_in_utc_and_one_day_from_either_end(admin, segments):
    segments((1, "2018-05-25T23:58:00-04:00", "2018-05-26T00:01:00-04:00"))
    utc = minutes(admin, timeBegin="2018-05-26T00:00:00Z")
    assert utc["timeBegin"] == "2018-05-26T00:00:00.000Z" and utc["timeEnd"] == "2018-05-26T23:59:59.999Z"
    assert utc["data"] == [{"chid": 1, "data": [
        {"year": 2018, "month": 5, "day": 26, "hour": 3, "minutes": [58, 59]},
        {"year": 2018, "month": 5, "day": 26, "hour": 4, "minutes": [0]}]}]
    local = minutes(admin, timeEnd="2018-05-26T00:00:30")
    assert local["timeBegin"] == "2018-05-25T00:00:30.001-04:00"
    assert local["data"] == [{"chid": 1, "data": [
        {"year": 2018, "month": 5, "day": 25, "hour": 23, "minutes": [58, 59]},
        {"year": 2018, "month": 5, "day": 26, "hour": 0, "minutes": [0]}]}]


def test_minutes_across_fall_back_merge_the_repeated_hour(admin, segments):
    segments((1, "2024-11-03T01:58:00-04:00", "2024-11-03T01:01:00-05:00"))  # 1:58, 1:59 EDT, then 1:00 EST
    data = minutes(admin, timeBegin="2024-11-03T00:00:00")["data"][0]["data"]
    assert data == [{"year": 2024, "month": 11, "day": 3, "hour": 1, "minutes": [0, 58, 59]}]


@pytest.mark.parametrize("params", [
    {},                                                                         # neither end
    {"timeBegin": "2018-05-25T00:00:00", "timeEnd": "2018-05-28T00:00:00.001"},  # over 3 days
    {"timeBegin": "2018-05-26T00:00:00", "timeEnd": "2018-05-25T00:00:00"},      # reversed
    {"timeBegin": "2018-05-25"[:7]},                                            # not a date-time
    {"timeBegin": "2018-05-25T00:00:00", "ch": "x"},
])
def test_minute_requests_that_are_refused(admin, params):
    r = admin.get("/api/find", params={"what": "recMinutes", **params})
    assert r.status_code == 400 and r.json()["code"] == 400, r.text


def test_three_days_exactly_is_allowed(admin, segments):
    segments((3, "2018-05-27T23:59:00", "2018-05-28T00:00:00"))
    answer = minutes(admin, timeBegin="2018-05-25T00:00:00", timeEnd="2018-05-28T00:00:00")
    assert answer["data"] == [{"chid": 3, "data": [
        {"year": 2018, "month": 5, "day": 27, "hour": 23, "minutes": [59]}]}]


@pytest.mark.parametrize("seed", [4, 5])
def test_random_minutes_match_a_minute_by_minute_count(admin, runtime, seed):
    rng = random.Random(seed)
    lo = ms("2024-11-02T12:00:00")  # the range holds the fall-back hour
    hi = lo + 3 * 86_400_000
    rows = []
    for _ in range(60):
        begin = lo - 3_600_000 + rng.randrange(3 * 86_400_000 + 7_200_000)
        rows.append((rng.choice([1, 2]), begin, begin + rng.randrange(1, 40 * MINUTE)))
    add_ms(runtime, rows)
    expected: dict[int, set[tuple]] = {}
    for chid, begin, end in rows:
        for minute in range(max(begin, lo) // MINUTE, min(end - 1, hi) // MINUTE + 1):
            t = datetime.fromtimestamp(minute * 60, NY)
            expected.setdefault(chid, set()).add((t.year, t.month, t.day, t.hour, t.minute))
    answer = minutes(admin, timeBegin="2024-11-02T12:00:00", timeEnd="2024-11-05T11:00:00")  # -05:00 by then
    got = {c["chid"]: {(e["year"], e["month"], e["day"], e["hour"], m) for e in c["data"] for m in e["minutes"]}
           for c in answer["data"]}
    assert got == {chid: values for chid, values in expected.items() if values}


def test_rights(client, add_user):
    assert client.get("/api/find?what=recDays").status_code == 401
    lpr = add_user("lpr", rights="Remote,LPR")
    assert client.get("/api/find", params={"what": "recDays", "auth": lpr}).status_code == 403
    playback = add_user("pb", rights="Remote,Playback")
    r = client.get("/api/find", params={"what": "recDays", "auth": playback})
    assert r.status_code == 200 and r.json()["data"] == []
