"""POST /api/channel and DELETE /api/channel/{id}: the guide's answers, through the real app, with the
real recorder capturing what was added and a real RTSP server behind the RTSP channel."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select
from starlette.testclient import TestClient, WebSocketTestSession

from storage.channels import all_channels
from storage.eventlog import ChannelCode, EventType
from storage.models import EventLogEntry
from tests.conftest import ADMIN_AUTH, free_port, make_runtime, wait_until, write_settings
from tests.rtsp_server import RtspServerProcess, make_h264_clip
from tests.test_recorder import needs_rtsp

AUTH = f"auth={ADMIN_AUTH}"


def post(client: TestClient, body: Any, auth: str = AUTH) -> Any:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post(f"/api/channel?{auth}", content=content, headers={"content-type": "application/json"})


def next_event(ws: WebSocketTestSession, name: str) -> dict[str, Any]:
    """The next channelStatus message with event == name (status changes may come between)."""
    for _ in range(50):
        message = ws.receive_json()
        if message.get("event") == name:
            return message
    raise AssertionError(f"no {name} event")


def subscribe(client: TestClient) -> Any:
    return client.websocket_connect(f"/wsapi/subscribeEvents?topics=channelStatus&{AUTH}")


def channel_log(runtime: Any) -> list[tuple[int, int | None, dict[str, Any]]]:
    with runtime.db.read() as s:
        rows = s.exec(select(EventLogEntry).where(EventLogEntry.type == int(EventType.CHANNEL))
                      .order_by(EventLogEntry.id)).all()
    return [(r.code, r.chid, json.loads(r.param or "{}")) for r in rows
            if r.code in (ChannelCode.ADDED, ChannelCode.REMOVED)]


def missing_file(tmp_path: Path, name: str) -> str:
    return str(tmp_path / "videos" / name)  # the recorder answers 1404; no network needed


# -- adding, against a real camera -----------------------------------------------------------------

@needs_rtsp
def test_rtsp_and_file_channels_are_stored_started_and_announced(data_dir: Path, tmp_path: Path) -> None:
    clip = make_h264_clip(tmp_path / "clip.mp4", seconds=30.0)
    with RtspServerProcess(file=clip, user="cam", password="s3cret") as server:
        runtime = make_runtime(data_dir)
        with TestClient(runtime.app) as client, subscribe(client) as ws:
            assert ws.receive_json()["topics"] == ["channelStatus"]
            assert ws.receive_json()["channel"] == []  # currentStatus: nothing yet
            r = post(client, [
                {"name": "Gate", "source": server.url("file"), "uid": "cam", "password": "s3cret"},
                {"name": "Clip", "source": str(clip), "playback": "once"},
            ])
            assert r.status_code == 200
            assert r.json() == {
                "status": {"code": 0, "message": "Channels were added successfully."},
                "added": [
                    {"chid": 1, "name": "Gate", "type": "rtsp",
                     "source": f"rtsp://cam:s3cret@127.0.0.1:{server.port}/file", "tcp": True},
                    {"chid": 2, "name": "Clip", "type": "file", "source": str(clip), "playback": "once"},
                ],
            }
            added = next_event(ws, "channelAdded")
            assert (added["topic"], added["chid"]) == ("channelStatus", 1) and "timestamp" in added
            assert next_event(ws, "channelAdded")["chid"] == 2

            def connected() -> bool:
                body = client.get(f"/api/status?{AUTH}").json()
                return any(c["chid"] == 1 and c["status"]["code"] == 200 for c in body)

            wait_until(connected)  # the recorder really dialled the camera, with the credentials
            assert channel_log(runtime) == [(ChannelCode.ADDED, 1, {"chid": 1, "name": "Gate"}),
                                            (ChannelCode.ADDED, 2, {"chid": 2, "name": "Clip"})]

        again = make_runtime(data_dir)  # the rows outlive the runtime
        rows = all_channels(again.db)
        assert [(c.chid, c.type, c.source, c.uid, c.password, c.tcp, c.playback) for c in rows] == [
            (1, "rtsp", server.url("file"), "cam", "s3cret", True, None),
            (2, "file", str(clip), None, None, True, "once"),
        ]
        with TestClient(again.app) as client:
            listed = client.get(f"/api/enum?what=channel&{AUTH}").json()
            assert [(c["chid"], c["title"]) for c in listed] == [(1, "Gate"), (2, "Clip")]


# -- adding: the answers -----------------------------------------------------------------------------

def test_onvif_camera_item_shape_and_defaults(client: TestClient, runtime: Any) -> None:
    source = f"rtsp://127.0.0.1:{free_port()}/stream1"
    r = post(client, {"source": source, "uid": "admin", "password": "p@ss",
                      "device": {"name": "Lobby cam", "url": "onvif://127.0.0.1:8000"}})
    assert r.status_code == 200
    assert r.json()["added"] == [{
        "chid": 1, "name": "Lobby cam", "type": "onvif", "device": "onvif://127.0.0.1:8000",
        "source": f"rtsp://admin:p%40ss@{source.removeprefix('rtsp://')}", "tcp": True, "substream": True,
    }]
    row = all_channels(runtime.db)[0]
    assert (row.device_url, row.device_name, row.substream) == ("onvif://127.0.0.1:8000", "Lobby cam", True)


def test_numbers_are_assigned_from_the_front_and_a_taken_one_fails(client: TestClient, tmp_path: Path) -> None:
    assert post(client, [{"chid": 2, "source": missing_file(tmp_path, "a.mp4")}]).status_code == 200
    r = post(client, [{"chid": 2, "source": missing_file(tmp_path, "b.mp4")},
                      {"source": missing_file(tmp_path, "c.mp4")},
                      {"source": missing_file(tmp_path, "d.mp4"), "chid": 4},
                      {"source": missing_file(tmp_path, "e.mp4")}])
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == {"code": -5, "message": "Only some channels have been added."}
    assert [(c["chid"], c["source"], c["playback"]) for c in body["added"]] == [
        (1, missing_file(tmp_path, "c.mp4"), "repeat"), (4, missing_file(tmp_path, "d.mp4"), "repeat"),
        (3, missing_file(tmp_path, "e.mp4"), "repeat")]
    assert body["failed"] == [{"chid": 2, "source": missing_file(tmp_path, "b.mp4"), "code": -1,
                               "message": "The channel number is already in use."}]


def test_nothing_added_is_minus_6(client: TestClient, runtime: Any) -> None:
    r = post(client, [{"name": "no source"},
                      {"source": "rtsp://127.0.0.1:9/s", "device": {"name": "no url"}}])
    assert r.status_code == 400
    assert r.json() == {
        "status": {"code": -6, "message": "Channels cannot be added."},
        "failed": [{"source": None, "code": -2, "message": "The required item source is missing."},
                   {"source": "rtsp://127.0.0.1:9/s", "code": -3, "message": "The device item has no url."}],
    }
    assert all_channels(runtime.db) == []


def test_over_max_channels_fails_the_item(data_dir: Path, tmp_path: Path) -> None:
    write_settings(data_dir, max_channels=2)
    with TestClient(make_runtime(data_dir).app) as client:
        r = post(client, [{"source": missing_file(tmp_path, f"{n}.mp4")} for n in range(3)])
        body = r.json()
        assert r.status_code == 200 and body["status"]["code"] == -5
        assert [c["chid"] for c in body["added"]] == [1, 2]
        assert body["failed"] == [{"source": missing_file(tmp_path, "2.mp4"), "code": -4,
                                   "message": "The maximum number of channels would be exceeded."}]


def test_only_administrators_add_or_delete(client: TestClient, runtime: Any, add_user: Callable[..., str]) -> None:
    viewer = add_user("viewer", "Remote,Playback,Control")
    assert post(client, {"source": "/v/a.mp4"}, auth=f"auth={viewer}").status_code == 403
    assert client.delete(f"/api/channel/all?auth={viewer}").status_code == 403
    assert post(client, {"source": "/v/a.mp4"}, auth="").status_code == 401
    assert all_channels(runtime.db) == []


@pytest.mark.parametrize("body", [
    b"not json", b"\xff\xfe", b'"rtsp://x/y"', b"5", b"[]", b"[3]", b'{"source": 5}',
    b'[{"source": "/a.mp4"}, {"source": "/b.mp4", "tcp": "yes"}]', b'{"chid": "1", "source": "/a.mp4"}',
    b'{"chid": true, "source": "/a.mp4"}', b'{"chid": 0, "source": "/a.mp4"}',
    b'{"source": "/a.mp4", "playback": "twice"}', b'{"source": "rtsp://h/s", "device": "onvif://h:80"}',
    b'{"source": "rtsp://h/s", "device": {"url": "ftp://h:80"}}', b'{"source": "rtsp://h/s", "uid": ["a"]}',
])
def test_malformed_bodies_are_400_and_store_nothing(client: TestClient, runtime: Any, body: bytes) -> None:
    r = post(client, body)
    assert r.status_code == 400
    assert set(r.json()) == {"code", "message"} and r.json()["code"] == 400
    assert all_channels(runtime.db) == []
    assert channel_log(runtime) == []


# -- deleting ------------------------------------------------------------------------------------------

def test_delete_stops_the_channel_and_announces_it(client: TestClient, runtime: Any, tmp_path: Path) -> None:
    post(client, [{"name": f"File {n}", "source": missing_file(tmp_path, f"{n}.mp4")} for n in (1, 2)])
    wait_until(lambda: runtime.recorder.chids() == [1, 2])
    with subscribe(client) as ws:
        ws.receive_json()
        assert [c["chid"] for c in ws.receive_json()["channel"]] == [1, 2]
        r = client.delete(f"/api/channel/1?{AUTH}")
        assert r.status_code == 200
        assert r.json() == {"status": {"code": 0, "message": "Channels were deleted successfully."}, "deleted": [1]}
        assert next_event(ws, "channelRemoved")["chid"] == 1
    assert runtime.recorder.chids() == [2]
    assert [c["chid"] for c in client.get(f"/api/status?{AUTH}").json()] == [2]
    assert [c.chid for c in all_channels(runtime.db)] == [2]
    assert channel_log(runtime)[-1] == (ChannelCode.REMOVED, 1, {"chid": 1, "name": "File 1"})


def test_delete_answers(client: TestClient, runtime: Any, tmp_path: Path) -> None:
    post(client, [{"source": missing_file(tmp_path, f"{n}.mp4")} for n in range(4)])
    r = client.delete(f"/api/channel/9?{AUTH}")
    assert r.status_code == 404
    assert r.json() == {"status": {"code": -8, "message": "The specified channel does not exist."}, "failed": [9]}
    r = client.delete(f"/api/channel/1,%209,1?{AUTH}")
    assert r.status_code == 200
    assert r.json() == {"status": {"code": -5, "message": "Only some channels have been deleted."},
                        "deleted": [1], "failed": [9]}
    for path in ("/api/channel", "/api/channel/", "/api/channel/,%20,"):
        r = client.delete(f"{path}?{AUTH}")
        assert (r.status_code, r.json()["status"]["code"]) == (400, -7), path
    for path in ("/api/channel/x", "/api/channel/1,two", "/api/channel/-1"):
        r = client.delete(f"{path}?{AUTH}")
        assert r.status_code == 400 and set(r.json()) == {"code", "message"}, path
    r = client.delete(f"/api/channel/all?lang=es-ES&{AUTH}")
    assert r.json() == {"status": {"code": 0, "message": "Los canales se eliminaron correctamente."},
                        "deleted": [2, 3, 4]}
    assert all_channels(runtime.db) == [] and runtime.recorder.chids() == []
    assert client.delete(f"/api/channel/ALL?{AUTH}").json()["deleted"] == []


def test_spanish_add_message(client: TestClient, tmp_path: Path) -> None:
    r = client.post(f"/api/channel?lang=es-ES&{AUTH}", json={"source": missing_file(tmp_path, "a.mp4")})
    assert r.json()["status"] == {"code": 0, "message": "Los canales se agregaron correctamente."}
