"""`tsnvr channel rename` against a running server: the title changes in the database, and the
server tells channelStatus subscribers with a nameChanged event."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx
from websockets.sync.client import connect

from storage.channel_store import add_channels, rename_channel
from storage.events import ChannelEvent, ChannelStatusEvent
from storage.models import Channel
from tests.conftest import ADMIN_AUTH, REPO
from tsnvr.bus import EventBus
from tsnvr.channel_names import ChannelNameWatch


def tsnvr(data_dir, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tsnvr", *args, "--data", str(data_dir)],
                          capture_output=True, text=True, cwd=REPO, timeout=60)


def test_a_rename_reaches_subscribers_and_listings(live_server, data_dir):
    added = httpx.post(f"{live_server.url}/api/channel?auth={ADMIN_AUTH}",
                       json=[{"name": "Front", "source": "rtsp://127.0.0.1:9/a"},
                             {"name": "Back", "source": "rtsp://127.0.0.1:9/b"}])
    assert [c["chid"] for c in added.json()["added"]] == [1, 2]
    ws_url = live_server.url.replace("http", "ws") + f"/wsapi/subscribeEvents?topics=channelStatus&auth={ADMIN_AUTH}"
    with connect(ws_url, open_timeout=10) as ws:
        assert json.loads(ws.recv(10))["topics"] == ["channelStatus"]
        assert json.loads(ws.recv(10))["event"] == "currentStatus"
        done = tsnvr(data_dir, "channel", "rename", "2", "Loading bay")
        assert (done.returncode, done.stdout) == (0, "channel 2 renamed to 'Loading bay'\n")
        while True:
            event = json.loads(ws.recv(10))
            if event["event"] == "nameChanged":
                break
        assert {k: event[k] for k in ("chid", "name", "displayName")} == \
            {"chid": 2, "name": "Loading bay", "displayName": "CH2. Loading bay"}
    titles = httpx.get(f"{live_server.url}/api/enum?what=channel&auth={ADMIN_AUTH}").json()
    assert [(c["chid"], c["title"]) for c in titles] == [(1, "Front"), (2, "Loading bay")]
    listed = tsnvr(data_dir, "channel", "list")
    assert listed.stdout.splitlines() == ["1\trtsp\tFront", "2\trtsp\tLoading bay"]


def test_renaming_a_missing_channel_fails(data_dir):
    done = tsnvr(data_dir, "channel", "rename", "7", "Nowhere")
    assert (done.returncode, done.stdout) == (2, "error: no channel 7\n")
    too_long = tsnvr(data_dir, "channel", "rename", "7", "x" * 257)
    assert too_long.returncode == 2 and "at most 256" in too_long.stdout


def test_a_rename_right_after_an_add_is_still_a_rename(runtime):
    """The title a channel was added with is known at once, not only from the next poll."""
    bus = EventBus()
    seen: list[ChannelStatusEvent] = []
    bus.listen(lambda event: seen.append(event) if isinstance(event, ChannelStatusEvent)
               and event.event == ChannelEvent.NAME_CHANGED else None)
    watch = ChannelNameWatch(runtime.db, bus)
    assert watch.poll() == []
    [row] = add_channels(runtime.db, [Channel(name="Yard", source="rtsp://127.0.0.1:9/y")], 16)
    bus.publish(ChannelStatusEvent(ChannelEvent.CHANNEL_ADDED, row.chid, name=row.name))
    assert rename_channel(runtime.db, row.chid, "Side yard")
    assert watch.poll() == [row.chid]
    assert [(e.chid, e.name) for e in seen] == [(row.chid, "Side yard")]
