"""GET /api/find?what=carNo: keyword, paging, sort, time ranges in every ISO form, src and ch
filters, the guide's item shape, rights, and bad input, on plates this test pushes itself."""

from __future__ import annotations

import random
import string
from dataclasses import dataclass
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from storage.models import PlateRead
from storage.plates import add_plate, plate_key
from tests.conftest import make_runtime, sqlite_only, write_settings
from web.core.timefmt import format_ms, parse

NY = ZoneInfo("America/New_York")
START = parse("2024-03-08T12:00:00-05:00", NY).ms  # the series crosses the DST change of 2024-03-10
STEP_MS = 3_600_000 + 1_234  # about an hour apart, with milliseconds


def ms(text: str) -> int:
    return parse(text, NY).ms


@dataclass
class Pushed:
    id: int
    plate_no: str
    begin_ms: int
    src_code: str
    channels: list[int]


def random_plate(rng: random.Random) -> str:
    letters, digits = string.ascii_uppercase, string.digits
    return "".join(rng.choices(digits, k=2)) + "".join(rng.choices(letters, k=2)) + "".join(rng.choices(digits, k=3))


@pytest.fixture
def plates(runtime) -> list[Pushed]:
    """60 random plates from two sources, linked to channels 1, 2 or both; a few on purpose."""
    rng = random.Random(20240308)
    fixed = {7: "12AB345", 19: "99XY123", 31: "12-ab 999", 44: "AB%12", 45: "X'OR1=1"}
    out = []
    for i in range(60):
        plate_no = fixed.get(i) or random_plate(rng)
        src = "gate-a" if i % 3 else "gate-b"
        channels = [[1], [2], [1, 2]][i % 3]
        begin = START + i * STEP_MS
        row = add_plate(runtime.db, plate_no, begin, begin + 1500, src_code=src, channels=channels,
                        score=90 + i % 10 + 0.4, roi=(i, i + 1, 100, 30), images=[f"images/p{i}.jpg"],
                        direction=None if i % 4 == 0 else ("entry" if i % 2 else "exit"))
        out.append(Pushed(row.id, plate_no, begin, src, channels))
    return out


def newest_first(rows: list[Pushed]) -> list[int]:
    return [p.id for p in sorted(rows, key=lambda p: (p.begin_ms, p.id), reverse=True)]


def find(client, **params) -> dict:
    r = client.get("/api/find", params={"what": "carNo", **params})
    assert r.status_code == 200, r.text
    return r.json()


def ids(answer: dict) -> list[int]:
    return [item["id"] for item in answer["data"]]


def test_default_is_the_50_newest_with_the_honest_total(admin, plates):
    answer = find(admin)
    assert answer["totalCount"] == 60 and answer["at"] == 0
    assert ids(answer) == newest_first(plates)[:50]


@pytest.mark.parametrize("keyword", ["12", "2a", "AB", "123", "ab3", "12AB", "XY1", "ZZZ", "9", "12 AB-3"])
def test_keyword_is_a_case_insensitive_substring_of_the_plate_key(admin, plates, keyword):
    expected = [p for p in plates if plate_key(keyword) in plate_key(p.plate_no)]
    answer = find(admin, keyword=keyword, maxCount=100)
    assert answer["totalCount"] == len(expected)
    assert ids(answer) == newest_first(expected)


def test_paging_with_at_and_max_count_walks_the_whole_result(admin, plates):
    expected = newest_first(plates)
    seen = []
    for at in range(0, 70, 7):
        answer = find(admin, at=at, maxCount=7)
        assert answer["totalCount"] == 60 and answer["at"] == at
        seen += ids(answer)
    assert seen == expected
    assert find(admin, at=1000)["data"] == []
    assert find(admin, maxCount=0) == {"totalCount": 60, "at": 0, "data": []}


def test_sort_asc_is_oldest_first(admin, plates):
    answer = find(admin, sort="asc", maxCount=10, at=5)
    assert ids(answer) == list(reversed(newest_first(plates)))[5:15]


