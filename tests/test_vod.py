"""GET /api/vod: live sources per channel and recorded files by time, by file id (next, prev) and
near a window (otherwise), from channel and segment rows this test inserts; rights and bad input."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from storage.clock import now_ms
from storage.events import ChannelEvent, ChannelStatusEvent
from storage.models import Channel, Segment
from tests.conftest import ADMIN_PASSWORD
from tests.rtsp_server import make_h264_clip
from web.core.timefmt import format_ms, parse
from web.video.vod_items import recorded_label

NY = ZoneInfo("America/New_York")
BASE = "http://testserver"


def ms(text: str) -> int:
    return parse(text, NY).ms


def vod(client, expect: int = 200, **params) -> list | dict:
    r = client.get("/api/vod", params=params)
    assert r.status_code == expect, r.text
    return r.json()


def ids(items: list[dict]) -> list[int]:
    return [item["fileId"] for item in items]


SIZES = {1: ((1920, 1080), "1080p"), 2: ((640, 480), "VGA")}


def hls(chid: int) -> dict:
    size, label = SIZES[chid]
    return {"protocol": "hls", "profile": "main", "src": f"{BASE}/live/ch{chid}main/index.m3u8",
            "type": "application/x-mpegurl", "label": label, "size": list(size)}


def live(chid: int, title: str, display: str, src: list | None = None) -> dict:
    item = {"chid": chid, "title": title, "display": display, "ptzSupported": False}
    if src is not None:
        item["src"] = src
    return item


def report_stream(runtime, chid: int) -> None:
    """What the recorder publishes once a channel's live stream is up."""
    runtime.live(ChannelStatusEvent(ChannelEvent.VIDEO_STREAM_READY, chid, size=SIZES[chid][0]))


@pytest.fixture
def channels(runtime):
    with runtime.db.write() as s:
        s.add(Channel(chid=2, name="Back yard", source="rtsp://127.0.0.1:9/ch2", created_ms=now_ms()))
        s.add(Channel(chid=1, name="192.168.0.111", source="rtsp://127.0.0.1:9/ch1", created_ms=now_ms()))
    for chid in (1, 2):
        report_stream(runtime, chid)


@pytest.fixture
def add_segment(runtime):
    def add(chid: int, begin: str | int, end: str | int, width: int = 1920, height: int = 1080,
            path: str | None = None) -> int:
        begin_ms = begin if isinstance(begin, int) else ms(begin)
        end_ms = end if isinstance(end, int) else ms(end)
        row = Segment(chid=chid, begin_ms=begin_ms, end_ms=end_ms, width=width, height=height,
                      path=path or f"rec/ch{chid}/2018/01/08/{begin_ms}.mp4")
        with runtime.db.write() as s:
            s.add(row)
            s.flush()
            return int(row.id)

    return add


@pytest.fixture
def evening(channels, add_segment) -> dict[str, int]:
    """Channel 1: A B C back to back, a gap, then D E; channel 2's F sits between A and B by id."""
    return {
        "A": add_segment(1, "2018-01-08T21:00:00", "2018-01-08T21:01:00"),
        "F": add_segment(2, "2018-01-08T21:00:30", "2018-01-08T21:01:30", 1280, 720),
        "B": add_segment(1, "2018-01-08T21:01:00", "2018-01-08T21:02:00"),
        "C": add_segment(1, "2018-01-08T21:02:00", "2018-01-08T21:02:30.500"),
        "D": add_segment(1, "2018-01-08T21:30:00", "2018-01-08T21:31:00", 640, 480),
        "E": add_segment(1, "2018-01-08T21:31:00", "2018-01-08T21:32:00", 0, 0),
    }


# --- live sources ---------------------------------------------------------------------------------

def test_live_list_one_item_per_channel_in_channel_order(admin, channels):
    expected = [live(1, "192.168.0.111", "CH1. 192.168.0.111", [hls(1)]),
                live(2, "Back yard", "CH2. Back yard", [hls(2)])]
    assert vod(admin) == expected
    assert vod(admin, when="now") == expected
    assert vod(admin, when="NOW", ch="2,1") == expected


