"""/api/status: status codes and recording state as the bus reported them, ch, verbose, lang."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from storage.clock import now_ms
from storage.events import ChannelEvent, ChannelRecording, ChannelStatusEvent, RecordingStatusEvent
from storage.models import Channel
from tests.conftest import ADMIN_AUTH

# 2020-03-25T10:07:09.646 in New York (daylight time, UTC-4), the guide's example failure time
FAILURE_MS = int(datetime(2020, 3, 25, 10, 7, 9, 646000, tzinfo=ZoneInfo("America/New_York")).timestamp() * 1000)


@pytest.fixture
def channels(runtime):
    with runtime.db.write() as s:
        for chid, name in ((1, "Front door"), (2, "Yard"), (3, "")):
            s.add(Channel(chid=chid, name=name, source=f"rtsp://127.0.0.1:9/ch{chid}", created_ms=now_ms()))
    return [1, 2, 3]


def get(client, query: str = "", auth: str = ADMIN_AUTH):
    return client.get(f"/api/status?{query}{'&' if query else ''}auth={auth}")


def report(runtime) -> None:
    bus = runtime.bus
    bus.publish(ChannelStatusEvent(ChannelEvent.STATUS_CHANGED, 1, status=200))
    bus.publish(ChannelStatusEvent(ChannelEvent.STATUS_CHANGED, 2, status=401))
    bus.publish(RecordingStatusEvent((
        ChannelRecording(1, streaming=True, recording=True),
        ChannelRecording(2, streaming=True, recording=False, failure_ms=FAILURE_MS),
    )))


def test_every_channel_starts_loading_then_follows_the_bus(client, runtime, channels):
    assert get(client).json() == [{"chid": c, "status": {"code": -2}} for c in channels]
    report(runtime)
    assert get(client).json() == [
        {"chid": 1, "status": {"code": 200}},
        {"chid": 2, "status": {"code": 401}},
        {"chid": 3, "status": {"code": -2}},
    ]


def test_ch_selects_channels(client, runtime, channels):
    report(runtime)
    assert get(client, "ch=2").json() == [{"chid": 2, "status": {"code": 401}}]
    assert get(client, "ch=3,1").json() == [{"chid": 1, "status": {"code": 200}}, {"chid": 3, "status": {"code": -2}}]
    assert get(client, "ch=1,99").json() == [{"chid": 1, "status": {"code": 200}}]  # no channel 99
    assert get(client, "ch=").json() == get(client).json()


def test_verbose_adds_messages_in_the_asked_language(client, runtime, channels):
    report(runtime)
    expected = [
        {"chid": 1, "status": {"code": 200, "message": "Connected"}},
        {"chid": 2, "status": {"code": 401, "message": "Camera login failed"}},
        {"chid": 3, "status": {"code": -2, "message": "Loading"}},
    ]
    assert get(client, "verbose=true").json() == expected
    assert get(client, "verbose").json() == expected
    assert get(client, "verbose=true&lang=fr-FR").json() == expected  # no French catalogue: the server's language
    assert [item["status"]["message"] for item in get(client, "verbose=true&lang=es-ES").json()] == [
        "Conectado", "Error de inicio de sesión en la cámara", "Cargando"]
    assert get(client, "verbose=false").json()[0] == {"chid": 1, "status": {"code": 200}}


def test_recording_status_with_failure_time_in_server_time(client, runtime, channels):
    report(runtime)
    assert get(client, "recordingStatus").json() == [
        {"chid": 1, "status": {"code": 200}, "recordingStatus": {"streaming": True, "recording": True}},
        {"chid": 2, "status": {"code": 401}, "recordingStatus": {
            "streaming": True, "recording": False, "timestampRecordingFailure": "2020-03-25T10:07:09.646-04:00"}},
        {"chid": 3, "status": {"code": -2}, "recordingStatus": {"streaming": False, "recording": False}},
    ]
    assert get(client, "ch=2&verbose&recordingStatus").json() == [
        {"chid": 2, "status": {"code": 401, "message": "Camera login failed"}, "recordingStatus": {
            "streaming": True, "recording": False, "timestampRecordingFailure": "2020-03-25T10:07:09.646-04:00"}},
    ]


def test_a_removed_channel_forgets_its_state(client, runtime, channels):
    report(runtime)
    runtime.bus.publish(ChannelStatusEvent(ChannelEvent.CHANNEL_REMOVED, 1))
    assert get(client, "ch=1&recordingStatus").json() == [
        {"chid": 1, "status": {"code": -2}, "recordingStatus": {"streaming": False, "recording": False}}]


@pytest.mark.parametrize("query", ["ch=x", "ch=0", "ch=1,-3", "verbose=maybe", "recordingStatus=perhaps"])
def test_bad_parameters_are_400(client, channels, query):
    r = get(client, query)
    assert r.status_code == 400
    assert r.json()["code"] == 400 and r.json()["message"]


def test_status_needs_a_signed_in_user(client, channels, add_user):
    r = client.get("/api/status")
    assert r.status_code == 401 and r.json()["code"] == 401
    viewer = add_user("viewer", rights="Remote")
    assert get(client, auth=viewer).status_code == 200