@pytest.mark.parametrize("begin, end", [
    ("2024-03-09T00:00:00-05:00", "2024-03-10T23:59:59.999-04:00"),   # offsets
    ("2024-03-09T05:00:00Z", "2024-03-11T03:59:59.999Z"),             # UTC
    ("2024-03-09T00:00:00", "2024-03-10T23:59:59.999"),               # server-local (New York)
    ("2024-03-09T10:30:00+0530", "2024-03-11T09:29:59.999+05:30"),    # other zones, compact offset
])
def test_time_ranges_in_every_iso_form(admin, plates, begin, end):
    lo, hi = ms("2024-03-09T00:00:00-05:00"), ms("2024-03-10T23:59:59.999-04:00")
    expected = [p for p in plates if lo <= p.begin_ms <= hi]
    assert 0 < len(expected) < len(plates)
    answer = find(admin, timeBegin=begin, timeEnd=end, maxCount=100)
    assert answer["totalCount"] == len(expected)
    assert ids(answer) == newest_first(expected)


def tokyo(at_ms: int) -> str:
    return format_ms(at_ms, ZoneInfo("Asia/Tokyo"))


def test_raw_plus_offset_and_encoded_times(admin, plates):
    lo = plates[10].begin_ms
    assert "+09:00" in tokyo(lo)
    # an unencoded "+09:00" arrives as " 09:00" after URL decoding; it still means +09:00
    raw = admin.get("/api/find?what=carNo&maxCount=100&timeBegin=" + tokyo(lo)).json()
    assert ids(raw) == newest_first([p for p in plates if p.begin_ms >= lo])
    encoded = admin.get("/api/find?what=carNo&maxCount=100&timeEnd=" + quote(tokyo(lo), safe="")).json()
    assert ids(encoded) == newest_first([p for p in plates if p.begin_ms <= lo])


def test_begin_only_and_end_only(admin, plates):
    cut = plates[30].begin_ms
    after = find(admin, timeBegin=tokyo(cut), maxCount=100)
    assert ids(after) == newest_first([p for p in plates if p.begin_ms >= cut])
    before = find(admin, timeEnd=tokyo(cut), maxCount=100)
    assert ids(before) == newest_first([p for p in plates if p.begin_ms <= cut])


def test_src_by_device_id_or_code(data_dir):
    write_settings(data_dir, lpr_device=[{"id": 1, "code": "gate-a", "name": "The Empire State"},
                                         {"id": 2, "code": "gate-b"}])
    runtime = make_runtime(data_dir)
    a = add_plate(runtime.db, "11AA111", START, START + 10, src_code="gate-a", channels=[1])
    b = add_plate(runtime.db, "22BB222", START + 1, START + 20, src_code="gate-b", channels=[2])
    c = add_plate(runtime.db, "33CC333", START + 2, START + 30, src_code="pushed-x", src_name="Side door")
    from starlette.testclient import TestClient

    from tests.conftest import ADMIN_AUTH

    with TestClient(runtime.app) as client:
        get = lambda **p: find(client, auth=ADMIN_AUTH, **p)  # noqa: E731
        assert ids(get(src="1")) == [a.id]
        assert ids(get(src="2")) == [b.id]
        assert ids(get(src="1,2")) == [b.id, a.id]
        assert ids(get(src="gate-b")) == [b.id]
        assert ids(get(src="pushed-x,1")) == [c.id, a.id]
        assert ids(get(src="7")) == []
        names = {item["id"]: (item["srcCode"], item["srcName"]) for item in get()["data"]}
        assert names == {a.id: ("gate-a", "The%20Empire%20State"), b.id: ("gate-b", "gate-b"),
                         c.id: ("pushed-x", "Side%20door")}


def test_ch_filters_on_linked_channels(admin, plates):
    for ch, wanted in (("1", {1}), ("2", {2}), ("1,2", {1, 2})):
        expected = [p for p in plates if wanted & set(p.channels)]
        answer = find(admin, ch=ch, maxCount=100)
        assert answer["totalCount"] == len(expected)
        assert ids(answer) == newest_first(expected)
    assert find(admin, ch="3")["totalCount"] == 0


def test_filters_combine(admin, plates):
    lo = plates[5].begin_ms
    expected = [p for p in plates if "1" in p.plate_no and p.src_code == "gate-a" and 2 in p.channels
                and p.begin_ms >= lo]
    answer = find(admin, keyword="1", src="gate-a", ch="2", timeBegin=tokyo(lo), sort="asc", maxCount=100)
    assert answer["totalCount"] == len(expected) > 0
    assert ids(answer) == list(reversed(newest_first(expected)))