def test_a_channel_without_a_reported_stream_has_no_source(admin, runtime):
    with runtime.db.write() as s:
        s.add(Channel(chid=3, name="", source="rtsp://127.0.0.1:9/ch3", created_ms=now_ms()))
    assert vod(admin) == [live(3, "", "CH3", [])]


def test_live_filters(admin, channels):
    assert vod(admin, ch="2") == [live(2, "Back yard", "CH2. Back yard", [hls(2)])]
    assert vod(admin, ch="9") == []
    assert vod(admin, protocol="hls", ch="1") == [live(1, "192.168.0.111", "CH1. 192.168.0.111", [hls(1)])]
    assert vod(admin, protocol="HLS", ch="1")[0]["src"] == [hls(1)]
    assert [item["src"] for item in vod(admin, protocol="rtmp")] == [[], []]
    assert [item["src"] for item in vod(admin, stream="sub")] == [[], []]
    assert [item["src"] for item in vod(admin, stream="main")] == [[hls(1)], [hls(2)]]
    names = [live(1, "192.168.0.111", "CH1. 192.168.0.111"), live(2, "Back yard", "CH2. Back yard")]
    assert admin.get("/api/vod?nameonly").json() == names
    assert vod(admin, nameonly="true") == names
    assert vod(admin, nameonly="false")[0]["src"] == [hls(1)]


def test_live_list_without_channels_is_empty(admin):
    assert vod(admin) == []


# --- recorded files by time -----------------------------------------------------------------------

def test_one_second_from_when_by_default_with_the_guides_item(admin, evening):
    got = vod(admin, ch="1", when="2018-01-08T21:02:10-05:00")
    assert got == [{
        "chid": 1,
        "title": "192%2E168%2E0%2E111",
        "fileId": evening["C"],
        "src": [{"src": f"{BASE}/storage/rec/ch1/2018/01/08/{ms('2018-01-08T21:02:00')}.mp4",
                 "type": "video/mp4", "label": "1080p FHD", "size": [1920, 1080],
                 "timeRange": ["2018-01-08T21:02:00.000-05:00", "2018-01-08T21:02:30.500-05:00"]}],
    }]
    # [when, when + 1 s): a file ending exactly at `when` is out, one beginning inside is in
    assert ids(vod(admin, ch="1", when="2018-01-08T21:01:00-05:00")) == [evening["B"]]
    assert ids(vod(admin, ch="1", when="2018-01-08T21:00:59.500-05:00")) == [evening["A"], evening["B"]]
    assert ids(vod(admin, ch="1", when="2018-01-08T20:59:59-05:00")) == []
    assert ids(vod(admin, ch="1", when="2018-01-08T20:59:59.001-05:00")) == [evening["A"]]
    assert ids(vod(admin, ch="2", when="2018-01-09T02:01:00Z")) == [evening["F"]]  # same instant in UTC
    assert ids(vod(admin, ch="1", when="2018-01-08T21:01:00")) == [evening["B"]]  # server-local time


def test_labels_and_sizes(admin, evening):
    d, e = vod(admin, ch="1", when="2018-01-08T21:30:59.500-05:00")
    assert (d["src"][0]["label"], d["src"][0]["size"]) == ("VGA", [640, 480])
    assert set(e["src"][0]) == {"src", "type", "timeRange"}  # resolution unknown
    f = vod(admin, ch="2", when="2018-01-08T21:01:00-05:00")[0]
    assert (f["title"], f["src"][0]["label"], f["src"][0]["size"]) == ("Back%20yard", "720p HD", [1280, 720])
    assert [recorded_label(w, h) for w, h in ((3840, 2160), (2560, 1440), (1920, 1080), (1280, 720),
                                              (720, 576), (640, 480), (640, 360), (320, 240), (320, 180))] == [
        "4K UHD", "1440p QHD", "1080p FHD", "720p HD", "576p SD", "VGA", "360p", "QVGA", "320x180"]


