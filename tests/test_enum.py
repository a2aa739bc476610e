"""/api/enum: channel (staticSrc, caps), eventType (lang), realtimeEvent, objectType, objectAttr, and
the device lists kept by web.core.device_view."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from storage.clock import now_ms
from storage.eventlog import CODES, EventType
from storage.events import REALTIME_TOPICS
from storage.models import Channel
from tests.conftest import ADMIN_AUTH, make_runtime, write_settings
from web.core import device_view

CAPS = {"pantilt": False, "zoom": False, "focus": False, "iris": False, "home": False, "maxPreset": 0, "aux": 0,
        "digitalInputs": 0, "relayOutputs": 0, "reboot": False}
COLORS = ["brown", "black", "red", "orange", "yellow", "green", "cyan", "blue", "purple", "magenta", "gray", "pink",
          "beige", "white", "other"]
HUMAN = {"clothes": {"type": ["tops", "bottoms"], "colors": COLORS}}
VEHICLE = {"vehicleType": ["car", "truck", "bus", "bicycle", "motorcycle", "train"], "colors": COLORS}


def get(client, query: str, auth: str = ADMIN_AUTH):
    return client.get(f"/api/enum?{query}&auth={auth}")


@pytest.fixture
def channels(runtime):
    with runtime.db.write() as s:
        s.add(Channel(chid=2, name="", source="rtsp://127.0.0.1:9/ch2", created_ms=now_ms()))
        s.add(Channel(chid=1, name="Front door", source="rtsp://127.0.0.1:9/ch1", created_ms=now_ms()))


def test_channel_list(client, channels):
    assert get(client, "what=channel").json() == [
        {"chid": 1, "title": "Front door", "displayName": "CH1. Front door"},
        {"chid": 2, "title": "", "displayName": "CH2"},
    ]


def test_channel_list_with_streams_and_caps(client, channels):
    assert get(client, "what=channel&staticSrc").json() == [
        {"chid": 1, "title": "Front door", "displayName": "CH1. Front door", "src": []},
        {"chid": 2, "title": "", "displayName": "CH2", "src": []},
    ]
    assert get(client, "what=channel&caps").json()[1] == {"chid": 2, "title": "", "displayName": "CH2", "caps": CAPS}
    both = get(client, "what=channel&staticSrc&caps=true").json()
    assert both[0] == {"chid": 1, "title": "Front door", "displayName": "CH1. Front door", "src": [], "caps": CAPS}
    assert get(client, "what=channel&caps=false").json()[0] == {"chid": 1, "title": "Front door",
                                                                "displayName": "CH1. Front door"}


def test_channel_list_empty_without_channels(client):
    assert get(client, "what=channel").json() == []


def test_event_types_in_the_guides_format(client):
    types = get(client, "what=eventType").json()
    assert [t["id"] for t in types] == [0, 1, 2, 3, 4, 5, 6]
    assert types[0]["name"] == "System log"
    assert types[0]["code"][:3] == [{"id": 1, "name": "System startup"}, {"id": 2, "name": "System shutdown"},
                                    {"id": 3, "name": "Abnormal shutdown"}]
    assert types[1]["code"][0] == {"id": 4, "name": "Sign in"}
    assert types[4] == {"id": 4, "name": "Emergency call",
                        "code": [{"id": 1, "name": "Call start"}, {"id": 2, "name": "Call end"}]}
    assert types[6] == {"id": 6, "name": "User-defined event"}  # no code list, as in the guide
    for item in types[:6]:
        assert [c["id"] for c in item["code"]] == [int(c) for c in CODES[EventType(item["id"])]]
        assert all(c["name"] and not c["name"].startswith("eventCode.") for c in item["code"])
    spanish = get(client, "what=eventType&lang=es-ES").json()
    assert (spanish[0]["name"], spanish[0]["code"][0]) == ("Registro del sistema",  # the guide's own example
                                                           {"id": 1, "name": "Inicio del sistema"})
    assert [t["id"] for t in spanish] == [0, 1, 2, 3, 4, 5, 6]
    assert get(client, "what=eventType&lang=fr-FR").json() == types  # no French catalogue: the server's language


def test_realtime_events_are_the_bus_topics_in_the_guides_order(client):
    expected = ["channelStatus", "emergencyCall", "LPR", "systemEvent", "motionChanges", "recordingStatus",
                "parkingCount", "packing", "object"]
    assert get(client, "what=realtimeEvent").json() == expected
    assert list(REALTIME_TOPICS) == expected


def test_object_types_and_attributes(client):
    assert get(client, "what=objectType").json() == ["human", "vehicle"]
    assert get(client, "what=objectAttr").json() == {"human": HUMAN, "vehicle": VEHICLE}
    assert get(client, "what=objectAttr&type=all").json() == {"human": HUMAN, "vehicle": VEHICLE}
    assert get(client, "what=objectAttr&type=human").json() == HUMAN
    assert get(client, "what=objectAttr&type=vehicle").json() == VEHICLE


@pytest.mark.parametrize("query", ["", "what=", "what=cameras", "what=Channel", "what=objectAttr&type=face",
                                   "what=objectAttr&type=cat", "what=channel&caps=maybe"])
def test_bad_requests_are_400(client, query):
    r = get(client, query)
    assert r.status_code == 400
    assert r.json()["code"] == 400 and r.json()["message"]


def test_enum_needs_a_signed_in_user(client, add_user):
    r = client.get("/api/enum?what=objectType")
    assert r.status_code == 401 and r.json()["code"] == 401
    no_remote = add_user("local", rights="LPR")
    assert get(client, "what=objectType", auth=no_remote).status_code == 403
    assert get(client, "what=objectType", auth=add_user("viewer", rights="Remote")).status_code == 200


DEVICE_LISTS = {"lprSrc": "lpr_src_list", "emergencyCall": "emergency_call_list", "parkingLot": "parking_lot_enum"}


@pytest.mark.parametrize("what", list(DEVICE_LISTS))
def test_device_lists_answer_what_web_devices_answers(data_dir, what):
    """Only the wiring: test_devices checks the lists themselves."""
    function = getattr(device_view, DEVICE_LISTS[what])
    write_settings(
        data_dir,
        lpr_device=[{"id": 1, "code": "F00001", "name": "Gate", "linked_channels": [1, 2]}],
        emergency_call=[{"id": 1, "code": "0000001", "name": "B1 stairs", "linked_channels": [1]}],
        parking_lot=[{"id": 1, "name": "B1 Parking Lot", "max_count": 50}],
    )
    runtime = make_runtime(data_dir)
    with TestClient(runtime.app) as client:
        r = get(client, f"what={what}")
    assert r.status_code == 200
    assert r.json() == function(runtime.services)
    assert r.json() and r.json() != {"counter": [], "group": []}