def test_item_shape_is_the_guides(admin, runtime):
    begin = ms("2018-02-21T09:07:29.000-05:00")
    row = add_plate(runtime.db, "55EV96", begin, ms("2018-02-21T09:07:34.057-05:00"), src_code="1-1-1",
                    src_name="The Empire State", channels=[1, 2], score=94.6, roi=(821, 473, 173, 43),
                    images=["e/0/0/0/39/39589.161142.1576732385942440.plate.jpg", "e/1.plate.jpg"],
                    direction="entry")
    bare = add_plate(runtime.db, "L647AN", ms("2018-02-20T18:12:05.828-05:00"),
                     ms("2018-02-20T18:12:06.253-05:00"), src_code="1-1-1")
    answer = find(admin, timeEnd="2018-12-31T00:00:00")
    assert answer["totalCount"] == 2
    when = "2018%2D02%2D21T09%3A07%3A29%2E000%2D05%3A00"
    assert answer["data"][0] == {
        "id": row.id,
        "plateNo": "55EV96",
        "score": 95,
        "roi": {"offset": [821, 473], "size": [173, 43]},
        "image": ["http://testserver/storage/e/0/0/0/39/39589.161142.1576732385942440.plate.jpg",
                  "http://testserver/storage/e/1.plate.jpg"],
        "timeRange": ["2018-02-21T09:07:29.000-05:00", "2018-02-21T09:07:34.057-05:00"],
        "srcCode": "1-1-1",
        "srcName": "The%20Empire%20State",
        "direction": "entry",
        "vod": [{"chid": 1, "videoSrc": f"http://testserver/watch?ch=1&when={when}"},
                {"chid": 2, "videoSrc": f"http://testserver/watch?ch=2&when={when}"}],
    }
    assert answer["data"][1] == {
        "id": bare.id,
        "plateNo": "L647AN",
        "timeRange": ["2018-02-20T18:12:05.828-05:00", "2018-02-20T18:12:06.253-05:00"],
        "srcCode": "1-1-1",
        "srcName": "1-1-1",
        "vod": [],
    }
    assert list(answer["data"][0]) == ["id", "plateNo", "score", "roi", "image", "timeRange", "srcCode",
                                       "srcName", "direction", "vod"]
    assert "," in admin.get("/api/find?what=carNo&indent=0").text


def test_summer_times_carry_the_summer_offset(admin, runtime):
    add_plate(runtime.db, "SUMMER1", ms("2024-07-04T12:00:00Z"), ms("2024-07-04T12:00:01Z"))
    item = find(admin)["data"][0]
    assert item["timeRange"] == ["2024-07-04T08:00:00.000-04:00", "2024-07-04T08:00:01.000-04:00"]


@pytest.mark.parametrize("keyword, plate", [("%", "AB%12"), ("' OR 1=1 --", "X'OR1=1"), ("'OR1", "X'OR1=1")])
def test_wildcards_and_quotes_are_literal(admin, plates, keyword, plate):
    answer = find(admin, keyword=keyword, maxCount=100)
    assert [item["plateNo"] for item in answer["data"]] == [plate]
    assert answer["totalCount"] == 1


@pytest.mark.parametrize("keyword", ["_", "-", "_%", "%_", "\\", '"', "'\"", "*", "NEAR(A B)", "AB OR 12"])
def test_odd_keywords_never_fail(admin, plates, keyword):
    answer = find(admin, keyword=keyword, maxCount=100)
    expected = [p for p in plates if plate_key(keyword) and plate_key(keyword) in plate_key(p.plate_no)]
    assert answer["totalCount"] == len(expected)
    assert ids(answer) == newest_first(expected)


def test_blank_keyword_is_no_filter(admin, plates):
    assert find(admin, keyword="")["totalCount"] == 60
    assert find(admin, keyword="  ")["totalCount"] == 60