@pytest.mark.parametrize("duration, expected", [
    ("2m", "AB"), ("120", "AB"), ("120s", "AB"), ("120000ms", "AB"), ("121s", "ABC"), ("120001ms", "ABC"),
    ("29m", "ABC"), ("31m", "ABCD"), ("1h", "ABCDE"), ("1d", "ABCDE"), ("1w", "ABCDE"), ("1", "A"),
])
def test_duration_units(admin, evening, duration, expected):
    got = vod(admin, ch="1", when="2018-01-08T21:00:00-05:00", duration=duration)
    assert ids(got) == [evening[name] for name in expected]


def test_limit(admin, evening, add_segment):
    start = ms("2018-01-09T00:00:00")
    extra = [add_segment(1, start + i * 1000, start + (i + 1) * 1000) for i in range(60)]
    when = "2018-01-09T00:00:00-05:00"
    assert ids(vod(admin, ch="1", when=when, duration="1h")) == extra[:10]
    assert ids(vod(admin, ch="1", when=when, duration="1h", limit="3")) == extra[:3]
    assert ids(vod(admin, ch="1", when=when, duration="1h", limit="50")) == extra[:50]
    assert ids(vod(admin, ch="1", when="2018-01-08T21:00:00-05:00", duration="1h", limit="2")) == [
        evening["A"], evening["B"]]


def test_otherwise_near_before_and_after(admin, evening):
    gap = {"ch": "1", "when": "2018-01-08T21:10:00-05:00"}
    assert vod(admin, **gap) == []
    # nearBefore: the `limit` files before the window, oldest first, ending with the nearest one
    assert ids(vod(admin, **gap, otherwise="nearBefore")) == [evening["A"], evening["B"], evening["C"]]
    assert ids(vod(admin, **gap, otherwise="nearBefore", limit="2")) == [evening["B"], evening["C"]]
    # nearAfter: the `limit` files after the window, nearest first
    assert ids(vod(admin, **gap, otherwise="nearAfter")) == [evening["D"], evening["E"]]
    assert ids(vod(admin, **gap, otherwise="nearafter", limit="1")) == [evening["D"]]
    assert ids(vod(admin, ch="1", when="2018-01-08T21:03:00-05:00", duration="1620s", otherwise="nearAfter")) == [
        evening["D"], evening["E"]]
    # a window with files answers with them alone
    assert ids(vod(admin, ch="1", when="2018-01-08T21:30:30-05:00", otherwise="nearBefore")) == [evening["D"]]
    assert vod(admin, ch="1", when="2018-01-08T20:00:00-05:00", otherwise="nearBefore") == []
    assert vod(admin, ch="1", when="2018-01-08T22:00:00-05:00", otherwise="nearAfter") == []
    assert ids(vod(admin, ch="2", when="2018-01-08T22:00:00-05:00", otherwise="nearBefore")) == [evening["F"]]


def test_times_follow_the_servers_zone_and_daylight_saving(admin, channels, add_segment):
    summer = add_segment(1, ms("2018-07-04T12:00:00.125Z"), ms("2018-07-04T12:01:00Z"))
    item = vod(admin, ch="1", when="2018-07-04T12:00:30Z")[0]
    assert item["fileId"] == summer
    assert item["src"][0]["timeRange"] == ["2018-07-04T08:00:00.125-04:00", "2018-07-04T08:01:00.000-04:00"]


def test_files_of_a_deleted_channel_keep_coming(admin, add_segment):
    orphan = add_segment(7, "2018-01-08T10:00:00", "2018-01-08T10:01:00")
    item = vod(admin, ch="7", when="2018-01-08T10:00:00-05:00")[0]
    assert (item["chid"], item["title"], item["fileId"]) == (7, "", orphan)


def test_today_and_yesterday_are_local_midnight(admin, channels, add_segment):
    today = datetime.now(NY).date()
    midnights = [int(datetime(d.year, d.month, d.day, tzinfo=NY).timestamp() * 1000)
                 for d in (today, today - timedelta(days=1))]
    first, second = (add_segment(1, m - 10_000, m + 50_000) for m in midnights)
    assert ids(vod(admin, ch="1", when="today", nolive="")) == [first]
    assert ids(vod(admin, ch="1", when="Yesterday", nolive="")) == [second]


