"""/wsapi/subscribeEvents: real WebSocket clients against the real app, messages checked field by field."""

from __future__ import annotations

import base64
import json
import re
import secrets
import socket
import struct
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

import httpx
import pytest
import sqlalchemy
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from storage.channel_store import rename_channel
from storage.clock import now_ms
from storage.events import (
    ChannelEvent,
    ChannelMotion,
    ChannelRecording,
    ChannelStatusEvent,
    LprEvent,
    MotionChangesEvent,
    ObjectEvent,
    RecordingStatusEvent,
    SystemEvent,
)
from storage.models import Channel, EventLogEntry
from tests.conftest import ADMIN_AUTH, ADMIN_PASSWORD, LiveServer, make_runtime, served, write_settings
from tests.raw_ws import open_subscriber, read_frame
from tsnvr.cli import main as tsnvr_main
from web.core.channel_view import DEFAULT_CAPS
from web.core.timefmt import format_ms
from web.events.render import EventRenderer, View

NY = ZoneInfo("America/New_York")
GATE_IN, B2_GATE, PHONE = "F00001", "F00013", "0000002"
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}-0[45]:00$")


def when(text: str) -> str:
    """A watch-page `when=` value as the server encodes it."""
    return "".join(c if c.isalnum() else f"%{ord(c):02X}" for c in text)


@pytest.fixture
def runtime(data_dir):
    write_settings(
        data_dir,
        lpr_device=[{"id": 1, "code": GATE_IN, "name": "B1 entrance", "linked_channels": [1, 2],
                     "parking_entrance": 12},
                    {"id": 2, "code": B2_GATE, "parking_entrance": 13}],
        emergency_call=[{"id": 1, "code": PHONE, "name": "B1 Stairs", "linked_channels": [1, 2]}],
        parking_lot=[{"id": 11, "name": "Total", "type": "group", "members": [12, 13]},
                     {"id": 12, "name": "B1 Parking Lot", "max_count": 21},
                     {"id": 13, "name": "B2 Parking Lot", "max_count": 10}],
    )
    return make_runtime(data_dir)


@pytest.fixture
def client(runtime) -> Iterator[TestClient]:
    with TestClient(runtime.app) as c:
        # Rows written after start: the recorder has not been told of them, so they stay
        # "not reported" (-2) until the tests publish statuses themselves.
        with runtime.db.write() as s:
            for chid, name in ((1, "Front door"), (2, ""), (5, "Yard")):
                s.add(Channel(chid=chid, name=name, source=f"rtsp://127.0.0.1:9/ch{chid}", created_ms=0))
        yield c


def ws_url(topics: str | None, auth: str | None = ADMIN_AUTH, path: str = "/wsapi/subscribeEvents",
           **params: str) -> str:
    query = {k: v for k, v in (("topics", topics), ("auth", auth)) if v is not None} | params
    return f"{path}?{urlencode(query)}"


@contextmanager
def subscribed(client: TestClient, topics: str, **kwargs: Any) -> Iterator[Any]:
    with client.websocket_connect(ws_url(topics, **kwargs)) as ws:
        hello = ws.receive_json()
        assert list(hello) == ["subscriberId", "topics"]
        assert uuid.UUID(hello["subscriberId"]).version == 4
        assert hello["topics"] == topics.split(",")
        yield ws


def refusal(client: TestClient, url: str) -> tuple[int, str]:
    with client.websocket_connect(url) as ws, pytest.raises(WebSocketDisconnect) as closed:
        ws.receive_json()  # the close is the first and only thing the server sends
    return closed.value.code, closed.value.reason


def push(client: TestClient, body: Any) -> None:
    r = client.post(f"/api/push?auth={ADMIN_AUTH}", json=body)
    assert r.status_code == 200 and r.content == b"", r.text


def plate() -> str:
    return "P" + secrets.token_hex(3).upper()


# -- LPR -----------------------------------------------------------------------------------------