def test_index_follows_deletes_and_updates(admin, runtime, plates):
    target = next(p for p in plates if p.plate_no == "99XY123")
    assert ids(find(admin, keyword="XY12")) == [target.id]
    with runtime.db.write() as s:
        row = s.get(PlateRead, target.id)
        row.plate_no, row.plate_key = "99QQ123", "99QQ123"
        s.add(row)
    assert ids(find(admin, keyword="XY12")) == []
    assert ids(find(admin, keyword="QQ12")) == [target.id]
    with runtime.db.write() as s:
        s.delete(s.get(PlateRead, target.id))
    assert ids(find(admin, keyword="QQ12")) == []
    with runtime.db.read() as s:
        assert len(s.exec(select(PlateRead.id)).all()) == 59


def test_rights(client, add_user, plates):
    assert client.get("/api/find?what=carNo").status_code == 401
    viewer = add_user("viewer", rights="Remote,Playback")
    r = client.get("/api/find", params={"what": "carNo", "auth": viewer})
    assert r.status_code == 403 and r.json()["code"] == 403
    lpr = add_user("lpr", rights="Remote,LPR")
    assert client.get("/api/find", params={"what": "carNo", "auth": lpr}).json()["totalCount"] == 60


@pytest.mark.parametrize("params", [
    {"maxCount": "1001"}, {"maxCount": "-1"}, {"maxCount": "ten"}, {"at": "-1"}, {"at": "1.5"},
    {"sort": "up"}, {"timeBegin": "yesterday"}, {"timeEnd": "2024-13-01T00:00:00"},
    {"timeBegin": "2024-03-10T00:00:00", "timeEnd": "2024-03-09T00:00:00"}, {"ch": "one"}, {"ch": "0"},
    {"keyword": "A" * 65}, {"export": "maybe"}, {"timeBegin": "2024-03-10T00:00:00+25:00"},
    {"at": "99999999999999999999999"}, {"timeBegin": "0001-01-01T00:00:00+23:59"},
    {"timeEnd": "9999-12-31T23:59:59.999-23:59"},
])
def test_bad_input_is_400_json_and_the_server_keeps_answering(admin, plates, params):
    r = admin.get("/api/find", params={"what": "carNo", **params})
    assert r.status_code == 400, r.text
    assert r.json()["code"] == 400 and r.json()["message"]
    assert find(admin)["totalCount"] == 60


def test_find_max_count_setting_is_the_limit(data_dir):
    write_settings(data_dir, find_max_count=20)
    runtime = make_runtime(data_dir)
    for i in range(30):
        add_plate(runtime.db, f"LIM{i:03d}", START + i, START + i)
    from starlette.testclient import TestClient

    from tests.conftest import ADMIN_AUTH

    with TestClient(runtime.app) as client:
        assert len(find(client, auth=ADMIN_AUTH)["data"]) == 20  # the default 50 is capped too
        assert len(find(client, auth=ADMIN_AUTH, maxCount=20)["data"]) == 20
        assert client.get("/api/find", params={"what": "carNo", "maxCount": 21, "auth": ADMIN_AUTH}).status_code == 400


@sqlite_only("drops the FTS5 table to check the LIKE scan alone, which is PostgreSQL's every search")
def test_without_the_trigram_index_keyword_search_scans_with_the_same_answers(data_dir, runtime, plates):
    """What an SQLite without FTS5 trigram (or PostgreSQL) does: the LIKE alone decides."""
    import sqlite3

    from starlette.testclient import TestClient

    from storage import plate_fts
    from tests.conftest import ADMIN_AUTH

    conn = sqlite3.connect(data_dir / "tsnvr.db")
    for name in plate_fts.TRIGGER_NAMES:
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute(f"DROP TABLE {plate_fts.FTS_TABLE}")
    conn.commit()
    conn.close()
    scanning = make_runtime(data_dir)
    assert not plate_fts.has_index(scanning.db)
    add_plate(scanning.db, "NEW12AB", START + 999 * STEP_MS, START + 999 * STEP_MS)
    with TestClient(scanning.app) as client:
        for keyword in ("12AB", "2ab3", "%", "X'OR", "AB"):
            answer = find(client, auth=ADMIN_AUTH, keyword=keyword, maxCount=100)
            expected = [p for p in plates if plate_key(keyword) in plate_key(p.plate_no)]
            if plate_key(keyword) in "NEW12AB":
                assert answer["data"][0]["plateNo"] == "NEW12AB"
                answer["data"].pop(0)
                answer["totalCount"] -= 1
            assert answer["totalCount"] == len(expected)
            assert ids(answer) == newest_first(expected)