# --- recorded files by id -------------------------------------------------------------------------

def test_by_file_id_with_the_files_after_it(admin, evening):
    a, b, c, d, e, f = (evening[k] for k in "ABCDEF")
    assert ids(vod(admin, id=str(a))) == [a, b, c, d, e]  # channel 2's F is not in the run
    assert ids(vod(admin, id=str(a), limit="2")) == [a, b]
    assert ids(vod(admin, id=str(f))) == [f]
    assert ids(vod(admin, id=str(c), ch="1")) == [c, d, e]
    assert vod(admin, id=str(f), ch="1") == []  # not a file of channel 1
    assert vod(admin, id="999") == []
    item = vod(admin, id=str(d))[0]
    assert item["src"][0]["timeRange"] == ["2018-01-08T21:30:00.000-05:00", "2018-01-08T21:31:00.000-05:00"]


def test_next_and_prev(admin, evening):
    a, b, c, d, e, f = (evening[k] for k in "ABCDEF")
    assert ids(admin.get(f"/api/vod?ch=1&id={b}&next").json()) == [c, d, e]
    assert ids(vod(admin, ch="1", id=str(b), next="true")) == [c, d, e]
    assert ids(vod(admin, ch="1", id=str(b), next="true", limit="1")) == [c]
    assert vod(admin, ch="1", id=str(e), next="") == []
    assert ids(vod(admin, id=str(f), next="")) == []  # without ch: the file's own channel
    # prev: nearest first
    assert ids(admin.get(f"/api/vod?ch=1&id={d}&prev").json()) == [c, b, a]
    assert ids(vod(admin, ch="1", id=str(d), prev="true", limit="1")) == [c]
    assert vod(admin, ch="1", id=str(a), prev="") == []
    assert ids(vod(admin, ch="1", id=str(d), next="false")) == [d, e]
    assert vod(admin, ch="2", id=str(d), next="") == []


def test_files_with_the_same_begin_follow_by_id(admin, channels, add_segment):
    first = add_segment(1, "2018-03-01T10:00:00", "2018-03-01T10:01:00")
    second = add_segment(1, "2018-03-01T10:00:00", "2018-03-01T10:00:30")
    assert ids(vod(admin, id=str(first), next="")) == [second]
    assert ids(vod(admin, id=str(second), prev="")) == [first]


# --- live video near now --------------------------------------------------------------------------

def test_a_when_within_a_minute_of_now_adds_the_live_item(admin, channels, add_segment):
    now = now_ms()
    recent = add_segment(1, now - 90_000, now - 20_000)
    when = format_ms(now - 30_000, NY)
    live_item = live(1, "192.168.0.111", "CH1. 192.168.0.111", [hls(1)])
    got = vod(admin, ch="1", when=when)
    assert ids(got[:1]) == [recent] and got[1:] == [live_item]
    assert ids(vod(admin, ch="1", when=when, nolive="")) == [recent]
    assert ids(vod(admin, ch="1", when=when, nolive="true")) == [recent]
    assert vod(admin, ch="1", when=when, nolive="false")[1:] == [live_item]
    assert vod(admin, ch="1", when=format_ms(now + 20_000, NY)) == [live_item]
    assert vod(admin, ch="1", when=when, protocol="rtmp")[1:] == [{**live_item, "src": []}]
    assert ids(vod(admin, ch="1", when=format_ms(now - 80_000, NY))) == [recent]  # more than a minute ago
    assert vod(admin, ch="5", when=when) == []  # no such channel: no live item either


# --- the files themselves -------------------------------------------------------------------------

