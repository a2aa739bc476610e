"""POST /api/push: plates and emergency calls from external devices, all-or-nothing validation."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from storage import parking
from storage.clock import now_ms
from storage.events import EmergencyCallEvent, Event, LprEvent, ParkingCountEvent
from storage.models import EventLogEntry, PlateRead
from tests.conftest import ADMIN_AUTH, ADMIN_PASSWORD, make_runtime, write_settings

GATE_IN, GATE_OUT, PHONE = "F00001", "F00002", "0000002"


@pytest.fixture
def runtime(data_dir):
    write_settings(
        data_dir,
        lpr_device=[
            {"id": 1, "code": GATE_IN, "name": "B1 entrance", "linked_channels": [1, 2], "parking_entrance": 1},
            {"id": 2, "code": GATE_OUT, "linked_channels": [3], "parking_exit": 1},
        ],
        emergency_call=[{"id": 1, "code": PHONE, "name": "B1 Stairs", "linked_channels": [1, 2]}],
        parking_lot=[{"id": 1, "name": "B1", "max_count": 1}],
    )
    return make_runtime(data_dir)


@pytest.fixture
def published(runtime) -> list[tuple[str, Event]]:
    events: list[tuple[str, Event]] = []
    runtime.bus.listen(lambda event: events.append((event.topic, event)))
    return events


@pytest.fixture
def client(runtime) -> Iterator[TestClient]:
    with TestClient(runtime.app) as c:
        yield c


def push(client: TestClient, body: Any, cred: str | None = ADMIN_AUTH, **kwargs: Any):
    """POST body (bytes as they are, anything else as JSON) with auth=cred, if any."""
    url = f"/api/push?auth={cred}" if cred else "/api/push"
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post(url, content=content, headers={"content-type": "application/json; charset=UTF-8"}, **kwargs)


def plates(runtime) -> list[PlateRead]:
    with runtime.db.read() as s:
        return list(s.exec(select(PlateRead).order_by(PlateRead.id)))


def device_log(runtime) -> list[EventLogEntry]:
    """Event-log rows of the Emergency call (4) and Device (5) types."""
    with runtime.db.read() as s:
        return list(s.exec(select(EventLogEntry).where(EventLogEntry.type.in_([4, 5])).order_by(EventLogEntry.id)))


def random_plate() -> str:
    return "P" + secrets.token_hex(3).upper()


def test_a_pushed_plate_is_stored_logged_counted_and_published(client, runtime, published):
    plate = random_plate()
    r = push(client, {"topic": "LPR", "src": GATE_IN, "plateNo": plate,
                      "when": "2018-02-01T14:30:15.250-05:00", "timeBegin": "2018-02-01T14:30:14-05:00"})
    assert r.status_code == 200 and r.content == b""
    when, begin = 1517513415250, 1517513414000
    [row] = plates(runtime)
    assert (row.plate_no, row.plate_key, row.begin_ms, row.end_ms) == (plate, plate, begin, when)
    assert (row.src_code, row.src_name, row.channels, row.direction, row.chid) == (
        GATE_IN, "B1 entrance", ",1,2,", "entry", None)
    [entry] = device_log(runtime)
    assert (entry.type, entry.code, entry.ts_ms) == (5, 1, when)
    assert json.loads(entry.param) == {"src": GATE_IN, "plateNo": plate, "plateLogId": row.id}
    assert entry.comment == f"{plate}: B1 entrance"
    assert parking.counts(runtime.db) == {1: 1}
    assert [t for t, _ in published] == ["LPR", "parkingCount"]
    assert published[0][1] == LprEvent(
        ts_ms=when, begin_ms=begin, plate_no=plate, plate_id=row.id, device_code=GATE_IN,
        device_name="B1 entrance", chid=None, linked=(1, 2), score=None, roi=None, image=None,
        parking_entrance=1, parking_exit=None, direction="entry",
    )
    assert published[1][1] == ParkingCountEvent(ts_ms=when, changed=(1,), counts={1: 1})


def test_times_default_to_now_and_read_every_iso_form(client, runtime):
    before = now_ms()
    assert push(client, {"topic": "LPR", "src": GATE_IN, "plateNo": "A1"}).status_code == 200
    after = now_ms()
    assert push(client, {"topic": "LPR", "src": GATE_IN, "plateNo": "A2", "when": "2018-02-01T19:30:15Z"}
                ).status_code == 200
    # no offset: the server's time zone (America/New_York in these tests)
    assert push(client, {"topic": "LPR", "src": GATE_IN, "plateNo": "A3", "when": "2018-07-01T10:00:00"}
                ).status_code == 200
    first, second, third = plates(runtime)
    assert before <= first.begin_ms == first.end_ms <= after
    assert second.begin_ms == second.end_ms == 1517513415000
    assert third.end_ms == 1530453600000  # 14:00 UTC (EDT, -04:00)


def test_credentials_and_the_control_right(client, runtime, add_user):
    body = {"topic": "LPR", "src": GATE_IN, "plateNo": random_plate()}
    assert push(client, body, cred=None).status_code == 401
    viewer = add_user("viewer", rights="Remote,LPR,Playback,Settings")
    r = push(client, body, cred=viewer)
    assert r.status_code == 403 and r.json()["code"] == 403 and "Control" in r.json()["message"]
    assert plates(runtime) == []
    assert push(client, body, cred=None, auth=("admin", ADMIN_PASSWORD)).status_code == 200  # HTTP Basic
    operator = add_user("operator", rights="Remote,Control")
    assert push(client, body, cred=operator).status_code == 200
    assert client.get(f"/api/auth?login={ADMIN_AUTH}").status_code == 200  # cookie session
    assert push(client, body, cred=None).status_code == 200
    assert len(plates(runtime)) == 3


def test_an_array_pushes_every_event_in_order(client, runtime, published):
    plate = random_plate()
    r = push(client, [
        {"topic": "LPR", "src": GATE_IN, "plateNo": plate},
        {"topic": "emergencyCall", "device": "vendor/device", "src": PHONE, "event": "callStart",
         "camera": "1,2,3,4", "when": "2018-02-01T14:30:15-05:00"},
    ])
    assert r.status_code == 200 and r.content == b""
    assert [p.plate_no for p in plates(runtime)] == [plate]
    assert [(e.type, e.code) for e in device_log(runtime)] == [(5, 1), (4, 1)]
    assert [t for t, _ in published] == ["LPR", "parkingCount", "emergencyCall"]


def test_an_unknown_device_is_accepted_without_links(client, runtime, published):
    plate, device = random_plate(), "NEW-" + secrets.token_hex(2)
    assert push(client, {"topic": "LPR", "src": device, "plateNo": plate}).status_code == 200
    [row] = plates(runtime)
    assert (row.src_code, row.src_name, row.channels, row.direction) == (device, device, ",", None)
    assert [t for t, _ in published] == ["LPR"]  # no lot, no parkingCount
    assert published[0][1].linked == () and published[0][1].device_name == device
    assert parking.counts(runtime.db) == {}


def test_parking_counts_move_and_never_drop_below_zero(client, runtime, published):
    out = {"topic": "LPR", "src": GATE_OUT, "plateNo": "OUT1", "when": "2018-02-01T14:30:15-05:00"}
    assert push(client, out).status_code == 200  # nobody inside yet: stays 0, no parkingCount
    assert parking.counts(runtime.db) == {1: 0}
    assert [t for t, _ in published] == ["LPR"]
    assert published[0][1].direction == "exit" and published[0][1].parking_exit == 1
    for plate in ("IN1", "IN2"):  # the second is over capacity (1): counted anyway
        assert push(client, {"topic": "LPR", "src": GATE_IN, "plateNo": plate}).status_code == 200
    assert parking.counts(runtime.db) == {1: 2}
    assert push(client, out).status_code == 200
    counts = [e for t, e in published if t == "parkingCount"]
    assert [c.counts for c in counts] == [{1: 1}, {1: 2}, {1: 1}]
    assert counts[-1].ts_ms == 1517513415000


def test_emergency_calls_are_logged_and_published(client, runtime, published):
    start = {"topic": "emergencyCall", "device": "Sammul/Vizufon", "src": PHONE, "event": "callStart",
             "when": "2018-06-27T10:56:16.316-05:00"}
    end = {**start, "event": "callEnd", "camera": "4, 5", "when": "2018-06-27T10:59:26.322-05:00"}
    unknown = {"topic": "emergencyCall", "src": "9999", "event": "callStart", "camera": ""}
    assert push(client, [start, end, unknown]).status_code == 200
    first, second, third = device_log(runtime)
    assert (first.type, first.code, first.ts_ms) == (4, 1, 1530114976316)
    assert json.loads(first.param) == {"caller": PHONE, "name": "B1 Stairs", "device": "Sammul/Vizufon",
                                       "linkedChannel": [1, 2]}
    assert first.comment == f"B1 Stairs ({PHONE})"
    assert (second.code, second.ts_ms, json.loads(second.param)["linkedChannel"]) == (2, 1530115166322, [4, 5])
    assert (third.code, json.loads(third.param)) == (1, {"caller": "9999", "name": "9999", "device": "",
                                                         "linkedChannel": []})
    events = [e for t, e in published if t == "emergencyCall"]
    assert events[0] == EmergencyCallEvent(ts_ms=1530114976316, event="callStart", caller=PHONE, name="B1 Stairs",
                                           device="Sammul/Vizufon", linked=(1, 2))
    assert events[1].event == "callEnd" and events[1].linked == (4, 5)
    assert events[2].linked == () and events[2].name == "9999"


LPR = {"topic": "LPR", "src": GATE_IN, "plateNo": "OK1"}


@pytest.mark.parametrize(("body", "message"), [
    (b"", "empty"),
    (b"{", "not valid JSON"),
    (b"\xff\xfe", "UTF-8"),
    (b"[" * 5000 + b"]" * 5000, "nested too deeply"),
    (b"[]", "empty array"),
    (b"null", "JSON object"),
    (b'"LPR"', "JSON object"),
    ([LPR, 5], "item 2: must be a JSON object"),
    ({"src": GATE_IN, "plateNo": "A1"}, "topic is required"),
    ({"topic": "motion", "src": GATE_IN}, "unsupported topic 'motion'"),
    ({"topic": 5}, "topic must be a string"),
    ({"topic": "LPR", "plateNo": "A1"}, "src is required"),
    ({"topic": "LPR", "src": GATE_IN}, "plateNo is required"),
    ({"topic": "LPR", "src": GATE_IN, "plateNo": ""}, "plateNo must not be empty"),
    ({"topic": "LPR", "src": GATE_IN, "plateNo": 123}, "plateNo must be a string"),
    ({"topic": "LPR", "src": GATE_IN, "plateNo": "X" * 33}, "longer than 32"),
    ({"topic": "LPR", "src": GATE_IN, "plateNo": "A1", "when": "tomorrow"}, "when:"),
    ({"topic": "LPR", "src": GATE_IN, "plateNo": "A1", "when": "2018-02-30T10:00:00"}, "when:"),
    ({"topic": "LPR", "src": GATE_IN, "plateNo": "A1", "timeBegin": 20180201}, "timeBegin must be a string"),
    ({"topic": "LPR", "src": GATE_IN, "plateNo": "A1", "when": "2018-02-01T10:00:00Z",
      "timeBegin": "2018-02-01T10:00:01Z"}, "timeBegin is after when"),
    ([LPR, {"topic": "emergencyCall", "src": PHONE}], "item 2: event is required"),
    ({"topic": "emergencyCall", "src": PHONE, "event": "callMaybe"}, "callStart or callEnd"),
    ({"topic": "emergencyCall", "event": "callStart"}, "src is required"),
    ({"topic": "emergencyCall", "src": PHONE, "event": "callEnd", "camera": "1,x"}, "'x' is not a channel"),
    ({"topic": "emergencyCall", "src": PHONE, "event": "callEnd", "camera": {"1": 2}}, "camera must be"),
    ({"topic": "emergencyCall", "src": PHONE, "event": "callEnd", "device": ["a"]}, "device must be a string"),
])
def test_a_bad_body_is_400_and_stores_nothing(client, runtime, published, body, message):
    r = push(client, body)
    assert r.status_code == 400, r.text
    assert set(r.json()) == {"code", "message"} and r.json()["code"] == 400
    assert message in r.json()["message"]
    assert plates(runtime) == [] and device_log(runtime) == [] and published == []
    assert parking.counts(runtime.db) == {}


@pytest.fixture
def small_limit_client(data_dir) -> Iterator[tuple[TestClient, Any]]:
    write_settings(data_dir, max_request_bytes=2000)
    runtime = make_runtime(data_dir)
    with TestClient(runtime.app) as c:
        yield c, runtime


def oversized_body() -> bytes:
    body = json.dumps([{"topic": "LPR", "src": GATE_IN, "plateNo": f"A{i}"} for i in range(100)]).encode()
    assert len(body) > 2000
    return body


def test_an_oversized_body_without_length_is_413_json(small_limit_client):
    client, runtime = small_limit_client
    body = oversized_body()
    chunks = (body[i:i + 500] for i in range(0, len(body), 500))  # sent chunked: no Content-Length
    r = client.post(f"/api/push?auth={ADMIN_AUTH}", content=chunks)
    assert r.status_code == 413
    assert r.json()["code"] == 413 and set(r.json()) == {"code", "message"}
    assert plates(runtime) == []


def test_an_oversized_body_with_length_is_413_json(small_limit_client):
    client, runtime = small_limit_client
    r = client.post(f"/api/push?auth={ADMIN_AUTH}", content=oversized_body())
    assert r.status_code == 413
    assert r.headers["content-type"].startswith("application/json"), r.text
    assert r.json()["code"] == 413 and set(r.json()) == {"code", "message"}
    assert plates(runtime) == []
