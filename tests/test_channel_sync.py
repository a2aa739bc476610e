"""Channels another process adds to or deletes from the database (`tsnvr camera add` does) start and
stop recording in the running server, announced on channelStatus like the API's own."""

from __future__ import annotations

import json

import httpx
from websockets.sync.client import connect

from storage import settings as settings_file
from storage.channel_store import add_channels, delete_channels
from storage.models import Channel
from tests.conftest import ADMIN_AUTH
from tsnvr.database import open_database


def next_event(ws, wanted: str) -> dict:
    while True:
        event = json.loads(ws.recv(15))
        if event.get("event") == wanted:
            return event


def test_a_channel_written_by_another_process_is_started_then_stopped(live_server, data_dir):
    db = open_database(settings_file.load(data_dir, env={}))
    ws_url = live_server.url.replace("http", "ws") + f"/wsapi/subscribeEvents?topics=channelStatus&auth={ADMIN_AUTH}"
    try:
        with connect(ws_url, open_timeout=10) as ws:
            assert json.loads(ws.recv(10))["topics"] == ["channelStatus"]
            assert json.loads(ws.recv(10))["event"] == "currentStatus"
            [row] = add_channels(db, [Channel(chid=7, name="Side gate", type="rtsp",
                                              source="rtsp://127.0.0.1:9/side")], max_channels=64)
            assert isinstance(row, Channel)
            added = next_event(ws, "channelAdded")
            assert added["chid"] == 7, added
            status = httpx.get(f"{live_server.url}/api/status?auth={ADMIN_AUTH}").json()
            assert [c["chid"] for c in status] == [7]
            delete_channels(db, [7])
            assert next_event(ws, "channelRemoved")["chid"] == 7
            assert httpx.get(f"{live_server.url}/api/status?auth={ADMIN_AUTH}").json() == []
    finally:
        db.dispose()