def test_the_src_address_serves_the_file(client, channels, add_segment, data_dir: Path, add_user):
    begin = ms("2018-01-08T21:00:00")
    relative = f"rec/ch1/2018/01/09/{begin}.mp4"
    make_h264_clip(data_dir / relative, width=320, height=180, seconds=1.0)
    add_segment(1, begin, begin + 1000, 320, 180, path=relative)
    viewer = ("viewer", "pw-viewer-1")
    add_user(viewer[0], rights="Playback,Remote", password=viewer[1])
    r = client.get("/api/vod", params={"ch": "1", "when": "2018-01-08T21:00:00.500-05:00"}, auth=viewer)
    assert r.status_code == 200, r.text
    source = r.json()[0]["src"][0]
    assert source["src"] == f"{BASE}/storage/{relative}"
    assert (source["label"], source["size"]) == ("320x180", [320, 180])
    assert client.get(source["src"]).status_code == 401
    got = client.get(source["src"], auth=viewer)
    assert got.status_code == 200
    assert got.headers["content-type"] == "video/mp4"
    assert got.content == (data_dir / relative).read_bytes()
    assert client.get(source["src"], auth=("admin", ADMIN_PASSWORD)).content == got.content


# --- rights and bad input -------------------------------------------------------------------------

RECORDED = {"ch": "1", "when": "2018-01-08T21:00:00-05:00"}


def test_rights(client, evening, add_user):
    assert vod(client, 401)["code"] == 401
    assert vod(client, 401, **RECORDED)["code"] == 401
    assert vod(client, 401, id=str(evening["A"]))["code"] == 401
    remote = add_user("remote", rights="Remote")
    assert len(vod(client, auth=remote)) == 2
    assert vod(client, 403, auth=remote, **RECORDED)["message"] == "user 'remote' lacks the Playback right"
    assert vod(client, 403, auth=remote, id=str(evening["A"]))["code"] == 403
    viewer = add_user("viewer", rights="Playback,Remote")
    assert ids(vod(client, auth=viewer, **RECORDED)) == [evening["A"]]
    assert ids(vod(client, auth=viewer, id=str(evening["E"]))) == [evening["E"]]
    no_remote = add_user("noremote", rights="Playback,LPR")
    assert vod(client, 403, auth=no_remote)["code"] == 403
    assert vod(client, 403, auth=no_remote, **RECORDED)["code"] == 403


@pytest.mark.parametrize("params", [
    {"when": "2018-01-08T21:00:00-05:00"},  # recorded video needs ch
    {**RECORDED, "ch": "1,2"},
    {**RECORDED, "ch": "one"},
    {**RECORDED, "ch": "0"},
    {"ch": "1", "when": "yesterday noon"},
    {"ch": "1", "when": "2018-13-01T00:00:00"},
    {"ch": "1", "when": "1800-01-01T00:00:00Z"},
    {**RECORDED, "duration": "1h30m"},
    {**RECORDED, "duration": "1.5h"},
    {**RECORDED, "duration": "-5"},
    {**RECORDED, "duration": "0"},
    {**RECORDED, "duration": "0ms"},
    {**RECORDED, "duration": "5x"},
    {**RECORDED, "duration": "h"},
    {**RECORDED, "duration": "99999999999999999999w"},
    {**RECORDED, "limit": "0"},
    {**RECORDED, "limit": "51"},
    {**RECORDED, "limit": "ten"},
    {**RECORDED, "otherwise": "near"},
    {**RECORDED, "nolive": "maybe"},
    {**RECORDED, "next": ""},  # next and prev need id
    {"ch": "1", "prev": "true"},
    {"id": "abc"},
    {"id": "0"},
    {"id": "-3"},
    {"id": "1", "next": "", "prev": ""},
    {"id": "1", "next": "maybe"},
    {"id": "1", "limit": "51"},
    {"ch": "x"},
    {"ch": "1", "nameonly": "maybe"},
    {"indent": "9"},
])
def test_bad_input_is_400(admin, evening, params):
    body = vod(admin, 400, **params)
    assert set(body) == {"code", "message"} and body["code"] == 400


def test_indent(admin, evening):
    text = admin.get("/api/vod", params={**RECORDED, "indent": "2"}).text
    assert text.startswith('[\n  {\n    "chid": 1,')
