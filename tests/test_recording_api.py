"""The running server records a real RTSP channel, and the TS-API answers follow: /api/status,
recordingStatus, recDays, recMinutes and the channelStatus WebSocket."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import select
from starlette.testclient import TestClient

from storage.clock import now_ms
from storage.models import Channel, Segment
from tests.conftest import ADMIN_AUTH, make_runtime, wait_until, write_settings
from tests.needs import needs_rtsp
from tests.rtsp_server import RtspServerProcess, make_h264_clip

pytestmark = needs_rtsp


def test_a_recorded_channel_shows_in_status_and_recorded_time(data_dir, tmp_path):
    clip = make_h264_clip(tmp_path / "clip.mp4", seconds=30.0)
    write_settings(data_dir, segment_seconds=2.0)
    with RtspServerProcess(file=clip) as server:
        runtime = make_runtime(data_dir)
        with runtime.db.write() as s:
            s.add(Channel(chid=3, name="Gate", type="rtsp", source=server.url("file"), created_ms=now_ms()))
        started = now_ms()
        with TestClient(runtime.app) as client:
            auth = f"&auth={ADMIN_AUTH}"

            def status():
                body = client.get("/api/status?recordingStatus&verbose" + auth).json()
                return body if body and body[0]["status"]["code"] == 200 and body[0]["recordingStatus"]["recording"] \
                    else None

            body = wait_until(status)
            assert body == [{"chid": 3, "status": {"code": 200, "message": "Connected"},
                             "recordingStatus": {"streaming": True, "recording": True}}]
            with client.websocket_connect(f"/wsapi/subscribeEvents?topics=channelStatus&auth={ADMIN_AUTH}") as ws:
                assert json.loads(ws.receive_text())["topics"] == ["channelStatus"]
                current = json.loads(ws.receive_text())
                assert current["event"] == "currentStatus"
                assert [(c["chid"], c["title"], c["status"]["code"]) for c in current["channel"]] == [(3, "Gate", 200)]

            wait_until(lambda: client.get("/api/find?what=recMinutes&ch=3&timeBegin="
                                          + datetime.fromtimestamp(started / 1000 - 60, ZoneInfo("UTC"))
                                          .strftime("%Y-%m-%dT%H:%M:%SZ") + auth).json()["data"], 20)
            tz = ZoneInfo("America/New_York")
            today = datetime.fromtimestamp(started / 1000, tz)
            days = client.get("/api/find?what=recDays&ch=3" + auth).json()
            assert days["data"] == [{"chid": 3, "data": [{"year": today.year, "month": today.month,
                                                          "days": [today.day]}]}]
            begin = datetime.fromtimestamp(started / 1000 - 60, tz).strftime("%Y-%m-%dT%H:%M:%S")
            with runtime.db.read() as session:
                segments = session.exec(select(Segment).where(Segment.chid == 3)).all()
            minutes = client.get(f"/api/find?what=recMinutes&ch=3&timeBegin={begin}" + auth).json()
            recorded = {(h["day"], h["hour"], m) for h in minutes["data"][0]["data"] for m in h["minutes"]}
            assert segments
            expected = set()
            for seg in segments:
                for ms in range(seg.begin_ms - seg.begin_ms % 60_000, seg.end_ms, 60_000):
                    t = datetime.fromtimestamp(ms / 1000, tz)
                    expected.add((t.day, t.hour, t.minute))
            # a segment indexed between the two reads can only add minutes to the answer
            assert expected <= recorded
            assert len(recorded - expected) <= 1