def test_a_pushed_plate_reaches_lpr_subscribers_as_the_guide_writes_it(client):
    number = plate()
    with subscribed(client, "LPR") as ws, subscribed(client, "LPR", path="/api/subscribeEvents") as ws2:
        push(client, {"topic": "LPR", "src": GATE_IN, "plateNo": number, "when": "2018-01-27T10:42:06.575-05:00",
              "timeBegin": "2018-01-27T10:42:02.573-05:00"})
        expected = {
            "timestamp": "2018-01-27T10:42:06.575-05:00",
            "deviceCode": GATE_IN,
            "deviceName": "B1 entrance",
            "linkedChannel": [
                {"chid": 1, "title": "Front door", "displayName": "CH1. Front door",
                 "src": "http://testserver/watch?ch=1&when=2018%2D01%2D27T10%3A42%3A06%2E575%2D05%3A00"},
                {"chid": 2, "title": "", "displayName": "CH2",
                 "src": "http://testserver/watch?ch=2&when=2018%2D01%2D27T10%3A42%3A06%2E575%2D05%3A00"},
            ],
            "plateNo": number,
            "timeBegin": "2018-01-27T10:42:02.573-05:00",
            "topic": "LPR",
            "parkingLot": {"entrance": 12},
            "direction": "entry",
        }
        got = ws.receive_json()
        assert got == expected and list(got) == list(expected)  # the guide's key order too
        assert ws2.receive_json() == expected


def test_a_recognised_plate_carries_its_channel_image_score_and_roi(client, runtime):
    number = plate()
    ts, begin = 1530114126575, 1530114122573
    with subscribed(client, "LPR") as ws:
        runtime.bus.publish(LprEvent(
            ts_ms=ts, begin_ms=begin, plate_no=number, plate_id=7, device_code="1-1-7",
            device_name="B1 Parking Lot", chid=1, linked=(5,), score=98.0, roi=(964, 560, 187, 51),
            image="images/2018/06/27/39612.plate.jpg", parking_entrance=1, parking_exit=2,
            direction=None,
        ))
        stamp = "2018-06-27T11:42:06.575-04:00"  # summer: EDT
        assert ws.receive_json() == {
            "timestamp": stamp,
            "chid": {"chid": 1, "title": "Front door", "displayName": "CH1. Front door",
                     "src": f"http://testserver/watch?ch=1&when={when(stamp)}"},
            "deviceCode": "1-1-7",
            "deviceName": "B1 Parking Lot",
            "linkedChannel": [{"chid": 5, "title": "Yard", "displayName": "CH5. Yard",
                               "src": f"http://testserver/watch?ch=5&when={when(stamp)}"}],
            "image": "http://testserver/storage/images/2018/06/27/39612.plate.jpg",
            "plateNo": number,
            "score": 98,
            "roi": {"offset": [964, 560], "size": [187, 51]},
            "timeBegin": "2018-06-27T11:42:02.573-04:00",
            "topic": "LPR",
            "parkingLot": {"entrance": 1, "exit": 2},
        }


@contextmanager
def sql_statements(runtime) -> Iterator[list[str]]:
    """Every SQL statement either of the runtime's engines runs inside the block, from any thread."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    engines = {runtime.db.engine, runtime.db.write_engine}  # one engine on PostgreSQL
    for engine in engines:
        sqlalchemy.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        for engine in engines:
            sqlalchemy.event.remove(engine, "before_cursor_execute", record)


def test_fifty_subscribers_get_an_lpr_event_without_a_database_query(client, runtime, monkeypatch):
    monkeypatch.setattr(runtime.channel_names, "poll", lambda: [])  # the rename watch's own reads every 2 s
    monkeypatch.setattr(runtime.event_backups, "run_due", lambda now: 0)  # the backups' look every second
    stamp = "2018-06-27T11:42:06.575-04:00"
    with ExitStack() as stack:
        sockets = [stack.enter_context(subscribed(client, "LPR")) for _ in range(50)]
        with sql_statements(runtime) as statements:
            runtime.bus.publish(LprEvent(ts_ms=1530114126575, plate_no="FIFTY1", device_code="gate",
                                         device_name="Gate", chid=1, linked=(1, 2, 5)))
            messages = [ws.receive_json() for ws in sockets]
    assert statements == []
    for message in messages:
        assert message["chid"] == {"chid": 1, "title": "Front door", "displayName": "CH1. Front door",
                                   "src": f"http://testserver/watch?ch=1&when={when(stamp)}"}
        assert [(c["chid"], c["title"]) for c in message["linkedChannel"]] == [(1, "Front door"), (2, ""),
                                                                               (5, "Yard")]


def test_a_renamed_channel_has_its_new_title_in_the_next_lpr_event(client, runtime):
    runtime.channel_names.poll()  # the watch knows the rows the fixture wrote
    plate_at_gate = LprEvent(ts_ms=1530114126575, plate_no="REN1", device_code="gate", device_name="Gate",
                             chid=1)
    with subscribed(client, "channelStatus,LPR") as ws:
        assert ws.receive_json()["event"] == "currentStatus"
        runtime.bus.publish(plate_at_gate)
        assert ws.receive_json()["chid"]["title"] == "Front door"
        assert rename_channel(runtime.db, 1, "Gate")  # as `tsnvr channel rename` does
        runtime.channel_names.poll()  # as the server does every few seconds
        renamed = ws.receive_json()
        assert (renamed["event"], renamed["name"]) == ("nameChanged", "Gate")
        runtime.bus.publish(plate_at_gate)
        assert ws.receive_json()["chid"] == {
            "chid": 1, "title": "Gate", "displayName": "CH1. Gate",
            "src": "http://testserver/watch?ch=1&when=2018%2D06%2D27T11%3A42%3A06%2E575%2D04%3A00"}


# -- emergencyCall -------------------------------------------------------------------------------

def test_emergency_call_start_and_end(client):
    with subscribed(client, "emergencyCall") as plain, \
            subscribed(client, "emergencyCall", verbose="true") as verbose:
        push(client, [{"topic": "emergencyCall", "device": "Sammul/Vizufon", "src": PHONE, "event": "callStart",
               "when": "2018-01-27T10:56:16.316-05:00"},
              {"topic": "emergencyCall", "device": "Sammul/Vizufon", "src": PHONE, "event": "callEnd",
               "camera": "5", "when": "2018-01-27T10:59:26.322-05:00"}])
        linked = [{"chid": 1, "title": "Front door", "displayName": "CH1. Front door",
                   "src": "http://testserver/watch?ch=1"},
                  {"chid": 2, "title": "", "displayName": "CH2", "src": "http://testserver/watch?ch=2"}]
        start = {"timestamp": "2018-01-27T10:56:16.316-05:00", "caller": PHONE, "device": "Sammul/Vizufon",
                 "event": "callStart", "linkedChannel": linked, "name": "B1 Stairs", "topic": "emergencyCall"}
        got = plain.receive_json()
        assert got == start and list(got) == list(start)
        assert plain.receive_json() == {
            **start, "timestamp": "2018-01-27T10:59:26.322-05:00", "event": "callEnd",
            "linkedChannel": [{"chid": 5, "title": "Yard", "displayName": "CH5. Yard",
                               "src": "http://testserver/watch?ch=5"}]}
        # verbose adds each linked channel's live streams (none until the recorder publishes some)
        assert verbose.receive_json() == {**start, "linkedChannel": [{**c, "streams": []} for c in linked]}
        assert verbose.receive_json()["event"] == "callEnd"


# -- parkingCount --------------------------------------------------------------------------------

def test_parking_count_starts_with_the_lots_then_follows_the_gate(client):
    total = {"id": 11, "name": "Total", "type": "group", "count": 0, "maxCount": 31, "member": [12, 13]}
    b1 = {"id": 12, "name": "B1 Parking Lot", "type": "counter", "count": 0, "maxCount": 21}
    b2 = {"id": 13, "name": "B2 Parking Lot", "type": "counter", "count": 0, "maxCount": 10}
    with subscribed(client, "parkingCount") as every, subscribed(client, "parkingCount", ch="13") as only_b2:
        first = every.receive_json()
        assert TIMESTAMP.match(first.pop("timestamp"))
        assert first == {"topic": "parkingCount", "updated": [total, b1, b2]}
        assert only_b2.receive_json()["updated"] == [b2]
        for number in (plate(), plate()):
            push(client, {"topic": "LPR", "src": GATE_IN, "plateNo": number, "when": "2019-02-18T23:11:12.119-05:00"})
        for count in (1, 2):
            assert every.receive_json() == {
                "timestamp": "2019-02-18T23:11:12.119-05:00", "topic": "parkingCount",
                "updated": [{**total, "count": count}, {**b1, "count": count}]}
        # the ch=13 subscriber heard nothing of lot 12: its next message is lot 13's first change
        push(client, {"topic": "LPR", "src": B2_GATE, "plateNo": plate(), "when": "2019-02-18T23:12:00-05:00"})
        b2_update = {"timestamp": "2019-02-18T23:12:00.000-05:00", "topic": "parkingCount"}
        assert only_b2.receive_json() == {**b2_update, "updated": [{**b2, "count": 1}]}
        assert every.receive_json() == {**b2_update, "updated": [{**total, "count": 3}, {**b2, "count": 1}]}


# -- channelStatus, recordingStatus, motionChanges -----------------------------------------------

def test_channel_status_current_then_changes(client, runtime):
    runtime.bus.publish(ChannelStatusEvent(ChannelEvent.STATUS_CHANGED, 1, status=200))
    with subscribed(client, "channelStatus", ch="1,2", verbose="true") as ws, \
            subscribed(client, "channelStatus") as terse:
        current = ws.receive_json()
        assert TIMESTAMP.match(current.pop("timestamp"))
        assert current == {"topic": "channelStatus", "event": "currentStatus", "channel": [
            {"chid": 1, "title": "Front door", "displayName": "CH1. Front door",
             "status": {"code": 200, "message": "Connected"}, "caps": DEFAULT_CAPS, "src": []},
            {"chid": 2, "title": "", "displayName": "CH2", "status": {"code": -2, "message": "Loading"},
             "caps": DEFAULT_CAPS, "src": []},
        ]}
        assert [c["chid"] for c in terse.receive_json()["channel"]] == [1, 2, 5]
        ts = 1532117145956
        stamp = "2018-07-20T16:05:45.956-04:00"
        events = [
            ChannelStatusEvent(ChannelEvent.STATUS_CHANGED, 5, ts, status=200),  # not in ch=1,2
            ChannelStatusEvent(ChannelEvent.STATUS_CHANGED, 2, ts, status=404),
            ChannelStatusEvent(ChannelEvent.NAME_CHANGED, 1, ts, name="Gate"),
            ChannelStatusEvent(ChannelEvent.VIDEO_SRC_MODIFIED, 1, ts),
            ChannelStatusEvent(ChannelEvent.VIDEO_STREAM_READY, 1, ts, status=2),
            ChannelStatusEvent(ChannelEvent.CHANNEL_ADDED, 2, ts),
            ChannelStatusEvent(ChannelEvent.CHANNEL_REMOVED, 2, ts),
            ChannelStatusEvent(ChannelEvent.CHANNEL_SWAPPED, 1, ts, swapped_with=5),
        ]
        for event in events:
            runtime.bus.publish(event)
        head = {"timestamp": stamp, "topic": "channelStatus"}
        assert [ws.receive_json() for _ in events[1:]] == [
            {**head, "event": "statusChanged", "chid": 2, "status": {"code": 404, "message": "No network connection"}},
            {**head, "event": "nameChanged", "chid": 1, "name": "Gate", "displayName": "CH1. Gate"},
            {**head, "event": "videoSrcModified", "chid": 1},
            {**head, "event": "videoStreamReady", "chid": 1, "status": {"code": 2, "message": "Video available"},
             "src": []},
            {**head, "event": "channelAdded", "chid": 2},
            {**head, "event": "channelRemoved", "chid": 2},
            {**head, "event": "channelSwapped", "chid": [1, 5]},
        ]
        assert terse.receive_json() == {**head, "event": "statusChanged", "chid": 5, "status": {"code": 200}}
        runtime.bus.publish(ChannelStatusEvent(ChannelEvent.STATUS_CHANGED, 1, status=410))
        live = ws.receive_json()
        assert TIMESTAMP.match(live.pop("timestamp"))
        assert live == {"topic": "channelStatus", "event": "statusChanged", "chid": 1,
                        "status": {"code": 410, "message": "No video input"}}


def test_recording_status_current_then_changes(client, runtime):
    runtime.bus.publish(RecordingStatusEvent((ChannelRecording(1, streaming=True, recording=True),)))
    with subscribed(client, "recordingStatus", ch="1,5") as ws:
        current = ws.receive_json()
        assert TIMESTAMP.match(current.pop("timestamp"))
        assert current == {"topic": "recordingStatus", "event": "currentStatus", "channel": [
            {"chid": 1, "streaming": True, "recording": True},
            {"chid": 5, "streaming": False, "recording": False}]}
        failed_at = 1585145229646
        runtime.bus.publish(RecordingStatusEvent(ts_ms=1585145310003, channel=(
            ChannelRecording(2, streaming=True, recording=True),  # not asked for
            ChannelRecording(5, streaming=True, recording=False, failure_ms=failed_at))))
        assert ws.receive_json() == {
            "timestamp": "2020-03-25T10:08:30.003-04:00", "topic": "recordingStatus", "event": "statusChanged",
            "channel": [{"chid": 5, "streaming": True, "recording": False,
                         "timestampRecordingFailure": "2020-03-25T10:07:09.646-04:00"}]}


def test_motion_changes_current_then_updates(client, runtime):
    runtime.bus.publish(MotionChangesEvent((ChannelMotion(1, True),)))
    with subscribed(client, "motionChanges", ch="1,2") as ws:
        assert ws.receive_json() == {"topic": "motionChanges", "updated": [{"chid": 1, "motion": True},
                                                                           {"chid": 2, "motion": False}]}
        runtime.bus.publish(MotionChangesEvent((ChannelMotion(5, True),)))  # filtered out entirely
        runtime.bus.publish(MotionChangesEvent((ChannelMotion(1, False), ChannelMotion(5, True))))
        assert ws.receive_json() == {"topic": "motionChanges", "updated": [{"chid": 1, "motion": False}]}


# -- object, systemEvent -------------------------------------------------------------------------

def test_object_events_follow_the_object_type_filter(client, runtime, add_user):
    face = ObjectEvent(ts_ms=1590429362558, chid=1, obj_id=132, parent_id=130, kind="face",
                       likelihood=71.1, attributes={"gender": "female", "age": "adult", "hat": True},
                       image="images/object/7673854.jpg")
    human = ObjectEvent(ts_ms=1590429378461, chid=1, obj_id=142, parent_id=None, kind="human",
                        likelihood=74.8, attributes={"bag": True}, image=None)
    vehicle = ObjectEvent(ts_ms=1590431038768, chid=5, obj_id=182, kind="vehicle", likelihood=99.6,
                          attributes={"vehicleType": "car", "colors": ["white"]})
    with subscribed(client, "object", objectType="face,vehicle") as ws:
        for event in (face, human, vehicle):
            runtime.bus.publish(event)
        assert ws.receive_json() == {
            "timestamp": "2020-05-25T13:56:02.558-04:00", "chid": 1, "objId": 132, "parentId": 130, "type": "face",
            "likelihood": 71.1, "attributes": {"gender": "female", "age": "adult", "hat": True},
            "image": "http://testserver/storage/images/object/7673854.jpg", "topic": "object"}
        assert ws.receive_json() == {
            "timestamp": "2020-05-25T14:23:58.768-04:00", "chid": 5, "objId": 182, "type": "vehicle",
            "likelihood": 99.6, "attributes": {"vehicleType": "car", "colors": ["white"]}, "topic": "object"}
    viewer = add_user("viewer", rights="Remote,LPR")  # object needs Playback
    code, reason = refusal(client, ws_url("object", auth=viewer))
    assert code == 1008 and "Playback" in reason


def test_a_settings_change_is_a_system_event(client, runtime, data_dir):
    with subscribed(client, "systemEvent", lang="en") as ws:
        assert tsnvr_main(["--data", str(data_dir), "device", "lpr", "add", "--code", "CLI1"]) == 0
        assert runtime.reload_settings() == ["lpr_device"]
        message = ws.receive_json()
        with runtime.db.read() as s:
            entry = s.get(EventLogEntry, message["id"])
        assert (entry.type, entry.code) == (0, 10)
        assert message == {
            "topic": "systemEvent", "id": entry.id, "type": 0, "typeName": "System log", "code": 10,
            "codeName": "Settings changed", "timeRange": [format_ms(entry.ts_ms, NY)],
            "param": {"keys": ["lpr_device"]}, "comment": "Changed: lpr_device"}


# -- who may subscribe to what -------------------------------------------------------------------

def test_refusals_close_with_1008_and_a_reason(client, add_user):
    wrong = base64.b64encode(b"admin:wrong").decode()
    no_lpr = add_user("nolpr", rights="Remote,Playback")
    cases = [
        (ws_url("LPR", auth=None), "authentication required"),
        (ws_url("LPR", auth="!!!"), "base64"),
        (ws_url("LPR,bogus"), "unsupported topic 'bogus'"),
        (ws_url(""), "topics is required"),
        (ws_url(None), "topics is required"),
        (ws_url("channelStatus", ch="1,x"), "ch must be numbers"),
        (ws_url("object", objectType="face,bodyTemperature"), "objectType"),
        (ws_url("channelStatus,LPR", auth=no_lpr), "lacks the LPR right"),
        # last: a wrong password makes admin's next sign-in from this address wait (sign-in throttling)
        (ws_url("LPR", auth=wrong), "wrong user id or password"),
    ]
    for url, reason in cases:
        code, got = refusal(client, url)
        assert code == 1008 and reason in got, (url, got)
    no_remote = add_user("local", rights="LPR")
    assert refusal(client, ws_url("LPR", auth=no_remote))[0] == 1008


def test_session_cookie_and_session_parameter(client):
    token = client.get(f"/api/auth?login={ADMIN_AUTH}").cookies["tsnvr_session"]
    with subscribed(client, "LPR", auth=None):  # the cookie
        pass
    client.cookies.clear()
    assert refusal(client, ws_url("LPR", auth=None))[0] == 1008
    with subscribed(client, "LPR,emergencyCall", auth=None, session=token):
        pass


def test_topics_are_answered_in_their_canonical_spelling(client):
    with client.websocket_connect(ws_url("lpr,EMERGENCYCALL,LPR,packing")) as ws:
        assert ws.receive_json()["topics"] == ["LPR", "emergencyCall", "packing"]


# -- the guide's ex3 page, and bodyTemperature ---------------------------------------------------

# ex3's checkboxes in the page's order, all ticked; the vendor's own event page also asks for
# bodyTemperature (guide @0.9.14), which nothing here produces.
EX3_TOPICS = ["channelStatus", "LPR", "emergencyCall", "systemEvent", "motionChanges", "parkingCount", "packing",
              "recordingStatus", "object", "bodyTemperature"]


def test_the_ex3_page_subscribed_to_every_topic_verbose_gets_its_id_then_events(client):
    auth = base64.b64encode(f"admin:{ADMIN_PASSWORD}".encode()).decode()  # window.btoa, not URL-encoded
    url = f"/api/subscribeEvents?topics={','.join(EX3_TOPICS)}&auth={auth}&verbose=true"  # as getURL() makes it
    with client.websocket_connect(url) as ws:
        hello = ws.receive_json()
        assert list(hello) == ["subscriberId", "topics"] and uuid.UUID(hello["subscriberId"]).version == 4
        assert hello["topics"] == EX3_TOPICS
        states = [ws.receive_json() for _ in range(4)]  # the stateful topics, in the order asked
        assert [(m["topic"], m.get("event")) for m in states] == [
            ("channelStatus", "currentStatus"), ("motionChanges", None), ("parkingCount", None),
            ("recordingStatus", "currentStatus")]
        assert [(c["chid"], c["status"]) for c in states[0]["channel"]] == [
            (chid, {"code": -2, "message": "Loading"}) for chid in (1, 2, 5)]  # verbose: with messages
        number = plate()
        push(client, {"topic": "LPR", "src": GATE_IN, "plateNo": number, "when": "2018-01-27T10:42:06.575-05:00"})
        stamp = "2018-01-27T10:42:06.575-05:00"
        assert ws.receive_json() == {
            "timestamp": stamp, "deviceCode": GATE_IN, "deviceName": "B1 entrance",
            "linkedChannel": [
                {"chid": 1, "title": "Front door", "displayName": "CH1. Front door",
                 "src": f"http://testserver/watch?ch=1&when={when(stamp)}"},
                {"chid": 2, "title": "", "displayName": "CH2", "src": f"http://testserver/watch?ch=2&when={when(stamp)}"},
            ],
            "plateNo": number, "timeBegin": stamp, "topic": "LPR", "parkingLot": {"entrance": 12},
            "direction": "entry"}
        assert ws.receive_json()["topic"] == "parkingCount"
        push(client, {"topic": "emergencyCall", "src": PHONE, "event": "callStart", "camera": "5",
                      "when": "2018-01-27T10:56:16.316-05:00"})
        call = ws.receive_json()
        assert (call["topic"], call["event"], call["linkedChannel"][0]["streams"]) == ("emergencyCall", "callStart", [])


def test_body_temperature_and_packing_are_accepted_and_send_nothing(client, runtime):
    with subscribed(client, "bodyTemperature,packing,systemEvent") as ws:
        push(client, {"topic": "LPR", "src": GATE_IN, "plateNo": plate()})
        runtime.eventlog.record(0, 10, {"keys": ["site_name"]}, comment="Changed: site_name")
        message = ws.receive_json()  # the first message after the id: nothing came before it
        assert (message["topic"], message["comment"]) == ("systemEvent", "Changed: site_name")


def test_an_event_is_rendered_once_per_distinct_view_not_per_subscriber(client, runtime, monkeypatch):
    views: list[View] = []
    render = EventRenderer.render

    def counted(self: EventRenderer, event: Any) -> Any:
        views.append(self.view)
        return render(self, event)

    monkeypatch.setattr(EventRenderer, "render", counted)
    with ExitStack() as stack:
        alike = [stack.enter_context(subscribed(client, "LPR")) for _ in range(20)]
        # another topic set with the same view shares the rendering; each other view has its own
        wider = [stack.enter_context(subscribed(client, "LPR,emergencyCall")) for _ in range(5)]
        others = [stack.enter_context(subscribed(client, "LPR", **view)) for view in
                  ({"verbose": "true"}, {"lang": "es-ES"}, {"ch": "1"})]
        runtime.bus.publish(LprEvent(ts_ms=1530114126575, plate_no="ONCE1", device_code="gate",
                                     device_name="Gate", chid=1))
        texts = [ws.receive_text() for ws in alike + wider + others]
    assert len(views) == 4 and len(set(views)) == 4
    assert len(set(texts[:25])) == 1 and json.loads(texts[0])["plateNo"] == "ONCE1"
    assert all(json.loads(t) == json.loads(texts[0]) for t in texts[25:])  # these views differ in no LPR field


# -- real sockets --------------------------------------------------------------------------------

def open_raw_subscriber(port: int, topics: str) -> socket.socket:
    """A WebSocket client that reads the handshake and its greeting, and then nothing: a receive
    buffer that fills."""
    return open_subscriber(port, ws_url(topics), receive_buffer=4096)


def read_frames_until_close(sock: socket.socket) -> tuple[int, int]:
    """Read every frame the server sent; returns (text frames read, close code)."""
    texts = 0
    while True:
        opcode, payload = read_frame(sock)
        if opcode == 8:
            return texts, struct.unpack("!H", payload[:2])[0]
        texts += opcode == 1


def system_event(entry_id: int, size: int) -> SystemEvent:
    return SystemEvent(EventLogEntry(id=entry_id, ts_ms=now_ms(), type=0, code=10, comment="x" * size))


def test_a_subscriber_that_never_reads_is_dropped_and_the_others_get_everything(data_dir):
    write_settings(data_dir, ws_queue_size=4)
    runtime = make_runtime(data_dir)
    with served(runtime) as port:
        slow = open_raw_subscriber(port, "systemEvent")
        with connect(f"ws://127.0.0.1:{port}{ws_url('systemEvent')}", max_size=None) as fast:
            assert json.loads(fast.recv(timeout=5))["topics"] == ["systemEvent"]
            assert runtime.bus.subscriber_count == 2
            published = 0
            # 16 kB events in step with the fast reader, until the slow one's socket and queue are full
            while runtime.bus.subscriber_count == 2:
                published += 1
                assert published < 3000, "the slow subscriber was never dropped"
                runtime.bus.publish(system_event(published, 16_000))
                assert json.loads(fast.recv(timeout=5))["id"] == published
            for extra in range(published + 1, published + 51):  # the fast one keeps flowing
                runtime.bus.publish(system_event(extra, 100))
                assert json.loads(fast.recv(timeout=5))["id"] == extra
            assert runtime.bus.subscriber_count == 1
        received, code = read_frames_until_close(slow)
        slow.close()
    assert code == 1013
    assert 1 <= received < published  # what fitted in the buffers, then the close


def test_end_to_end_cli_push_and_subscriber_over_real_sockets(data_dir):
    server = LiveServer(data_dir)
    try:
        url = f"ws://127.0.0.1:{server.port}/wsapi/subscribeEvents?topics=LPR,parkingCount,systemEvent" \
              f"&auth={quote(ADMIN_AUTH)}"
        with connect(url) as ws:
            hello = json.loads(ws.recv(timeout=5))
            assert hello["topics"] == ["LPR", "parkingCount", "systemEvent"]
            lots = json.loads(ws.recv(timeout=5))
            assert TIMESTAMP.match(lots.pop("timestamp"))
            assert lots == {"topic": "parkingCount", "updated": []}  # no lots yet
            cli = ["--data", str(data_dir)]
            assert tsnvr_main([*cli, "parking", "add", "--name", "Lot A", "--max", "2", "--id", "3"]) == 0
            assert tsnvr_main([*cli, "device", "lpr", "add", "--code", "GATE-A", "--name", "Gate A",
                               "--entrance", "3", "--link", "4"]) == 0
            changed: set[str] = set()
            deadline = time.monotonic() + 15
            while changed != {"parking_lot", "lpr_device"}:  # one or two reloads, ~2 s apart
                message = json.loads(ws.recv(timeout=max(deadline - time.monotonic(), 0.1)))
                if message["topic"] == "systemEvent" and message["code"] == 10:
                    changed |= set(message["param"]["keys"])
            number = plate()
            r = httpx.post(f"{server.url}/api/push", auth=("admin", ADMIN_PASSWORD),
                           json={"topic": "LPR", "src": "GATE-A", "plateNo": number,
                                 "when": "2024-05-06T07:08:09.010-04:00"})
            assert r.status_code == 200 and r.content == b""
            messages = [json.loads(ws.recv(timeout=5)) for _ in range(2)]
            host = f"http://127.0.0.1:{server.port}"
            stamp = "2024-05-06T07:08:09.010-04:00"
            assert messages == [
                {"timestamp": stamp, "deviceCode": "GATE-A", "deviceName": "Gate A",
                 "linkedChannel": [{"chid": 4, "title": "", "displayName": "CH4",
                                    "src": f"{host}/watch?ch=4&when={when(stamp)}"}],
                 "plateNo": number, "timeBegin": stamp, "topic": "LPR", "parkingLot": {"entrance": 3},
                 "direction": "entry"},
                {"timestamp": stamp, "topic": "parkingCount",
                 "updated": [{"id": 3, "name": "Lot A", "type": "counter", "count": 1, "maxCount": 2}]},
            ]
        with pytest.raises(ConnectionClosed) as closed, connect(url.replace("auth=", "auth=x")) as refused:
            refused.recv(timeout=5)
        assert closed.value.rcvd.code == 1008
    finally:
        server.stop()
